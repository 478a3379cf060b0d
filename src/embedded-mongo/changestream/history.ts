/**
 * The bounded in-memory history change streams read from: the most recent committed oplog entries (at most
 * `maxEntries`, none older than `maxAgeMs`), shared by every cursor (cursors hold a position, never a copy), and
 * the wake-up of cursors waiting for the next entry (no polling).
 *
 * `floorSeq` is the newest seq that is NOT retained: a position at or after it can be resumed, one before it has
 * lost events (ChangeStreamHistoryLost). At start it is the seq the store started from (nothing before is known).
 */
import type { Timestamp } from 'bson';
import type { OplogEntry } from '../engine';

export const DEFAULT_HISTORY_MAX_ENTRIES = 100_000;
export const DEFAULT_HISTORY_MAX_AGE_MS = 60 * 60 * 1000;

export interface HistoryOptions {
  maxEntries?: number;
  maxAgeMs?: number;
}

/** Where committed entries are kept when not in this object's memory: the engine's oplog on disk. */
export interface HistorySource {
  /** Up to `limit` entries with seq > `seq`, oldest first. */
  after(seq: number, limit: number): OplogEntry[];
  /** Seq of the newest entry no longer kept, and its timestamp. */
  floor(): { seq: number; ts: Timestamp };
}

export class ChangeHistory {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  private entries: OplogEntry[] = [];
  /** Index of the oldest retained entry in `entries` (trimming advances it; the array is compacted lazily). */
  private start = 0;
  private floor: number;
  private floorTimestamp: Timestamp;
  private waiters = new Set<() => void>();

  /** `start`: the position the store starts from (its seq and ts; nothing before it is retained). */
  /** With a `source` (the engine's oplog), entries live there and this object keeps only the head and the
   *  waiting cursors; `start` is then the last committed position. */
  constructor(
    start: { seq: number; ts: Timestamp },
    options: HistoryOptions = {},
    private readonly source?: HistorySource,
  ) {
    this.maxEntries = positiveInteger(options.maxEntries ?? DEFAULT_HISTORY_MAX_ENTRIES, 'maxEntries');
    this.maxAgeMs = positiveInteger(options.maxAgeMs ?? DEFAULT_HISTORY_MAX_AGE_MS, 'maxAgeMs');
    this.floor = start.seq;
    this.floorTimestamp = start.ts;
    if (source) {
      const last = start.seq > source.floor().seq ? source.after(start.seq - 1, 1)[0] : undefined;
      this.sourceHead = last ?? null;
      this.sourceHeadSeq = start.seq;
      this.recentFrom = start.seq;
    }
  }

  private sourceHead: OplogEntry | null = null;
  private sourceHeadSeq = 0;
  /** With a source: the entries of the last `record`, as committed (held until the next one), and the head
   *  before them. Cursors woken by that commit read them here instead of from disk. */
  private recent: readonly OplogEntry[] = [];
  private recentFrom = 0;

  /** Seq of the newest entry not retained (see the class comment). */
  get floorSeq(): number {
    return this.source ? this.source.floor().seq : this.floor;
  }

  /** Timestamp of the entry at `floorSeq`. */
  get floorTs(): Timestamp {
    return this.source ? this.source.floor().ts : this.floorTimestamp;
  }

  /** Seq of the newest entry recorded (the floor when none is retained). */
  get headSeq(): number {
    if (this.source) return this.sourceHeadSeq;
    return this.size > 0 ? this.entries[this.entries.length - 1]!.seq : this.floor;
  }

  get head(): OplogEntry | undefined {
    if (this.source) return this.sourceHead && this.sourceHead.seq > this.floorSeq ? this.sourceHead : undefined;
    return this.size > 0 ? this.entries[this.entries.length - 1] : undefined;
  }

  get size(): number {
    if (this.source) return Math.max(0, this.sourceHeadSeq - this.floorSeq);
    return this.entries.length - this.start;
  }

  /** Appends committed entries (in seq order), trims to the bounds and wakes waiting cursors. */
  record(entries: readonly OplogEntry[]): void {
    if (entries.length === 0) return;
    if (this.source) {
      this.recentFrom = this.sourceHeadSeq;
      this.recent = entries.slice();
    }
    for (const entry of entries) {
      if (entry.seq <= this.headSeq) {
        throw new Error(`change history must grow in seq order: got seq ${entry.seq} after ${this.headSeq}`);
      }
      if (this.source) {
        this.sourceHead = entry;
        this.sourceHeadSeq = entry.seq;
      } else {
        this.entries.push(entry);
      }
    }
    if (!this.source) this.trim(Date.now());
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }

  /** Up to `limit` retained entries with seq > `seq`, oldest first. */
  entriesAfter(seq: number, limit = Infinity): OplogEntry[] {
    if (this.source) {
      const n = Math.min(limit, this.sourceHeadSeq - seq);
      return n > 0 ? this.source.after(seq, n).filter((e) => e.seq <= this.sourceHeadSeq) : [];
    }
    const from = this.indexAfter(seq);
    return this.entries.slice(from, Math.min(this.entries.length, from + limit));
  }

  /**
   * With a source: the entries with seq > `seq` when all of them came with the last `record` (a cursor woken by
   * that commit), as committed rather than read back from disk; null otherwise. Their documents are the engine's
   * own: a reader may use them only where it reads no document of them (entries outside its stream's scope) or
   * reads an insert's document from the stored bytes it carries (`op.bytes`; a decoded copy the engine never holds).
   */
  recentAfter(seq: number): readonly OplogEntry[] | null {
    if (!this.source || seq < this.recentFrom || seq > this.sourceHeadSeq) return null;
    if (seq === this.recentFrom) return this.recent;
    return this.recent.filter((e) => e.seq > seq);
  }

  /** The seq just before the first retained entry at or after `ts` (where startAtOperationTime begins); null
   *  when entries at or after `ts` may have been dropped already. */
  seqBefore(ts: Timestamp): number | null {
    if (this.source) {
      const floor = this.source.floor();
      if (floor.seq > 0 && floor.ts.greaterThanOrEqual(ts)) return null;
      for (let seq = floor.seq; seq < this.sourceHeadSeq; ) {
        const chunk = this.entriesAfter(seq, 1000);
        if (chunk.length === 0) break;
        for (const e of chunk) if (e.ts.greaterThanOrEqual(ts)) return e.seq - 1;
        seq = chunk[chunk.length - 1]!.seq;
      }
      return this.headSeq;
    }
    if (this.floor > 0 && this.floorTimestamp.greaterThanOrEqual(ts)) return null;
    for (let i = this.start; i < this.entries.length; i++) {
      if (this.entries[i]!.ts.greaterThanOrEqual(ts)) return this.entries[i]!.seq - 1;
    }
    return this.headSeq;
  }

  /** Oldest retained entry (undefined when none). */
  get oldest(): OplogEntry | undefined {
    if (this.source) return this.entriesAfter(this.floorSeq, 1)[0];
    return this.size > 0 ? this.entries[this.start] : undefined;
  }

  /**
   * Resolves when an entry newer than `seq` is recorded, or after `ms`, or when `signal` fires; never polls.
   * Resolves at once if one is already there.
   */
  waitForEntryAfter(seq: number, ms: number, signal: { onAbort(fn: () => void): void }): Promise<void> {
    if (this.headSeq > seq) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.waiters.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, Math.max(0, ms));
      this.waiters.add(finish);
      signal.onAbort(finish);
    });
  }

  // Private: binary search over the retained, seq-ordered entries.
  private indexAfter(seq: number): number {
    let lo = this.start;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // Private: drops from the front by count, then by age; compacts the array once half of it is dropped.
  private trim(now: number): void {
    const cutoff = now - this.maxAgeMs;
    while (this.size > this.maxEntries || (this.size > 0 && this.entries[this.start]!.wallTime.getTime() < cutoff)) {
      this.floor = this.entries[this.start]!.seq;
      this.floorTimestamp = this.entries[this.start]!.ts;
      this.start++;
    }
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }
}

// Private: option validation with the expected and received value.
function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`change history ${name} must be a positive integer, got ${value}`);
  return value;
}
