export { CursorRegistry, DEFAULT_CURSOR_TIMEOUT_MS, type ServerCursor, type CursorBatch } from './registry';
export { ArrayCursor, DEFAULT_BATCH_SIZE, MAX_BATCH_BYTES } from './array-cursor';
export { QueryCursor } from './query-cursor';
