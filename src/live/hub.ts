import { log as rootLog, type Logger } from '../log';
import { BoundedStream, LiveGapSignal } from './bounded-stream';
import { Coalescer, DEFAULT_COALESCE_MS } from './coalescer';
import type { LiveSource, LiveSourceKind } from './source';
import type { LiveSpanFilter } from './span-filter';
import type { LiveSink, LiveSpan } from './types';

/** Default per-subscription queue bound, in spans (`TRACEGATE_LIVE_QUEUE_LIMIT`). */
export const DEFAULT_QUEUE_LIMIT = 10_000;

/**
 * One coalesced delivery. The same object goes to every subscriber of a topic, so anything computed from it
 * (e.g. the trace as it now stands) can be computed once and shared.
 */
export interface LiveBatch<S extends LiveSpan> {
  readonly spans: readonly S[];
}

/** What a subscriber pulls: batches, or a last SlowConsumerSignal when it fell behind. */
export type LiveStream<S extends LiveSpan> = BoundedStream<LiveBatch<S>>;

/** Opens the hub's source with the hub's sink; decides which source (see `openLiveSource`). */
export type LiveSourceOpener<S extends LiveSpan> = (sink: LiveSink<S>) => Promise<LiveSource<S>>;

export interface LiveHubOptions {
  /** Per-subscription bound, in spans. */
  queueLimit?: number;
  /** Coalescing window of `spansReceived` batches, in ms (trace updates are sent on the next turn). */
  coalesceMs?: number;
  log?: Logger;
}

/** Counts of everything the hub holds; all return to their baseline when subscribers leave. */
export interface LiveHubStats {
  phase: HubPhase['name'];
  source: LiveSourceKind | null;
  subscriptions: number;
  traceTopics: number;
  filterTopics: number;
  scheduledFlushes: number;
  queuedSpans: number;
}

type HubPhase<S extends LiveSpan = LiveSpan> =
  | { name: 'idle' }
  | { name: 'starting' }
  | { name: 'running'; source: LiveSource<S> }
  | { name: 'stopped' };

// Private: subscribers sharing one key share one coalescer and one batch object per flush.
interface Topic<S extends LiveSpan> {
  readonly subscribers: Set<LiveStream<S>>;
  readonly coalescer: Coalescer<S>;
}

interface FilterTopic<S extends LiveSpan> extends Topic<S> {
  readonly filter: LiveSpanFilter;
}

/**
 * Fans one live source out to every subscription of this process. Subscribers are grouped by topic (a trace id,
 * or a span filter's key); each topic filters and coalesces once, and each subscriber has its own bounded queue,
 * so a slow subscriber is cut off alone.
 */
export class LiveHub<S extends LiveSpan> {
  private phase: HubPhase<S> = { name: 'idle' };
  private readonly traceTopics = new Map<string, Topic<S>>();
  private readonly filterTopics = new Map<string, FilterTopic<S>>();
  private readonly queueLimit: number;
  private readonly coalesceMs: number;
  private readonly log: Logger;

  constructor(options: LiveHubOptions = {}) {
    this.queueLimit = options.queueLimit ?? DEFAULT_QUEUE_LIMIT;
    this.coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
    this.log = options.log ?? rootLog.child('live');
    if (!(Number.isInteger(this.queueLimit) && this.queueLimit > 0)) {
      throw new RangeError(`LiveHub queueLimit: expected a positive integer (spans), received ${this.queueLimit}`);
    }
  }

  /** Which source is feeding the hub, once started. */
  get sourceKind(): LiveSourceKind | null {
    return this.phase.name === 'running' ? this.phase.source.kind : null;
  }

  async start(open: LiveSourceOpener<S>): Promise<void> {
    if (this.phase.name !== 'idle') throw new Error(`LiveHub.start: expected an idle hub, but it is ${this.phase.name}`);
    this.phase = { name: 'starting' };
    let source: LiveSource<S>;
    try {
      source = await open(this.dispatch);
    } catch (err) {
      this.phase = { name: 'idle' };
      throw err;
    }
    if ((this.phase as HubPhase<S>).name === 'stopped') {
      await source.close();
      return;
    }
    this.phase = { name: 'running', source };
    this.log.info('live updates started', { source: source.kind });
  }

  /** Closes the source and ends every subscription (their queued batches are dropped). */
  async stop(): Promise<void> {
    const phase = this.phase;
    this.phase = { name: 'stopped' };
    for (const topic of [...this.traceTopics.values(), ...this.filterTopics.values()]) {
      for (const stream of [...topic.subscribers]) void stream.return();
    }
    if (phase.name === 'running') await phase.source.close();
  }

  /**
   * The source lost its place (history gone): spans may have been stored that no subscriber saw. Every
   * subscription ends with a LiveGapSignal (LIVE_GAP), so its client re-subscribes and reads what it missed.
   */
  gap(): number {
    let ended = 0;
    for (const topic of [...this.traceTopics.values(), ...this.filterTopics.values()]) {
      for (const stream of [...topic.subscribers]) {
        stream.interrupt(new LiveGapSignal());
        ended += 1;
      }
    }
    if (ended > 0) this.log.warn('live gap: every subscription ended with LIVE_GAP', { subscriptions: ended });
    return ended;
  }

  /** Batches of spans of one trace, as they are stored. */
  subscribeTrace(traceId: string): LiveStream<S> {
    // "A message each time spans of that trace are stored": no time window, only what arrived in one turn.
    return this.join(this.traceTopics, traceId, 0, () => ({}));
  }

  /** Batches of stored spans matching the filter. */
  subscribeSpans(filter: LiveSpanFilter): LiveStream<S> {
    return this.join(this.filterTopics, filter.key, this.coalesceMs, () => ({ filter }));
  }

  /**
   * Erased traces: their `traceUpdated` subscriptions complete (anything queued for them dropped) and their spans
   * still waiting in a coalescing window are not sent to span-filter subscribers.
   */
  forgetTraces(traceIds: readonly string[]): void {
    const gone = new Set(traceIds);
    for (const traceId of gone) {
      const topic = this.traceTopics.get(traceId);
      if (topic) for (const stream of [...topic.subscribers]) void stream.return();
    }
    for (const topic of this.filterTopics.values()) topic.coalescer.discard((span) => gone.has(span.traceId));
  }

  stats(): LiveHubStats {
    let subscriptions = 0;
    let scheduledFlushes = 0;
    let queuedSpans = 0;
    for (const topic of [...this.traceTopics.values(), ...this.filterTopics.values()]) {
      subscriptions += topic.subscribers.size;
      if (topic.coalescer.scheduled) scheduledFlushes += 1;
      for (const stream of topic.subscribers) queuedSpans += stream.queuedWeight;
    }
    return {
      phase: this.phase.name,
      source: this.sourceKind,
      subscriptions,
      traceTopics: this.traceTopics.size,
      filterTopics: this.filterTopics.size,
      scheduledFlushes,
      queuedSpans,
    };
  }

  // Private: the source's sink. Groups per trace first so a topic's coalescer gets one call per source batch.
  private readonly dispatch: LiveSink<S> = (spans) => {
    if (this.phase.name === 'stopped') return;
    if (this.traceTopics.size > 0) {
      const byTrace = new Map<string, S[]>();
      for (const span of spans) {
        if (!this.traceTopics.has(span.traceId)) continue;
        const list = byTrace.get(span.traceId);
        if (list) list.push(span);
        else byTrace.set(span.traceId, [span]);
      }
      for (const [traceId, list] of byTrace) this.traceTopics.get(traceId)?.coalescer.add(list);
    }
    for (const topic of this.filterTopics.values()) {
      const matching = spans.filter((span) => topic.filter.matches(span));
      if (matching.length > 0) topic.coalescer.add(matching);
    }
  };

  private join<T extends Topic<S>>(topics: Map<string, T>, key: string, windowMs: number, extra: () => Omit<T, keyof Topic<S>>): LiveStream<S> {
    if (this.phase.name === 'stopped') {
      const ended = new BoundedStream<LiveBatch<S>>(this.queueLimit);
      ended.end();
      return ended;
    }
    let topic = topics.get(key);
    if (!topic) {
      const subscribers = new Set<LiveStream<S>>();
      const coalescer = new Coalescer<S>(windowMs, (spans) => {
        const batch: LiveBatch<S> = { spans };
        for (const stream of subscribers) stream.push(batch, spans.length);
      });
      topic = { ...extra(), subscribers, coalescer } as T;
      topics.set(key, topic);
    }
    const owner = topic;
    const stream: LiveStream<S> = new BoundedStream<LiveBatch<S>>(this.queueLimit, () => {
      owner.subscribers.delete(stream);
      if (owner.subscribers.size === 0 && topics.get(key) === owner) {
        owner.coalescer.dispose();
        topics.delete(key);
      }
    });
    owner.subscribers.add(stream);
    return stream;
  }
}
