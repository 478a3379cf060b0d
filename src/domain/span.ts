/**
 * The span shapes on both sides of ingest. `SpanInputShape` is exactly the GraphQL `SpanInput` (times as
 * DateTime strings); every ingest route (the mutation, OTLP, Zipkin) produces it. `SpanRecord` is the
 * normalised span: lowercase ids, µs integer times, defaults filled in. The store keeps and returns it.
 */
import type { Micros } from './time';

export const SPAN_KINDS = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

export const STATUS_CODES = ['UNSET', 'OK', 'ERROR'] as const;
export type StatusCode = (typeof STATUS_CODES)[number];

export interface AttributeInputShape {
  key: string;
  value: unknown;
}

export interface SpanInputShape {
  traceId: string;
  spanId: string;
  parentSpanId?: string | null;
  service: string;
  operation: string;
  kind?: SpanKind | null;
  startTime: string;
  endTime: string;
  status?: StatusCode | null;
  result?: { status: StatusCode; code?: string | null; message?: string | null; data?: unknown } | null;
  attributes?: readonly AttributeInputShape[] | null;
  metrics?: readonly { name: string; value: number; unit?: string | null }[] | null;
  events?: readonly { time: string; name: string; attributes?: readonly AttributeInputShape[] | null }[] | null;
  links?: readonly SpanLinkInputShape[] | null;
}

/** A link to another span (OTLP `Span.Link`), in this trace or another; exactly the GraphQL `SpanLinkInput`. */
export interface SpanLinkInputShape {
  traceId: string;
  spanId: string;
  traceState?: string | null;
  attributes?: readonly AttributeInputShape[] | null;
}

export interface Attribute {
  key: string;
  /** string, number, boolean, or arrays/objects of those; never null. */
  value: unknown;
}

export interface CallResult {
  status: StatusCode;
  code: string | null;
  message: string | null;
  /** Any JSON value; null when the call returned none. */
  data: unknown;
}

export interface Metric {
  name: string;
  value: number;
  unit: string | null;
}

export interface SpanEvent {
  timeUs: Micros;
  /** `timeUs` again, under the API's field name (see SpanRecord's `startTime`). */
  time: Micros;
  name: string;
  attributes: Attribute[];
}

/** A normalised link: lowercase ids, the W3C trace state of the linked context (null: none). */
export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string | null;
  attributes: Attribute[];
}

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  operation: string;
  kind: SpanKind;
  startUs: Micros;
  endUs: Micros;
  durationUs: number;
  /**
   * `startUs` and `endUs` again, under the API's field names (`Span.startTime`, `Span.endTime`, DateTime values
   * formatted by the scalar from µs): a compiled query reads a field the record holds under its own name inline,
   * where a renamed one costs a resolver call per span. Never stored: the span document keeps `startUs`/`endUs`.
   */
  startTime: Micros;
  endTime: Micros;
  status: StatusCode;
  result: CallResult | null;
  attributes: Attribute[];
  metrics: Metric[];
  events: SpanEvent[];
  links: SpanLink[];
  /** How many values redaction replaced or removed before storage (src/privacy); absent means 0. */
  redactedCount?: number;
}

/**
 * What figures derived from spans (the analytics rollups and their edge search) read of a span: its identity,
 * names, times and status, without its payload (attributes, result, metrics, events, links). A SpanRecord is one;
 * so is a stored span document, whose fields of these names hold the same values.
 */
export type SpanCore = Pick<SpanRecord, 'traceId' | 'spanId' | 'parentSpanId' | 'service' | 'operation' | 'kind' | 'startUs' | 'endUs' | 'durationUs' | 'status'>;

/** Per-span rejection codes, the `code` of a `RejectedSpan`. */
export const RejectionCode = {
  INVALID_TRACE_ID: 'INVALID_TRACE_ID',
  INVALID_SPAN_ID: 'INVALID_SPAN_ID',
  INVALID_PARENT_SPAN_ID: 'INVALID_PARENT_SPAN_ID',
  INVALID_NAME: 'INVALID_NAME',
  INVALID_FIELD: 'INVALID_FIELD',
  INVALID_TIME: 'INVALID_TIME',
  END_BEFORE_START: 'END_BEFORE_START',
  TOO_FAR_IN_FUTURE: 'TOO_FAR_IN_FUTURE',
  TOO_LARGE: 'TOO_LARGE',
  TOO_MANY_ATTRIBUTES: 'TOO_MANY_ATTRIBUTES',
  TOO_MANY_EVENTS: 'TOO_MANY_EVENTS',
  STRING_TOO_LONG: 'STRING_TOO_LONG',
  INVALID_ATTRIBUTE: 'INVALID_ATTRIBUTE',
  /** A name or key holds a lone UTF-16 surrogate: not text, and not storable unaltered (BSON strings are UTF-8). */
  INVALID_UNICODE: 'INVALID_UNICODE',
  /** The store refused this span for a reason other than a duplicate key; nothing of it is stored. */
  STORE_REJECTED: 'STORE_REJECTED',
} as const;
export type RejectionCode = (typeof RejectionCode)[keyof typeof RejectionCode];

export interface Rejection {
  /** Position of the span in the submitted list. */
  index: number;
  code: RejectionCode;
  message: string;
}
