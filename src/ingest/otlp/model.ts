/**
 * The decoded `ExportTraceServiceRequest` (opentelemetry/proto/collector/trace/v1/trace_service.proto), the same
 * whichever encoding it arrived in. Only what Tracegate keeps is modelled; everything else was skipped by the
 * decoders. Ids are lowercase hex (protobuf bytes are hex-encoded here; JSON already carries hex) and are NOT
 * validated yet: a bad id is a per-span rejection downstream, not an undecodable request.
 */
import { ErrorCode, TracegateError } from '../../errors';

/** `AnyValue` (common.proto); `empty` is an AnyValue with no field of its oneof set. */
export type AnyValue =
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'double'; value: number }
  | { kind: 'array'; values: AnyValue[] }
  | { kind: 'kvlist'; values: KeyValue[] }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'empty' };

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface OtlpEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: KeyValue[];
}

export interface OtlpLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: KeyValue[];
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  traceState: string;
  name: string;
  /** `Span.SpanKind` number; 0 is UNSPECIFIED. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: KeyValue[];
  events: OtlpEvent[];
  links: OtlpLink[];
  /** `Status.StatusCode` number and message; absent status reads as code 0 (UNSET). */
  status: { code: number; message: string };
}

export interface OtlpScope {
  name: string;
  version: string;
  attributes: KeyValue[];
}

export interface OtlpScopeSpans {
  scope: OtlpScope;
  spans: OtlpSpan[];
}

export interface OtlpResourceSpans {
  resourceAttributes: KeyValue[];
  scopeSpans: OtlpScopeSpans[];
}

export interface OtlpTraceRequest {
  resourceSpans: OtlpResourceSpans[];
}

/** Nesting allowed inside one AnyValue (arrays and kvlists); deeper input is refused rather than recursed into. */
export const MAX_ANY_VALUE_DEPTH = 32;

/** The body could not be decoded as an ExportTraceServiceRequest: the client's mistake (HTTP 400). */
export class OtlpDecodeError extends TracegateError {
  constructor(message: string) {
    super(ErrorCode.BAD_USER_INPUT, message);
    this.name = 'OtlpDecodeError';
  }
}

export function emptyScope(): OtlpScope {
  return { name: '', version: '', attributes: [] };
}

export function emptySpan(): OtlpSpan {
  return {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    traceState: '',
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    events: [],
    links: [],
    status: { code: 0, message: '' },
  };
}
