/**
 * Open server cursors, polymorphic: a query's array cursor and (S2's) change-stream cursors register the same way.
 * Idle cursors are closed after `cursorTimeoutMs` (MongoDB: cursorTimeoutMillis, default 10 minutes).
 */
import { randomInt } from 'node:crypto';
import type { Document } from 'bson';
import type { Logger } from '../../log';
import type { RawDocuments } from '../raw-bson';

export interface CursorBatch {
  /** The documents, decoded or as stored BSON (sent as they are). */
  readonly batch: Document[] | RawDocuments;
  /** True when nothing is left: the reply carries cursor id 0 and the cursor is dropped. */
  readonly exhausted: boolean;
  /** Fields merged into the reply's `cursor` document (e.g. a change stream's `postBatchResumeToken`). */
  readonly extra?: Document;
}

export interface ServerCursor {
  readonly id: bigint;
  /** `db.collection` the cursor reads (getMore must name the same collection). */
  readonly ns: string;
  /** The next batch; may wait (awaitData) up to `maxTimeMS`. */
  getMore(batchSize: number | undefined, maxTimeMS: number | undefined): Promise<CursorBatch>;
  /** Releases resources; called on kill, exhaustion, timeout and server stop. */
  close(): void;
}

/** MongoDB's default cursorTimeoutMillis. */
export const DEFAULT_CURSOR_TIMEOUT_MS = 10 * 60 * 1000;
/** Ids fit in 53 bits so they survive BSON int64 -> number promotion intact. */
const MAX_CURSOR_ID = 2 ** 48;

interface Entry {
  cursor: ServerCursor;
  lastUsed: number;
  /** A getMore is running: never time out a cursor mid-batch. */
  busy: boolean;
  /** The client asked for `noCursorTimeout`: only kill, exhaustion or stop end it. */
  noTimeout: boolean;
}

export class CursorRegistry {
  private readonly cursors = new Map<bigint, Entry>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(
    private readonly timeoutMs: number = DEFAULT_CURSOR_TIMEOUT_MS,
    private readonly log?: Logger,
  ) {
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(10, Math.min(timeoutMs / 2, 60_000)));
    this.sweepTimer.unref();
  }

  /** A fresh, unused, non-zero cursor id. */
  newId(): bigint {
    for (;;) {
      const id = BigInt(randomInt(1, MAX_CURSOR_ID));
      if (!this.cursors.has(id)) return id;
    }
  }

  register(cursor: ServerCursor, options: { noTimeout?: boolean } = {}): void {
    this.cursors.set(cursor.id, { cursor, lastUsed: Date.now(), busy: false, noTimeout: options.noTimeout === true });
  }

  get(id: bigint): ServerCursor | undefined {
    return this.cursors.get(id)?.cursor;
  }

  /** Runs a getMore, keeping the cursor alive while it waits; drops the cursor when exhausted or on error. */
  async getMore(cursor: ServerCursor, batchSize: number | undefined, maxTimeMS: number | undefined): Promise<CursorBatch> {
    const entry = this.cursors.get(cursor.id);
    if (entry) entry.busy = true;
    try {
      const result = await cursor.getMore(batchSize, maxTimeMS);
      if (result.exhausted) this.kill(cursor.id);
      return result;
    } catch (err) {
      this.kill(cursor.id);
      throw err;
    } finally {
      if (entry) {
        entry.busy = false;
        entry.lastUsed = Date.now();
      }
    }
  }

  /** Closes and forgets a cursor; false if it was not open. */
  kill(id: bigint): boolean {
    const entry = this.cursors.get(id);
    if (!entry) return false;
    this.cursors.delete(id);
    // A cursor's close runs from timers too (idle sweep): its failure must not escape into the process.
    try {
      entry.cursor.close();
    } catch (err) {
      this.log?.error('cursor close failed', { cursor: String(id), ns: entry.cursor.ns, err });
    }
    return true;
  }

  get size(): number {
    return this.cursors.size;
  }

  /** Closes every cursor and stops the idle sweep (server stop). */
  closeAll(): void {
    clearInterval(this.sweepTimer);
    for (const id of [...this.cursors.keys()]) this.kill(id);
  }

  // Private: idle timeout.
  private sweep(): void {
    const cutoff = Date.now() - this.timeoutMs;
    for (const [id, entry] of this.cursors) if (!entry.busy && !entry.noTimeout && entry.lastUsed <= cutoff) this.kill(id);
  }
}
