/**
 * The live stream behind `serviceStats`: the service's current bucket, re-read from the rollups whenever the
 * span feed shows a stored span of the service, at most once per interval, sent only when it changed.
 *
 * The feed is the live span feed (a change stream on spans, so spans stored through any gateway on the same
 * store arrive), and the bucket is re-read from the shared rollups, so every instance reports the same figures.
 * A span's change event arrives before the rollup write that follows its insert, and on a loaded gateway that
 * write can come several intervals later. So while the reads after a change find the bucket as it was, more
 * follow at doubling waits (one interval, two, four, ... at most `MAX_SEARCH_WAIT_INTERVALS`), up to
 * `SEARCH_READS` of them; once a read finds it changed, one more follows an interval later (for a write close
 * behind). A batch that leaves the current bucket as it was (spans of an earlier minute) costs those reads and
 * sends nothing.
 */
import type { StatPointModel } from './stat-point';

export interface StatsStreamOptions {
  /**
   * Notifications that the service's bucket may have changed (each item one batch of stored spans). With
   * `whenLive` (a live hub stream), the first read waits until the feed reports every span stored from then on.
   */
  feed: AsyncIterator<unknown> & { return?(): Promise<IteratorResult<unknown>>; whenLive?(): Promise<void> };
  /** Reads the current bucket. */
  read(): Promise<StatPointModel>;
  /** Least time between two reads (and so two messages), ms. */
  intervalMs: number;
}

/**
 * What the next read is for: none pending; a change the feed reported; searching for the rollup write of a change
 * that reads found the bucket without; one last read after a read that found it changed.
 */
type Pending = 'none' | 'change' | 'search' | 'trailing';

/** Reads after a change that find the bucket as it was, before they stop (unless the feed reports another). */
export const SEARCH_READS = 6;
/** The longest wait between two such reads, in intervals. */
export const MAX_SEARCH_WAIT_INTERVALS = 8;

export class StatsStream implements AsyncIterableIterator<StatPointModel> {
  private closed = false;
  // The first read answers at once with the bucket as it stands.
  private pending: Pending = 'change';
  private lastReadAt = -Infinity;
  // From the last read to the next one, ms.
  private waitMs: number;
  // Searching reads left.
  private searchLeft = 0;
  // Changes the feed reported; one reported during a read leaves the next read a 'change' one.
  private changes = 0;
  private lastSent: string | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly options: StatsStreamOptions) {
    this.waitMs = options.intervalMs;
    void this.pump();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StatPointModel> {
    return this;
  }

  async next(): Promise<IteratorResult<StatPointModel>> {
    if (this.lastReadAt === -Infinity) await this.options.feed.whenLive?.();
    while (!this.closed) {
      if (this.pending === 'none') {
        await this.sleep(Infinity);
        continue;
      }
      const wait = this.lastReadAt + this.waitMs - Date.now();
      if (wait > 0) {
        await this.sleep(wait);
        continue;
      }
      const reason = this.pending;
      const changesBefore = this.changes;
      this.lastReadAt = Date.now();
      const point = await this.options.read();
      if (this.closed) break;
      const fingerprint = JSON.stringify([point.startMs, point.calls, point.errors, point.acc.sumUs, point.acc.minUs, point.acc.maxUs]);
      const changed = fingerprint !== this.lastSent;
      if (this.changes === changesBefore) this.afterRead(reason, changed);
      if (changed) {
        this.lastSent = fingerprint;
        return { value: point, done: false };
      }
    }
    return { value: undefined, done: true };
  }

  // Private: the next read after one made for `reason`, which found the bucket changed or as it was.
  private afterRead(reason: Pending, changed: boolean): void {
    const interval = this.options.intervalMs;
    if (changed) {
      this.pending = reason === 'trailing' ? 'none' : 'trailing';
      this.waitMs = interval;
    } else if (reason === 'change') {
      this.pending = 'search';
      this.searchLeft = SEARCH_READS;
      this.waitMs = interval;
    } else if (reason === 'search' && this.searchLeft > 1) {
      this.searchLeft--;
      this.waitMs = Math.min(this.waitMs * 2, interval * MAX_SEARCH_WAIT_INTERVALS);
    } else {
      this.pending = 'none';
    }
  }

  async return(): Promise<IteratorResult<StatPointModel>> {
    this.close();
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<StatPointModel>> {
    this.close();
    throw error;
  }

  // Private: drains the feed as fast as it comes (so it never backs up), marking the bucket as changed.
  private async pump(): Promise<void> {
    try {
      for (;;) {
        const item = await this.options.feed.next();
        if (item.done || this.closed) break;
        this.changes++;
        this.pending = 'change';
        this.waitMs = this.options.intervalMs;
        this.wakeUp();
      }
    } finally {
      this.close();
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.options.feed.return?.();
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  // Private: until woken (a change, or closing) or `ms` passed.
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => this.wakeUp(), ms) : null;
      this.wake = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  }
}
