import type { ExecutionResult } from 'graphql';
import { SlowConsumerSignal } from './bounded-stream';
import { slowConsumerError } from './errors';

/**
 * A transport that writes a subscriber's results itself (src/server/ws.ts: one graphql-ws `next` message on one
 * socket), so that a result shared by many subscribers is serialized once, and each subscriber costs one write.
 */
export interface ResultWriter {
  /**
   * Sends one result, given as the JSON text of the `ExecutionResult`. `sent` is called once the transport can
   * take the next one (the write reached the kernel, or the peer is gone), never from within `write` itself.
   */
  write(json: string, sent: () => void): void;
}

type Phase = 'open' | 'draining' | 'overflowed' | 'done';
/** `writing`: a write awaits its `sent`; `pulled`: a result went to the consumer, which has not asked again yet. */
type Busy = 'idle' | 'writing' | 'pulled';

/**
 * One subscriber of a shared subscription whose transport writes results itself. Results without errors go to
 * the writer as soon as the previous write left (one write in flight, as graphql-ws itself sends); results with
 * errors go, in the same order, through the consumer that pulls this iterator (graphql-ws, which masks them per
 * subscriber). The iterator yields only those, then ends when the stream does.
 *
 * Bounded like BoundedStream: what waits behind the write in flight counts against `limit` (in spans); crossing
 * it drops everything queued at once and ends the stream with the SLOW_CONSUMER error. `release` runs exactly
 * once, as soon as the stream takes no more results.
 */
export class WrittenStream implements AsyncIterableIterator<ExecutionResult> {
  private phase: Phase = 'open';
  private busy: Busy = 'idle';
  private items: { result: ExecutionResult; weight: number; json: string | null }[] = [];
  private head = 0;
  private weight = 0;
  private signal: SlowConsumerSignal | null = null;
  private waiter: ((result: IteratorResult<ExecutionResult>) => void) | null = null;
  private pumping = false;
  private released = false;

  constructor(
    private readonly limit: number,
    private readonly writer: ResultWriter,
    private readonly release: () => void,
  ) {
    if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError(`WrittenStream limit: expected a positive integer, received ${limit}`);
  }

  /** Total weight queued behind the write in flight. */
  get queuedWeight(): number {
    return this.weight;
  }

  /**
   * Hands a result over; `json` serializes it (called at most once per result by the caller's memo, and only
   * for results this stream writes). Returns false when the stream no longer accepts results.
   */
  push(result: ExecutionResult, weight: number, json: () => string): boolean {
    if (this.phase !== 'open') return false;
    if (this.busy === 'idle' && this.head >= this.items.length && result.errors === undefined) {
      this.send(json());
      return true;
    }
    if (this.weight + weight > this.limit) {
      this.signal = new SlowConsumerSignal(this.limit, this.weight + weight);
      this.clear();
      this.phase = 'overflowed';
      this.doRelease();
      this.pump();
      return false;
    }
    this.items.push({ result, weight, json: result.errors === undefined ? json() : null });
    this.weight += weight;
    this.pump();
    return true;
  }

  /** The producer is finished: what is queued is still sent, then the stream ends. */
  end(): void {
    if (this.phase !== 'open') return;
    this.phase = 'draining';
    this.doRelease();
    this.pump();
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.waiter) return Promise.reject(new Error('WrittenStream.next: expected one pending next() at a time, received a second'));
    if (this.busy === 'pulled') this.busy = 'idle';
    const pending = new Promise<IteratorResult<ExecutionResult>>((resolve) => (this.waiter = resolve));
    this.pump();
    return pending;
  }

  /** The consumer is gone (complete, disconnect): drop everything now. */
  return(): Promise<IteratorResult<ExecutionResult>> {
    this.phase = 'done';
    this.clear();
    this.signal = null;
    this.doRelease();
    this.resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  // Private: moves queued results on while nothing is in flight. Re-entry (a `sent` arriving during a write) only
  // marks the stream idle; the running loop continues.
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.busy === 'idle') {
        if (this.head < this.items.length) {
          const item = this.items[this.head]!;
          if (item.json === null && !this.waiter) return;
          this.head += 1;
          this.weight -= item.weight;
          if (this.head >= this.items.length) this.clear();
          else if (this.head > 1024 && this.head * 2 > this.items.length) this.compact();
          if (item.json !== null) this.send(item.json);
          else {
            this.busy = 'pulled';
            this.resolve({ value: item.result, done: false });
          }
        } else if (this.phase === 'overflowed') {
          if (!this.waiter) return;
          const signal = this.signal!;
          this.signal = null;
          this.phase = 'done';
          this.busy = 'pulled';
          this.resolve({ value: { errors: [slowConsumerError(signal)] }, done: false });
        } else if (this.phase === 'draining' || this.phase === 'done') {
          if (!this.waiter) return;
          this.phase = 'done';
          this.resolve({ value: undefined, done: true });
          return;
        } else {
          return;
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private send(json: string): void {
    this.busy = 'writing';
    this.writer.write(json, this.sent);
  }

  private readonly sent = (): void => {
    if (this.busy !== 'writing') return;
    this.busy = 'idle';
    this.pump();
  };

  private resolve(result: IteratorResult<ExecutionResult>): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.(result);
  }

  private clear(): void {
    this.items = [];
    this.head = 0;
    this.weight = 0;
  }

  private compact(): void {
    this.items = this.items.slice(this.head);
    this.head = 0;
  }

  private doRelease(): void {
    if (this.released) return;
    this.released = true;
    this.release();
  }
}
