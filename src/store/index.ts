/** Storage: the TraceStore contract (owned by its consumers) and its MongoDB implementation. */
export {
  SPAN_PARTS,
  TRACE_PARTS,
  spanKeyString,
  type TraceStore,
  type StoredSpan,
  type TraceSummary,
  type ServiceRecord,
  type TraceOrder,
  type TraceQuery,
  type TraceSearch,
  type TracePage,
  type InsertOutcome,
  type InsertOptions,
  type InsertedSpans,
  type EraseOptions,
  type EraseOutcome,
  type SpanKey,
  type SpanPart,
  type TracePart,
  type SpanReadOptions,
  type SpanChangeFeed,
} from './types';
export type { CursorPosition } from './cursor';
export { summarizeSpans } from './summary';
export { GroupCommit } from './group-commit';
export { MongoTraceStore, INDEXES, Collections, type MongoStoreOptions } from './mongo';
// The span documents as stored: for features that read the spans collection themselves (analytics rebuild).
export { spanDocId, fromSpanDoc, type SpanDoc } from './mongo';
