/** The domain: span validation and normalisation, ids, times, trace assembly. No I/O here. */
export { parseTraceId, parseSpanId, describe } from './ids';
export { parseDateTime, formatMicros, DATE_TIME_EXPECTED, type Micros } from './time';
export { canonicalJson } from './json';
export { DEFAULT_INGEST_LIMITS, type IngestLimits } from './limits';
export {
  SPAN_KINDS,
  STATUS_CODES,
  RejectionCode,
  type SpanKind,
  type StatusCode,
  type SpanInputShape,
  type AttributeInputShape,
  type SpanRecord,
  type SpanCore,
  type Attribute,
  type CallResult,
  type Metric,
  type SpanEvent,
  type SpanLink,
  type SpanLinkInputShape,
  type Rejection,
} from './span';
export { validateSpans, assertBatchWithinLimits, type ValidSpan, type ValidationResult } from './validate';
export type { SpanCheck, CheckContext, CheckFailure } from './checks';
export { assembleTrace, compareSpans, type TraceTree } from './tree';
