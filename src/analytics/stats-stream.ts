/**
 * The live stream behind `serviceStats`: the service's current bucket, re-read from the rollups whenever the
 * span feed shows a stored span of the service, at most once per interval, sent only when it changed.
 *
 * The feed is the live span feed (a change stream on spans, so spans stored through any gateway on the same
 * store arrive), and the bucket is re-read from the shared rollups, so every instance reports the same figures.
 * A span's change event can arrive just before the rollup write that follows its insert; so each change is
 * followed by one more read an interval later, which sees that write.
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

type Pending = 'none' | 'change' | 'settle';

export class StatsStream implements AsyncIterableIterator<StatPointModel> {
  private closed = false;
  // The first read answers at once with the bucket as it stands.
  private pending: Pending = 'change';
  private lastReadAt = -Infinity;
  private lastSent: string | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly options: StatsStreamOptions) {
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
      const wait = this.lastReadAt + this.options.intervalMs - Date.now();
      if (wait > 0) {
        await this.sleep(wait);
        continue;
      }
      this.pending = this.pending === 'change' ? 'settle' : 'none';
      this.lastReadAt = Date.now();
      const point = await this.options.read();
      if (this.closed) break;
      const fingerprint = JSON.stringify([point.startMs, point.calls, point.errors, point.acc.sumUs, point.acc.minUs, point.acc.maxUs]);
      if (fingerprint !== this.lastSent) {
        this.lastSent = fingerprint;
        return { value: point, done: false };
      }
    }
    return { value: undefined, done: true };
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
        this.pending = 'change';
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
