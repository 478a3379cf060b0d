/**
 * What feeds the change history: entries replayed from a data directory at start (so a stream can resume across
 * a restart), then committed entries. Whoever makes commits durable drives the feed, so that a stream only ever
 * shows changes that are acknowledged-durable (no event for a write that a crash could still lose).
 */
import type { Timestamp } from 'bson';
import type { OplogEntry } from '../engine';
import { ChangeHistory, type HistoryOptions, type HistorySource } from './history';

export interface ChangeFeed {
  /** A snapshot was loaded: history starts after its position (nothing before it is known). */
  startAfter(position: { seq: number; ts: Timestamp }): void;
  /** An entry replayed from the journal at start. */
  replayed(entry: OplogEntry): void;
  /** Entries now durable (or committed, for a memory-only store), in seq order. */
  committed(entries: readonly OplogEntry[]): void;
}

/** Owns the history; created empty, it starts at the first position it is told about. */
export class HistoryFeed implements ChangeFeed {
  private current: ChangeHistory | null = null;
  private serving = false;
  /** Set when another plugin (durability) drives this feed; otherwise the change-stream plugin listens itself. */
  drivenExternally = false;

  constructor(private readonly options: HistoryOptions = {}) {}

  startAfter(position: { seq: number; ts: Timestamp }): void {
    this.assertRecovering();
    this.current = new ChangeHistory(position, this.options);
  }

  replayed(entry: OplogEntry): void {
    this.assertRecovering();
    this.ensure({ seq: entry.seq - 1, ts: entry.ts }).record([entry]);
  }

  committed(entries: readonly OplogEntry[]): void {
    if (entries.length === 0) return;
    this.ensure({ seq: entries[0]!.seq - 1, ts: entries[0]!.ts }).record(entries);
  }

  /** The history, created at `start` if nothing was fed yet. After this, recovery may no longer feed it. */
  ensure(start: { seq: number; ts: Timestamp }): ChangeHistory {
    this.current ??= new ChangeHistory(start, this.options);
    return this.current;
  }

  /** Called when the change-stream plugin starts serving: from then on only commits are fed. With a `source`
   *  (the engine's oplog) the history reads its entries from there. */
  serve(start: { seq: number; ts: Timestamp }, source?: HistorySource): ChangeHistory {
    this.serving = true;
    this.current ??= new ChangeHistory(start, this.options, source);
    return this.current;
  }

  // Private: the durability plugin must be listed (and so started) before the change-stream plugin.
  private assertRecovering(): void {
    if (this.serving) throw new Error('the durability plugin must start before the change-stream plugin (list it first)');
  }
}
