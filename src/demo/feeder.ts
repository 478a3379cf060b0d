/**
 * Continuous demo traffic: generates call chains at a steady rate (traces per second, stamped with the current
 * time), queues their spans, and sends them in batches through a SpanSubmitter with a bounded number of requests
 * in flight. When the gateway falls behind, the queue is bounded: overflowing spans are dropped and counted,
 * never silently lost.
 */
import type { SpanInput } from '../generated/graphql';
import type { SpanSubmitter, SubmitOutcome } from './client';
import { TrafficGenerator } from './generator';

export interface FeedOptions {
  /** Traces started per second. */
  rate: number;
  /** Most spans per submitSpans request. */
  batch: number;
  seed: number | string;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** A partial batch is sent after this long. Default 250 ms. */
  flushMs?: number;
  /** Spans held back while the gateway is behind before new ones are dropped. Default 50 batches. */
  maxQueuedSpans?: number;
  /** Called when a batch finally fails (after its retries). */
  onBatchFailed?(outcome: Extract<SubmitOutcome, { kind: 'failed' }>, spans: number): void;
}

export interface FeedStats {
  elapsedMs: number;
  traces: number;
  spansGenerated: number;
  spansSent: number;
  accepted: number;
  duplicates: number;
  /** Spans the gateway rejected (validation). */
  rejected: number;
  /** Spans of batches that failed after every retry. */
  failed: number;
  /** Spans dropped because the queue was full. */
  dropped: number;
  retries: number;
  requests: number;
  inFlight: number;
  queued: number;
}

const TICK_MS = 50;

type Phase = 'idle' | 'running' | 'draining' | 'stopped';

export class TrafficFeeder {
  private readonly gen: TrafficGenerator;
  private readonly concurrency: number;
  private readonly flushMs: number;
  private readonly maxQueued: number;
  private phase: Phase = 'idle';
  private queue: SpanInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private lastSendAt = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly counts: Omit<FeedStats, 'elapsedMs' | 'inFlight' | 'queued'> = {
    traces: 0, spansGenerated: 0, spansSent: 0, accepted: 0, duplicates: 0, rejected: 0, failed: 0, dropped: 0, retries: 0, requests: 0,
  };

  constructor(private readonly submitter: SpanSubmitter, private readonly options: FeedOptions) {
    if (!(options.rate > 0)) throw new RangeError(`rate must be > 0 traces/s, but got: ${options.rate}`);
    if (!(Number.isInteger(options.batch) && options.batch >= 1)) throw new RangeError(`batch must be an integer >= 1, but got: ${options.batch}`);
    this.gen = new TrafficGenerator({ seed: options.seed });
    this.concurrency = options.concurrency ?? 4;
    this.flushMs = options.flushMs ?? 250;
    this.maxQueued = options.maxQueuedSpans ?? options.batch * 50;
  }

  /** Counts one retry; wire it to the submitter's `onRetry`. */
  countRetry(): void {
    this.counts.retries++;
  }

  start(): void {
    if (this.phase !== 'idle') throw new Error(`TrafficFeeder.start: expected phase idle, but it is ${this.phase}`);
    this.phase = 'running';
    this.startedAt = Date.now();
    this.lastSendAt = this.startedAt;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Stops generating, sends what is queued, and waits for every request to finish. */
  async stop(): Promise<FeedStats> {
    if (this.phase === 'running') {
      this.phase = 'draining';
      clearInterval(this.timer);
      while (this.queue.length > 0 || this.inFlight.size > 0) {
        this.dispatch(true);
        if (this.inFlight.size > 0) await Promise.race(this.inFlight);
      }
      this.phase = 'stopped';
    }
    return this.stats();
  }

  stats(): FeedStats {
    return { ...this.counts, elapsedMs: Date.now() - this.startedAt, inFlight: this.inFlight.size, queued: this.queue.length };
  }

  private tick(): void {
    const now = Date.now();
    const due = Math.floor(((now - this.startedAt) / 1000) * this.options.rate) - this.counts.traces;
    for (let i = 0; i < due; i++) {
      const t = this.gen.nextTrace(now);
      this.counts.traces++;
      this.counts.spansGenerated += t.spans.length;
      const room = this.maxQueued - this.queue.length;
      if (room < t.spans.length) {
        this.counts.dropped += t.spans.length;
        continue;
      }
      this.queue.push(...t.spans);
    }
    this.dispatch(now - this.lastSendAt >= this.flushMs);
  }

  private dispatch(flushPartial: boolean): void {
    while (this.inFlight.size < this.concurrency && (this.queue.length >= this.options.batch || (flushPartial && this.queue.length > 0))) {
      const spans = this.queue.splice(0, this.options.batch);
      this.lastSendAt = Date.now();
      this.counts.requests++;
      this.counts.spansSent += spans.length;
      const p = this.submitter.submit(spans).then((outcome) => this.settle(outcome, spans.length));
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    }
  }

  private settle(outcome: SubmitOutcome, spans: number): void {
    switch (outcome.kind) {
      case 'stored':
        this.counts.accepted += outcome.accepted;
        this.counts.duplicates += outcome.duplicates;
        this.counts.rejected += outcome.rejected.length;
        return;
      case 'failed':
        this.counts.failed += spans;
        this.options.onBatchFailed?.(outcome, spans);
        return;
    }
  }
}
