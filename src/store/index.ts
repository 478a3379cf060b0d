/** Storage: the TraceStore contract (owned by its consumers) and its MongoDB implementation. */
export {
  MAX_SERVICES_LISTED,
  TRACE_ORDERS,
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
  type SpanKey,
} from './types';
export { encodeCursor, decodeCursor, type CursorPosition } from './cursor';
export { MongoTraceStore, DUPLICATE_KEY, INDEXES, Collections, type MongoStoreOptions } from './mongo';
