export { MongoTraceStore, DUPLICATE_KEY, LOOKUP_BATCH_SIZE, type MongoStoreOptions } from './store';
export { INDEXES } from './indexes';
export { Collections, spanDocId, fromSpanDoc, type SpanDoc } from './documents';
