/**
 * TTL indexes: a background sweep deletes documents whose indexed date (the earliest, for an array of dates) plus
 * `expireAfterSeconds` has passed. It reads only the expired part of each TTL index (a key range up to the cutoff
 * date), in transactions of at most SWEEP_BATCH deletes, through the engine's write path like any client delete,
 * so change streams see them. MongoDB sweeps every 60 s; the period is configurable so tests need not wait.
 */
import type { Document } from 'bson';
import type { Logger } from '../log';
import type { Engine } from './engine';

export const DEFAULT_TTL_SWEEP_MS = 60_000;
/** Most deletes one sweep transaction makes (a large expiry is deleted in several). */
const SWEEP_BATCH = 10_000;

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
    let deleted = 0;
    for (;;) {
      const n = await this.engine.write((unit) => {
        let batch = 0;
        for (const coll of this.engine.allCollections()) {
          for (const index of coll.indexes.values()) {
            if (index.expireAfterSeconds === undefined || batch >= SWEEP_BATCH) continue;
            const cutoff = new Date(now - index.expireAfterSeconds * 1000);
            const expired: Document[] = [];
            for (const doc of coll.plan({ [index.leadingField]: { $lte: cutoff } }).candidates) {
              if (index.expiresAt(doc) <= now) expired.push(doc);
              if (batch + expired.length >= SWEEP_BATCH) break;
            }
            for (const doc of expired) {
              unit.apply({ kind: 'delete', db: coll.db, coll: coll.name, doc });
              batch += 1;
            }
          }
        }
        return batch;
      });
      deleted += n;
      if (n < SWEEP_BATCH || this.phase === 'stopped') break;
    }
    if (deleted > 0) this.log.debug('TTL sweep deleted expired documents', { deleted });
    return deleted;
  }
}
