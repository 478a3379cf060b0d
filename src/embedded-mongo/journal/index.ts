/** Durability of the embedded store: journal, group commit, snapshots, data directory lock, and the store plugin. */
export { openJournal, DEFAULT_COMPACT_AFTER_BYTES } from './journal';
export type { Journal, JournalOptions, JournalStats, RecoveryTarget, StateDump, OplogPosition } from './journal';
export { nodeJournalFs } from './fs-layer';
export type { JournalFs, AppendHandle } from './fs-layer';
export { JournalCorruptError, DataDirLockedError, JournalWriteError } from './errors';
