/** Change streams of the embedded store: `$changeStream` aggregate, resumable cursors over a bounded history. */
export { changeStreamPlugin, CHANGE_STREAM_STAGE } from './plugin';
export type { ChangeStreamPlugin } from './plugin';
export { HistoryFeed } from './feed';
export type { ChangeFeed } from './feed';
export { ChangeHistory, DEFAULT_HISTORY_MAX_ENTRIES, DEFAULT_HISTORY_MAX_AGE_MS } from './history';
export type { HistoryOptions } from './history';
export { changeStreamStage, ALLOWED_FOLLOWING_STAGES } from './handler';
export { ChangeStreamCursor, DEFAULT_AWAIT_MS, MAX_BATCH_BYTES } from './cursor';
export { encodeToken, decodeToken } from './resume-token';
export type { ResumeToken } from './resume-token';
export { describeUpdate } from './update-description';
export type { UpdateDescription } from './update-description';
