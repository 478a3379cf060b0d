/**
 * Signals that a subscriber fell further behind than its queue allows. It is the last item the subscriber
 * gets; resolvers turn it into a GraphQL error with code SLOW_CONSUMER.
 */
export class SlowConsumerSignal {
  readonly kind = 'slow-consumer' as const;
  constructor(
    /** The queue limit, in spans. */
    readonly limit: number,
    /** What was queued when the limit was crossed, in spans. */
    readonly queued: number,
  ) {}
}

/**
 * Signals that the live source lost its place in the store's history (e.g. it fell behind the change stream's
 * resumable window): spans may have been stored that this stream never saw. It ends the stream the way an
 * overflow does (every consumer that stops on a SlowConsumerSignal stops on it), and resolvers turn it into a
 * GraphQL error with code LIVE_GAP, so the client re-subscribes with includeExisting.
 */
export class LiveGapSignal extends SlowConsumerSignal {
  readonly gap = true as const;
  constructor() {
    super(0, 0);
  }
}

type Phase = 'open' | 'overflowed' | 'draining' | 'done';

/**
 * A pull-based queue between a producer that must never block (the live hub) and one consumer that pulls at its
 * own pace (the GraphQL executor, itself paced by the socket). Bounded by the total weight (spans) it holds:
 * crossing the limit drops everything queued at once, so memory stays bounded, and ends the stream with a
 * SlowConsumerSignal.
 *
 * `release` runs exactly once, as soon as the stream can take no more items (overflow, return, or end drained),
 * so its owner can unregister it.
 */
export class BoundedStream<T> implements AsyncIterableIterator<T | SlowConsumerSignal> {
  private phase: Phase = 'open';
  private items: T[] = [];
  private weights: number[] = [];
  private head = 0;
  private weight = 0;
  private waiter: ((result: IteratorResult<T | SlowConsumerSignal>) => void) | null = null;
  private signal: SlowConsumerSignal | null = null;
  private released = false;

  constructor(
    private readonly limit: number,
    private readonly release: () => void = () => undefined,
  ) {
    if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError(`BoundedStream limit: expected a positive integer, received ${limit}`);
  }

  /** Total weight queued and not yet pulled. */
  get queuedWeight(): number {
    return this.weight;
  }

  /** True while the stream accepts items. */
  get isOpen(): boolean {
    return this.phase === 'open';
  }

  /** Hands an item over; returns false when the stream no longer accepts items (it was dropped). */
  push(item: T, weight: number): boolean {
    if (this.phase !== 'open') return false;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = null;
      resolve({ value: item, done: false });
      return true;
    }
    if (this.weight + weight > this.limit) {
      this.signal = new SlowConsumerSignal(this.limit, this.weight + weight);
      this.items = [];
      this.weights = [];
      this.head = 0;
      this.weight = 0;
      this.phase = 'overflowed';
      this.doRelease();
      return false;
    }
    this.items.push(item);
    this.weights.push(weight);
    this.weight += weight;
    return true;
  }

  /**
   * Ends the stream at once with `signal` as its last item; what is queued is dropped (the consumer is told to
   * start over). Nothing happens to a stream that already ended or overflowed.
   */
  interrupt(signal: SlowConsumerSignal): void {
    if (this.phase !== 'open' && this.phase !== 'draining') return;
    this.items = [];
    this.weights = [];
    this.head = 0;
    this.weight = 0;
    this.doRelease();
    const waiter = this.waiter;
    this.waiter = null;
    if (waiter) {
      this.phase = 'done';
      waiter({ value: signal, done: false });
      return;
    }
    this.signal = signal;
    this.phase = 'overflowed';
  }

  /** The producer is finished: what is queued is still delivered, then the stream ends. */
  end(): void {
    if (this.phase !== 'open') return;
    this.phase = 'draining';
    this.doRelease();
    if (this.waiter && this.head >= this.items.length) this.finish();
  }

  next(): Promise<IteratorResult<T | SlowConsumerSignal>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head] as T;
      this.weight -= this.weights[this.head] as number;
      this.head += 1;
      if (this.head > 1024 && this.head * 2 > this.items.length) this.compact();
      return Promise.resolve({ value, done: false });
    }
    switch (this.phase) {
      case 'open':
        if (this.waiter) return Promise.reject(new Error('BoundedStream.next: expected one pending next() at a time, received a second'));
        return new Promise((resolve) => (this.waiter = resolve));
      case 'overflowed': {
        const signal = this.signal as SlowConsumerSignal;
        this.signal = null;
        this.phase = 'done';
        return Promise.resolve({ value: signal, done: false });
      }
      case 'draining':
      case 'done':
        this.phase = 'done';
        return Promise.resolve({ value: undefined, done: true });
    }
  }

  /** The consumer is gone (complete, disconnect): drop everything now. */
  return(): Promise<IteratorResult<T | SlowConsumerSignal>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T | SlowConsumerSignal>> {
    this.finish();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  // Private: ends the stream and wakes a pending consumer.
  private finish(): void {
    this.phase = 'done';
    this.items = [];
    this.weights = [];
    this.head = 0;
    this.weight = 0;
    this.signal = null;
    this.doRelease();
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.({ value: undefined, done: true });
  }

  private doRelease(): void {
    if (this.released) return;
    this.released = true;
    this.release();
  }

  private compact(): void {
    this.items = this.items.slice(this.head);
    this.weights = this.weights.slice(this.head);
    this.head = 0;
  }
}
