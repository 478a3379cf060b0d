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

/**
 * What a subscriber pulls: batches, or a last SlowConsumerSignal when it fell behind. `whenLive()` resolves once
 * every span stored from then on reaches it (the hub's source is open).
 */
export class LiveStream<S extends LiveSpan> extends BoundedStream<LiveBatch<S>> {
  constructor(
    limit: number,
    release: () => void,
    private readonly live: () => Promise<void>,
  ) {
    super(limit, release);
  }

  whenLive(): Promise<void> {
    return this.live();
  }
}

/**
 * Opens a source with the hub's sink. The hub calls it at `start` (where it decides which source serves, see
 * `openLiveSource`) and again each time a first subscriber arrives after the source was closed for want of any.
 */
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
  /** The kind of source that serves this hub (decided at start), whether or not it is open now. */
  source: LiveSourceKind | null;
  /** Whether the source is open: it is open only while someone subscribes. */
  feed: FeedState<LiveSpan>['name'];
  /** Subscriptions receiving every span stored from now on (the source is open). */
  subscriptions: number;
  /** Subscriptions waiting for the source to open; they receive spans stored after it opened. */
  waiting: number;
  traceTopics: number;
  filterTopics: number;
  scheduledFlushes: number;
  queuedSpans: number;
}

type HubPhase<S extends LiveSpan = LiveSpan> =
  | { name: 'idle' }
  | { name: 'starting' }
  | { name: 'running'; kind: LiveSourceKind; open: LiveSourceOpener<S> }
  | { name: 'stopped' };

/** The source while the hub runs: open only while someone subscribes. */
type FeedState<S extends LiveSpan> =
  | { name: 'closed' }
  | { name: 'opening' }
  | { name: 'open'; source: LiveSource<S> }
  | { name: 'closing' };

/** First and longest wait before retrying a source that failed to open (e.g. the store unreachable). */
const REOPEN_MIN_MS = 50;
const REOPEN_MAX_MS = 2000;

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
 *
 * The source is open only while someone subscribes: a change stream reads back every stored span, which is
 * wasted work with no one listening. The first subscriber opens it, the last one leaving closes it. A subscriber
 * receives what is stored after the source opened; `whenLive()` says when that is (`includeExisting` reads the
 * stored spans only then, so nothing falls between the read and the live feed).
 */
export class LiveHub<S extends LiveSpan> {
  private phase: HubPhase<S> = { name: 'idle' };
  private feed: FeedState<S> = { name: 'closed' };
  /** True while `settle` runs: it re-checks demand after each step, so one run at a time suffices. */
  private settling = false;
  /** Callers of `whenLive()` waiting for the source to open. */
  private waiters: (() => void)[] = [];
  /** Wakes a `settle` sleeping before a retry (on stop). */
  private wakeRetry: (() => void) | null = null;
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

  /** Which kind of source serves the hub, once started (open or not). */
  get sourceKind(): LiveSourceKind | null {
    return this.phase.name === 'running' ? this.phase.kind : null;
  }

  /** The source while it is open (tests look at its resumes); null while nobody subscribes. */
  get openSource(): LiveSource<S> | null {
    return this.feed.name === 'open' ? this.feed.source : null;
  }

  /**
   * Opens the source once, which decides the kind that serves and proves it can (a failure rejects, e.g. a
   * store refusing `$changeStream`), then closes it again unless someone subscribed meanwhile.
   */
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
    this.phase = { name: 'running', kind: source.kind, open };
    this.feed = { name: 'open', source };
    this.log.info('live updates started', { source: source.kind });
    this.wakeWaiters();
    this.settle();
  }

  /** Closes the source and ends every subscription (their queued batches are dropped). */
  async stop(): Promise<void> {
    this.phase = { name: 'stopped' };
    for (const topic of [...this.traceTopics.values(), ...this.filterTopics.values()]) {
      for (const stream of [...topic.subscribers]) void stream.return();
    }
    this.wakeWaiters();
    this.wakeRetry?.();
    const feed = this.feed;
    if (feed.name === 'open') {
      this.feed = { name: 'closed' };
      await feed.source.close();
    }
  }

  /**
   * Resolves once the source is open, so that every span stored from then on reaches the current subscribers
   * (at once when it is open already). Also resolves when there is nothing to wait for: the hub stopped, or no
   * subscriber is left.
   */
  whenLive(): Promise<void> {
    if (this.phase.name !== 'running' || this.feed.name === 'open' || this.subscriberCount() === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
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
    let subscribers = 0;
    let scheduledFlushes = 0;
    let queuedSpans = 0;
    for (const topic of [...this.traceTopics.values(), ...this.filterTopics.values()]) {
      subscribers += topic.subscribers.size;
      if (topic.coalescer.scheduled) scheduledFlushes += 1;
      for (const stream of topic.subscribers) queuedSpans += stream.queuedWeight;
    }
    return {
      phase: this.phase.name,
      source: this.sourceKind,
      feed: this.feed.name,
      subscriptions: this.feed.name === 'open' ? subscribers : 0,
      waiting: this.feed.name === 'open' ? 0 : subscribers,
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
      const ended = new LiveStream<S>(this.queueLimit, () => undefined, () => Promise.resolve());
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
    const stream: LiveStream<S> = new LiveStream<S>(this.queueLimit, () => {
      owner.subscribers.delete(stream);
      if (owner.subscribers.size === 0 && topics.get(key) === owner) {
        owner.coalescer.dispose();
        topics.delete(key);
      }
      if (this.subscriberCount() === 0) this.wakeWaiters();
      this.settle();
    }, () => this.whenLive());
    owner.subscribers.add(stream);
    this.settle();
    return stream;
  }

  private subscriberCount(): number {
    let n = 0;
    for (const topic of this.traceTopics.values()) n += topic.subscribers.size;
    for (const topic of this.filterTopics.values()) n += topic.subscribers.size;
    return n;
  }

  private wakeWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  // Private: brings the source in line with demand: open while anyone subscribes, closed otherwise. Its first
  // step runs synchronously, so a source whose opening registers at once (the local bus) serves a subscriber
  // from the moment it joined.
  private settle(): void {
    if (this.settling || this.phase.name !== 'running') return;
    this.settling = true;
    this.settleSteps().catch((err: unknown) => this.log.error('opening or closing the live source failed', { err }));
  }

  // Private: `settling` is cleared the moment a step finds nothing to do (a `finally` here runs synchronously
  // with that decision), so a subscriber joining right after is never left to a run that already ended.
  private async settleSteps(): Promise<void> {
    try {
      let retryMs = REOPEN_MIN_MS;
      for (;;) {
        const phase = this.phase;
        if (phase.name !== 'running') return;
        const wanted = this.subscriberCount() > 0;
        const feed = this.feed;
        if (wanted && feed.name === 'closed') {
          this.feed = { name: 'opening' };
          let source: LiveSource<S>;
          try {
            source = await phase.open(this.dispatch);
          } catch (err) {
            this.feed = { name: 'closed' };
            this.log.warn('opening the live source for a subscriber failed; retrying', { err, delayMs: retryMs });
            await this.sleep(retryMs);
            retryMs = Math.min(retryMs * 2, REOPEN_MAX_MS);
            continue;
          }
          if ((this.phase as HubPhase<S>).name !== 'running') {
            await source.close();
            return;
          }
          this.feed = { name: 'open', source };
          retryMs = REOPEN_MIN_MS;
          this.wakeWaiters();
        } else if (!wanted && feed.name === 'open') {
          this.feed = { name: 'closing' };
          try {
            await feed.source.close();
          } finally {
            if (this.feed.name === 'closing') this.feed = { name: 'closed' };
          }
        } else {
          return;
        }
      }
    } finally {
      this.settling = false;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeRetry = null;
        resolve();
      }, ms);
      this.wakeRetry = () => {
        clearTimeout(timer);
        this.wakeRetry = null;
        resolve();
      };
    });
  }
}
