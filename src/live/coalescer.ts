/** The longest a span waits in a coalescing window before it is sent (live updates arrive within ~50 ms). */
export const DEFAULT_COALESCE_MS = 50;

type Pending =
  | { name: 'idle' }
  | { name: 'microtask' }
  | { name: 'immediate'; handle: NodeJS.Immediate }
  | { name: 'timer'; handle: NodeJS.Timeout };

/**
 * Gathers items into batches, at most one flush per window. The first item after a quiet window is flushed on
 * the next turn of the event loop (low latency when traffic is light); items arriving within the window after a
 * flush wait for the window's end (a burst becomes a few messages, not one per span). No item waits longer than
 * the window.
 *
 * A window of 0 has no time in it: items added together (in one synchronous run of the caller, e.g. one batch
 * of a live source) are flushed together once that run ends, as a microtask, without waiting for the event
 * loop's other callbacks (a turn of a busy gateway can take milliseconds).
 */
export class Coalescer<T> {
  private items: T[] = [];
  private pending: Pending = { name: 'idle' };
  private lastFlushAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly windowMs: number,
    private readonly flush: (items: T[]) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(Number.isFinite(windowMs) && windowMs >= 0)) throw new RangeError(`Coalescer window: expected a number of ms >= 0, received ${windowMs}`);
  }

  /** True while a flush is scheduled (a timer or an immediate is held). */
  get scheduled(): boolean {
    return this.pending.name !== 'idle';
  }

  add(items: readonly T[]): void {
    if (items.length === 0) return;
    for (const item of items) this.items.push(item);
    if (this.pending.name !== 'idle') return;
    if (this.windowMs === 0) {
      const pending: Pending = { name: 'microtask' };
      this.pending = pending;
      // A microtask cannot be cancelled: it does nothing once `cancel` replaced the pending state it belongs to.
      queueMicrotask(() => {
        if (this.pending === pending) this.run();
      });
      return;
    }
    const wait = this.lastFlushAt + this.windowMs - this.now();
    this.pending = wait > 0 ? { name: 'timer', handle: setTimeout(this.run, wait) } : { name: 'immediate', handle: setImmediate(this.run) };
  }

  /** Drops the pending items `unwanted` picks (e.g. spans of an erased trace); the schedule stays. */
  discard(unwanted: (item: T) => boolean): void {
    if (this.items.length > 0) this.items = this.items.filter((item) => !unwanted(item));
  }

  /** Drops what is pending and releases the timer. */
  dispose(): void {
    this.cancel();
    this.items = [];
  }

  private readonly run = (): void => {
    this.pending = { name: 'idle' };
    this.lastFlushAt = this.now();
    const batch = this.items;
    this.items = [];
    if (batch.length > 0) this.flush(batch);
  };

  private cancel(): void {
    switch (this.pending.name) {
      case 'idle':
      case 'microtask':
        break;
      case 'immediate':
        clearImmediate(this.pending.handle);
        break;
      case 'timer':
        clearTimeout(this.pending.handle);
        break;
    }
    this.pending = { name: 'idle' };
  }
}
