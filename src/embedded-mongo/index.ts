/** The embedded MongoDB-wire-compatible store: public surface. */
export { startEmbeddedMongo, DEFAULT_SET_NAME, type EmbeddedMongo, type EmbeddedMongoOptions, type StorePhase } from './store';
export { startEmbeddedMongoThread, type EmbeddedMongoThread, type EmbeddedMongoThreadOptions } from './thread';
export { defaultPlugins, type StorePlugin, type StoreInternals } from './plugins';
export { DEFAULT_TTL_SWEEP_MS, TtlMonitor } from './ttl';
export { Engine, WriteUnit, type OplogOp, type OplogEntry, type CommitListener } from './engine';
export { CursorRegistry, ArrayCursor, type ServerCursor, type CursorBatch } from './cursors';
export type { CommandContext, FirstStageHandler, FirstStageRequest, StoreExtensions } from './commands';
export { firstBatchReply } from './commands';
export { MongoCommandError, ErrorCodes } from './errors';
