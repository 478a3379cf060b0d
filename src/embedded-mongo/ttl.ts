/**
 * TTL indexes: a background sweep deletes documents whose indexed date (the earliest, for an array of dates) plus
 * `expireAfterSeconds` has passed. It reads only the expired part of each TTL index (a key range up to the cutoff
 * date) and deletes through the engine's write path like any client delete, so change streams see them, as one
 * sliced write: ~10 ms of deletes per transaction, each committed with the writes queued by then, so a
 * large expiry (a minute of ingest reaching the retention) never holds other commands for long. MongoDB sweeps
 * every 60 s; the period is configurable so tests need not wait.
 */
import type { Document } from 'bson';
import type { Logger } from '../log';
import { BACKGROUND_SLICE_MS, type Engine } from './engine';

export const DEFAULT_TTL_SWEEP_MS = 60_000;
/** Expired documents read at once before they are deleted (the expired range is read again after each chunk). */
const SWEEP_CHUNK = 32;

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
    await this.engine.writeSliced((unit, deadline) => {
      let applied = 0;
      for (const coll of this.engine.allCollections()) {
        for (const index of coll.indexes.values()) {
          if (index.expireAfterSeconds === undefined) continue;
          const cutoff = new Date(now - index.expireAfterSeconds * 1000);
          for (;;) {
            // Read a chunk, then delete it: the lazy read is not continued across the deletes it would see.
            const expired: Document[] = [];
            for (const doc of coll.plan({ [index.leadingField]: { $lte: cutoff } }).candidates) {
              if (index.expiresAt(doc) <= now) expired.push(doc);
              if (expired.length >= SWEEP_CHUNK) break;
            }
            for (const doc of expired) {
              unit.apply({ kind: 'delete', db: coll.db, coll: coll.name, doc });
              applied += 1;
              deleted += 1;
              if (this.phase === 'stopped') return true;
              // The rest of the chunk is read again by the next slice.
              if (performance.now() >= deadline) return false;
            }
            if (expired.length < SWEEP_CHUNK) break;
          }
          // A slice that has deleted something stops at its deadline between indexes too.
          if (applied > 0 && performance.now() >= deadline) return false;
        }
      }
      return true;
    }, BACKGROUND_SLICE_MS);
    if (deleted > 0) this.log.debug('TTL sweep deleted expired documents', { deleted });
    return deleted;
  }
}
