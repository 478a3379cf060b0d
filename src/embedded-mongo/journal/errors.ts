/**
 * Private error classes of the journal. They surface at start-up (a data directory that cannot be used as-is) or
 * on a failed write (the command that waited for it fails; the store accepts no further writes).
 */

/** A record that is not the torn tail of the newest journal is damaged: refusing to guess what it held. */
export class JournalCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`corrupt record in ${file} at byte offset ${offset}: ${reason}`);
    this.name = 'JournalCorruptError';
  }
}

/** Another live process (or another store in this process) holds the data directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
  ) {
    super(`data directory ${dataDir} is in use by process ${holderPid} (lock file present); stop it or use another --data-dir`);
    this.name = 'DataDirLockedError';
  }
}

/** A journal write or fsync failed; after that the file's on-disk state is unknown, so every later write fails. */
export class JournalWriteError extends Error {
  constructor(
    readonly file: string,
    override readonly cause: unknown,
  ) {
    super(`journal write to ${file} failed: ${cause instanceof Error ? cause.message : String(cause)}; the store accepts no more writes`);
    this.name = 'JournalWriteError';
  }
}
