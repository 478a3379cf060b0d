/**
 * The durable journal of a data directory: recovery at open (snapshot, then journal entries newer than it), group
 * committed appends, and compaction into a new snapshot when the newest journal file grows past a threshold.
 *
 * Compaction starts once the newest journal file is larger than both the threshold and the last snapshot.
 * Compaction, crash-safe at every step: (1) create the next journal generation and fsync the directory; (2) switch
 * appends to it between batches; (3) take the engine's state as ops (synchronously, so it includes every entry of
 * the older generations); (4) write the snapshot to a temp file, fsync, rename, fsync the directory; (5) delete the
 * older generations and fsync the directory. Recovery skips journal entries the snapshot already holds, so a crash
 * between any two steps replays to the same state.
 */
import type { Timestamp } from 'bson';
import type { OplogEntry, OplogOp } from '../engine';
import { log as rootLog, type Logger } from '../../log';
import { inDir, journalFileName, journalGenerations, SNAPSHOT_TMP_FILE } from './data-dir';
import { decodeDocument, encodeEntry, toEntry } from './entry-codec';
import { JournalCorruptError } from './errors';
import { nodeJournalFs, type JournalFs } from './fs-layer';
import { GroupCommitWriter, type WriterStats } from './group-commit';
import { acquireDataDirLock, type DataDirLock } from './lock-file';
import { RECORD_HEADER_BYTES } from './record-format';
import { scanRecords } from './record-scan';
import { loadSnapshot, writeSnapshot } from './snapshot';

/** Compact once the newest journal file passes this many bytes, unless configured otherwise. */
export const DEFAULT_COMPACT_AFTER_BYTES = 64 * 1024 * 1024;

export interface OplogPosition {
  readonly seq: number;
  readonly ts: Timestamp;
}

/** What recovery drives: the engine, seen through the three things recovery needs from it. */
export interface RecoveryTarget {
  /** Called once after a snapshot was loaded (entries up to its seq are in it). */
  snapshotLoaded?(position: OplogPosition): void;
  /** Applies one op of the snapshot (no commit listeners). */
  applySnapshotOp(op: OplogOp): void;
  /** Applies one journal entry newer than the snapshot (no commit listeners). */
  applyEntry(entry: OplogEntry): void;
  /** Called once, after the last entry, with the position the engine must continue after (null: empty dir). */
  recovered(position: OplogPosition | null): void;
}

/** The engine's whole state as ops, taken synchronously, and the position it reflects. */
export type StateDump = () => OplogPosition & { ops: Iterable<OplogOp> };

export interface JournalOptions {
  dataDir: string;
  /** Default DEFAULT_COMPACT_AFTER_BYTES. */
  compactAfterBytes?: number;
  fs?: JournalFs;
  log?: Logger;
}

export interface JournalStats extends WriterStats {
  readonly generation: number;
  readonly compactions: number;
  /** Entries replayed from journal files at open (after the snapshot). */
  readonly replayedEntries: number;
  readonly snapshotOps: number;
}

export interface Journal {
  /** The commit listener: resolves once `entries` are fsynced. */
  append(entries: readonly OplogEntry[]): Promise<void>;
  /** Compacts now: the snapshot covers every entry appended before the call (after a running compaction ends). */
  compact(): Promise<void>;
  stats(): JournalStats;
  /** Waits for queued writes and a running compaction, closes the file, releases the lock. */
  close(): Promise<void>;
}

export async function openJournal(options: JournalOptions, target: RecoveryTarget, dump: StateDump): Promise<Journal> {
  const fs = options.fs ?? nodeJournalFs;
  const log = (options.log ?? rootLog).child('journal');
  const dir = options.dataDir;
  const compactAfterBytes = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES;
  if (!(Number.isSafeInteger(compactAfterBytes) && compactAfterBytes > 0)) {
    throw new RangeError(`compactAfterBytes must be a positive integer, got ${compactAfterBytes}`);
  }
  await fs.mkdirp(dir);
  const lock = await acquireDataDirLock(dir);
  try {
    const recovery = await recover(fs, dir, target, log);
    const generation = recovery.lastGeneration + 1;
    const path = inDir(dir, journalFileName(generation));
    const handle = await fs.openAppend(path);
    await fs.syncDir(dir);
    log.info('data directory open', { dir, snapshotOps: recovery.snapshotOps, replayedEntries: recovery.replayedEntries, generation });
    return new DurableJournal(fs, dir, lock, log, compactAfterBytes, generation, handle, path, recovery, dump);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

interface Recovery {
  readonly lastGeneration: number;
  readonly snapshotBytes: number;
  readonly snapshotOps: number;
  readonly replayedEntries: number;
}

// Private: snapshot first, then every journal generation in order; only the newest may end torn.
async function recover(fs: JournalFs, dir: string, target: RecoveryTarget, log: Logger): Promise<Recovery> {
  const names = await fs.readdir(dir);
  if (names.includes(SNAPSHOT_TMP_FILE)) {
    await fs.unlink(inDir(dir, SNAPSHOT_TMP_FILE));
    log.info('removed an unfinished snapshot left by an interrupted compaction', { dir });
  }
  const snapshot = await loadSnapshot(fs, dir, (op) => target.applySnapshotOp(op));
  if (snapshot) target.snapshotLoaded?.({ seq: snapshot.seq, ts: snapshot.ts });
  let position: OplogPosition | null = snapshot ? { seq: snapshot.seq, ts: snapshot.ts } : null;
  const generations = journalGenerations(names);
  let replayed = 0;
  for (let i = 0; i < generations.length; i++) {
    const file = inDir(dir, journalFileName(generations[i]!));
    const buf = (await fs.readFile(file)) ?? Buffer.alloc(0);
    const scanned = scanRecords(buf, file);
    if (scanned.tornTail) {
      // A compaction creates the next generation before the in-flight batch of this one is fsynced: a crash then
      // leaves this file torn and the newer ones empty. Anything newer with content means this tail was not last.
      if (!(await allEmpty(fs, dir, generations.slice(i + 1)))) {
        throw new JournalCorruptError(file, scanned.tornTail.offset, `${scanned.tornTail.reason} in a journal that is not the newest`);
      }
      await fs.truncate(file, scanned.goodBytes);
      log.warn('dropped a torn record at the end of the journal (a write cut short by a crash, never acknowledged)', {
        file,
        offset: scanned.tornTail.offset,
        droppedBytes: buf.length - scanned.goodBytes,
        reason: scanned.tornTail.reason,
      });
    }
    let next = 0;
    for (const body of scanned.bodies) {
      const offset = next;
      next += RECORD_HEADER_BYTES + body.length;
      const entry = toEntry(decodeDocument(body));
      if (typeof entry === 'string') throw new JournalCorruptError(file, offset, entry);
      const last = position?.seq ?? 0;
      if (entry.seq <= last) continue;
      if (entry.seq !== last + 1) {
        throw new JournalCorruptError(file, offset, `expected seq ${last + 1} next, got ${entry.seq}: journal records are missing`);
      }
      target.applyEntry(entry);
      position = { seq: entry.seq, ts: entry.ts };
      replayed++;
    }
  }
  target.recovered(position);
  return {
    lastGeneration: generations[generations.length - 1] ?? 0,
    snapshotBytes: snapshot?.bytes ?? 0,
    snapshotOps: snapshot?.opCount ?? 0,
    replayedEntries: replayed,
  };
}

// Private: true when none of the generations holds a byte.
async function allEmpty(fs: JournalFs, dir: string, generations: readonly number[]): Promise<boolean> {
  for (const g of generations) {
    const buf = await fs.readFile(inDir(dir, journalFileName(g)));
    if (buf && buf.length > 0) return false;
  }
  return true;
}

// Private: the open journal; see the module comment for the compaction order.
class DurableJournal implements Journal {
  private readonly writer: GroupCommitWriter;
  private compaction: Promise<void> | null = null;
  private compactions = 0;
  private closing = false;
  private snapshotBytes: number;

  constructor(
    private readonly fs: JournalFs,
    private readonly dir: string,
    private readonly lock: DataDirLock,
    private readonly log: Logger,
    private readonly compactAfterBytes: number,
    private generation: number,
    handle: Awaited<ReturnType<JournalFs['openAppend']>>,
    path: string,
    private readonly recovery: Recovery,
    private readonly dumpState: StateDump,
  ) {
    this.snapshotBytes = recovery.snapshotBytes;
    this.writer = new GroupCommitWriter(handle, path, 0, (stats) => {
      // Never before the journal outgrows the last snapshot: rewriting a big store for a few writes would multiply
      // the bytes written (the same rule as Redis' AOF rewrite at 100% growth).
      if (stats.fileBytes >= Math.max(this.compactAfterBytes, this.snapshotBytes) && !this.compaction && !this.closing) {
        this.compact().catch((err) => this.log.error('compaction failed; the journal keeps growing', { err }));
      }
    });
  }

  append(entries: readonly OplogEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.writer.append(entries.map(encodeEntry));
  }

  compact(): Promise<void> {
    // After a running compaction (whose snapshot may predate this call), so the new one covers every entry so far.
    const previous = this.compaction;
    const run: Promise<void> = (async () => {
      if (previous) await previous.catch(() => {});
      await this.runCompaction();
    })().finally(() => {
      if (this.compaction === run) this.compaction = null;
    });
    this.compaction = run;
    return run;
  }

  stats(): JournalStats {
    return {
      ...this.writer.stats(),
      generation: this.generation,
      compactions: this.compactions,
      replayedEntries: this.recovery.replayedEntries,
      snapshotOps: this.recovery.snapshotOps,
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.compaction?.catch(() => {});
    await this.writer.close();
    await this.lock.release();
  }

  private async runCompaction(): Promise<void> {
    const older = this.generation;
    const next = older + 1;
    const path = inDir(this.dir, journalFileName(next));
    const handle = await this.fs.openAppend(path);
    await this.fs.syncDir(this.dir);
    const rotated = this.writer.rotate(handle, path);
    this.generation = next;
    const state = this.dumpState();
    const bytes = await writeSnapshot(this.fs, this.dir, state, state.ops);
    this.snapshotBytes = bytes;
    await rotated;
    const stale = journalGenerations(await this.fs.readdir(this.dir)).filter((g) => g <= older);
    for (const g of stale) await this.fs.unlink(inDir(this.dir, journalFileName(g)));
    await this.fs.syncDir(this.dir);
    this.compactions++;
    this.log.info('compacted the journal into a snapshot', { seq: state.seq, snapshotBytes: bytes, removedJournals: stale.length });
  }
}
