/**
 * TTL indexes: a background sweep deletes documents whose indexed date (the earliest, for an array of dates) plus
 * `expireAfterSeconds` has passed. Each TTL index knows the earliest expiry among its documents, so a sweep scans a
 * collection only once something can have expired. Deletes go through a WriteUnit like any client delete, so the journal and
 * change streams see them. MongoDB sweeps every 60 s; the period is configurable so tests need not wait.
 */
import type { Document } from 'bson';
import type { Logger } from '../log';
import { keyOf, type Engine } from './engine';

export const DEFAULT_TTL_SWEEP_MS = 60_000;

type TtlPhase = 'idle' | 'sweeping' | 'stopped';

export class TtlMonitor {
  private timer: NodeJS.Timeout | undefined;
  private phase: TtlPhase = 'idle';
  private current: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly engine: Engine,
    private readonly periodMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.phase !== 'idle') return;
      void this.sweepOnce().catch((err) => this.log.error('TTL sweep failed', { err }));
    }, this.periodMs);
    this.timer.unref();
  }

  /** Deletes every expired document now; resolves to how many were deleted. */
  sweepOnce(now: number = Date.now()): Promise<number> {
    if (this.phase === 'stopped') return Promise.resolve(0);
    if (this.phase === 'sweeping') return this.current;
    this.phase = 'sweeping';
    this.current = this.sweep(now).finally(() => {
      if (this.phase === 'sweeping') this.phase = 'idle';
    });
    return this.current;
  }

  /** Stops the timer and waits for a running sweep to commit. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const running = this.current;
    this.phase = 'stopped';
    await running.catch(() => undefined);
  }

  private async sweep(now: number): Promise<number> {
    const deleted = await this.engine.write((unit) => {
      let n = 0;
      for (const coll of this.engine.allCollections()) {
        const expired = new Map<string, Document>();
        for (const index of coll.indexes.values()) {
          // Nothing indexed can have expired yet: skip the scan (the common case between expiries).
          if (index.expireAfterSeconds === undefined || index.nextExpiryAt > now) continue;
          let nextExpiry = Infinity;
          for (const doc of coll.docs.values()) {
            const at = index.expiresAt(doc);
            if (at <= now) expired.set(keyOf(doc._id), doc);
            else if (at < nextExpiry) nextExpiry = at;
          }
          index.nextExpiryAt = nextExpiry;
        }
        for (const doc of expired.values()) {
          unit.apply({ kind: 'delete', db: coll.db, coll: coll.name, doc });
          n += 1;
        }
      }
      return n;
    });
    if (deleted > 0) this.log.debug('TTL sweep deleted expired documents', { deleted });
    return deleted;
  }
}
