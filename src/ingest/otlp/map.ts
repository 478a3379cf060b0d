/**
 * Decoded OTLP -> `SpanInput`s for the shared ingest path. Choices (documented in docs/ingest.md):
 * - service: resource attribute `service.name`; absent or empty -> `unknown_service`, as the OTel SDKs do;
 * - operation: span name (empty -> `unknown`); kind and status: OTLP enum numbers -> the GraphQL enums (kind 0, UNSPECIFIED, reads as
 *   INTERNAL as trace.proto allows); an enum number outside the proto's range rejects that span;
 * - attributes: the span's own, then every resource attribute as `resource.<key>`, the scope as `otel.scope.name` /
 *   `otel.scope.version` (the names the OTel non-OTLP exporters use) and its attributes as `scope.<key>`, a
 *   non-empty W3C trace state as `otel.trace_state`;
 * - links: `links` (trace id, span id, trace state, attributes), readable as `Span.links`;
 * - times: nanoseconds -> ISO-8601 with 9 fraction digits; 0 (proto3 "absent") rejects the span;
 * - result: see result.ts.
 * Ids are passed through as hex: the gateway's own validation judges them, so a bad id is a per-span rejection.
 */
import { ErrorCode } from '../../errors';
import type { AttributeInputShape as AttributeInput, SpanInputShape as SpanInput, SpanKind, StatusCode } from '../../domain';
import { anyValueToJson, keyValuesToAttributes } from './any-value';
import type { KeyValue, OtlpScope, OtlpSpan, OtlpTraceRequest } from './model';
import { deriveCallResult } from './result';
import { nanosToIso } from './time';

export const SERVICE_NAME_ATTRIBUTE = 'service.name';
export const UNKNOWN_SERVICE = 'unknown_service';
/** trace.proto: an empty span name "is equivalent to an unknown span name"; Tracegate needs a non-empty one. */
export const UNKNOWN_OPERATION = 'unknown';
export const RESOURCE_PREFIX = 'resource.';
export const SCOPE_PREFIX = 'scope.';
export const SCOPE_NAME_ATTRIBUTE = 'otel.scope.name';
export const SCOPE_VERSION_ATTRIBUTE = 'otel.scope.version';
export const TRACE_STATE_ATTRIBUTE = 'otel.trace_state';

/** trace.proto `Span.SpanKind`, by number. */
const SPAN_KINDS: readonly SpanKind[] = ['INTERNAL', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
/** trace.proto `Status.StatusCode`, by number. */
const STATUS_CODES: readonly StatusCode[] = ['UNSET', 'OK', 'ERROR'];

export interface MappingRejection {
  /** Position of the span in the request, counting every span of every resource and scope in order. */
  index: number;
  code: string;
  message: string;
}

export interface MappedRequest {
  /** Total spans in the request. */
  total: number;
  inputs: SpanInput[];
  /** `positions[i]` is the request position of `inputs[i]`. */
  positions: number[];
  rejected: MappingRejection[];
}

export function mapTraceRequest(request: OtlpTraceRequest): MappedRequest {
  const out: MappedRequest = { total: 0, inputs: [], positions: [], rejected: [] };
  for (const rs of request.resourceSpans) {
    const service = serviceName(rs.resourceAttributes);
    const resourceAttributes = prefixed(rs.resourceAttributes, RESOURCE_PREFIX);
    for (const ss of rs.scopeSpans) {
      const scopeAttributes = scopeAttributesOf(ss.scope);
      for (const span of ss.spans) {
        const index = out.total++;
        const mapped = mapSpan(span, service, [...resourceAttributes, ...scopeAttributes]);
        if (typeof mapped === 'string') out.rejected.push({ index, code: ErrorCode.BAD_USER_INPUT, message: mapped });
        else {
          out.inputs.push(mapped);
          out.positions.push(index);
        }
      }
    }
  }
  return out;
}

// Private: one span, or the reason it cannot be mapped.
function mapSpan(span: OtlpSpan, service: string, inherited: AttributeInput[]): SpanInput | string {
  const kind = SPAN_KINDS[span.kind];
  if (kind === undefined) return `kind: expected a Span.SpanKind number 0..5, got ${span.kind}`;
  const status = STATUS_CODES[span.status.code];
  if (status === undefined) return `status.code: expected a Status.StatusCode number 0..2, got ${span.status.code}`;
  if (span.startTimeUnixNano === 0n) return 'startTimeUnixNano: required, got 0 (absent)';
  if (span.endTimeUnixNano === 0n) return 'endTimeUnixNano: required, got 0 (absent)';
  for (const [i, e] of span.events.entries()) {
    if (e.timeUnixNano === 0n) return `events[${i}].timeUnixNano: required, got 0 (absent)`;
  }

  const attributes: AttributeInput[] = [...attributesOf(span.attributes), ...inherited];
  if (span.traceState !== '') attributes.push({ key: TRACE_STATE_ATTRIBUTE, value: span.traceState });

  const input: SpanInput = {
    traceId: span.traceId,
    spanId: span.spanId,
    service,
    operation: span.name.trim() === '' ? UNKNOWN_OPERATION : span.name,
    kind,
    startTime: nanosToIso(span.startTimeUnixNano),
    endTime: nanosToIso(span.endTimeUnixNano),
    status,
    attributes,
    events: span.events.map((e) => ({ time: nanosToIso(e.timeUnixNano), name: e.name, attributes: attributesOf(e.attributes) })),
  };
  if (span.links.length > 0) {
    input.links = span.links.map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      ...(l.traceState !== '' ? { traceState: l.traceState } : {}),
      attributes: attributesOf(l.attributes),
    }));
  }
  if (span.parentSpanId !== '') input.parentSpanId = span.parentSpanId;
  const result = deriveCallResult(kind, status, span.status.message, span.attributes);
  if (result) input.result = result;
  return input;
}

function serviceName(resourceAttributes: KeyValue[]): string {
  const v = resourceAttributes.find((a) => a.key === SERVICE_NAME_ATTRIBUTE)?.value;
  if (!v || v.kind === 'empty') return UNKNOWN_SERVICE;
  const name = v.kind === 'string' ? v.value : String(JSON.stringify(anyValueToJson(v)));
  return name === '' ? UNKNOWN_SERVICE : name;
}

function attributesOf(kvs: KeyValue[]): AttributeInput[] {
  return keyValuesToAttributes(kvs);
}

function prefixed(kvs: KeyValue[], prefix: string): AttributeInput[] {
  return keyValuesToAttributes(kvs, prefix);
}

function scopeAttributesOf(scope: OtlpScope): AttributeInput[] {
  const out: AttributeInput[] = [];
  if (scope.name !== '') out.push({ key: SCOPE_NAME_ATTRIBUTE, value: scope.name });
  if (scope.version !== '') out.push({ key: SCOPE_VERSION_ATTRIBUTE, value: scope.version });
  out.push(...prefixed(scope.attributes, SCOPE_PREFIX));
  return out;
}
