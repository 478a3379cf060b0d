export { MongoTraceStore, DUPLICATE_KEY, type MongoStoreOptions } from './store';
export { INDEXES } from './indexes';
export { Collections, spanDocId, fromSpanDoc, type SpanDoc } from './documents';
