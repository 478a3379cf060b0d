/** Durability of the embedded store: journal, group commit, snapshots, data directory lock, journal-format conversion. */
export { openJournal, DEFAULT_COMPACT_AFTER_BYTES } from './journal';
export type { Journal, JournalOptions, JournalStats, RecoveryTarget, StateDump, OplogPosition } from './journal';
export { nodeJournalFs } from './fs-layer';
export type { JournalFs, AppendHandle } from './fs-layer';
export { JournalCorruptError, DataDirLockedError, JournalWriteError } from './errors';
export { acquireDataDirLock } from './lock-file';
export type { DataDirLock } from './lock-file';
export { convertJournalFormat, hasJournalFormat } from './convert';
