import { LiveHub, LiveSpanFilter, LocalSource, SlowConsumerSignal, type LiveBatch, type LiveHubOptions, type LiveSpan, type LiveStream } from '../../../src/live';
import { createLogger } from '../../../src/log';
import { span, turns } from './spans';

/** A feed like IngestService.onStored: the test calls `emit` as the store would after acknowledging. */
function feed() {
  const listeners = new Set<(spans: readonly LiveSpan[]) => void>();
  return {
    subscribe: (l: (spans: readonly LiveSpan[]) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    emit: (spans: LiveSpan[]) => listeners.forEach((l) => l(spans)),
    get listeners() {
      return listeners.size;
    },
  };
}

async function startedHub(options: { queueLimit?: number; coalesceMs?: number } = {}) {
  const f = feed();
  const hub = new LiveHub<LiveSpan>({ coalesceMs: 0, ...options });
  await hub.start(async (sink) => {
    const source = new LocalSource<LiveSpan>(f.subscribe);
    await source.open(sink);
    return source;
  });
  return { hub, feed: f };
}

async function take(stream: LiveStream<LiveSpan>): Promise<LiveBatch<LiveSpan>> {
  const r = await stream.next();
  if (r.done || r.value instanceof SlowConsumerSignal) throw new Error(`expected a batch, received ${JSON.stringify(r)}`);
  return r.value;
}

const ids = (b: LiveBatch<LiveSpan>) => b.spans.map((s) => s.spanId);

describe('LiveHub', () => {
  it('delivers a trace\'s spans only to that trace\'s subscribers, in store order', async () => {
    const { hub, feed } = await startedHub();
    const t1 = hub.subscribeTrace('t1');
    const t2 = hub.subscribeTrace('t2');
    feed.emit([span({ traceId: 't1', spanId: 'a' }), span({ traceId: 't2', spanId: 'x' }), span({ traceId: 't1', spanId: 'b' })]);
    feed.emit([span({ traceId: 't1', spanId: 'c' })]);
    expect(ids(await take(t1))).toEqual(['a', 'b', 'c']);
    expect(ids(await take(t2))).toEqual(['x']);
    await hub.stop();
  });

  it('filters spansReceived per subscriber filter and shares one batch object among equal filters', async () => {
    const { hub, feed } = await startedHub();
    const pay1 = hub.subscribeSpans(new LiveSpanFilter({ service: 'payment' }));
    const pay2 = hub.subscribeSpans(new LiveSpanFilter({ service: 'payment', status: null }));
    const slow = hub.subscribeSpans(new LiveSpanFilter({ minDurationUs: 5000 }));
    expect(hub.stats().filterTopics).toBe(2);
    feed.emit([span({ service: 'payment', spanId: 'p', durationUs: 10 }), span({ service: 'shipping', spanId: 's', durationUs: 9000 })]);
    const b1 = await take(pay1);
    const b2 = await take(pay2);
    expect(ids(b1)).toEqual(['p']);
    expect(b2).toBe(b1);
    expect(ids(await take(slow))).toEqual(['s']);
    await hub.stop();
  });

  it('coalesces a burst into few batches', async () => {
    const { hub, feed } = await startedHub({ coalesceMs: 50 });
    const all = hub.subscribeSpans(new LiveSpanFilter(null));
    for (let i = 0; i < 1000; i += 1) feed.emit([span({ spanId: `b${i}` })]);
    const got: string[] = [];
    let batches = 0;
    while (got.length < 1000) {
      got.push(...ids(await take(all)));
      batches += 1;
    }
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => `b${i}`));
    expect(batches).toBe(1);
    await hub.stop();
  });

  it('cuts off only the slow subscriber with SlowConsumerSignal and frees its queue', async () => {
    const { hub, feed } = await startedHub({ queueLimit: 10 });
    const slow = hub.subscribeSpans(new LiveSpanFilter(null));
    const fast = hub.subscribeSpans(new LiveSpanFilter(null));
    const fastGot: string[] = [];
    const draining = (async () => {
      while (fastGot.length < 30) fastGot.push(...ids(await take(fast)));
    })();
    for (let i = 0; i < 30; i += 1) {
      feed.emit([span({ spanId: `q${i}` })]);
      await turns(1);
    }
    await draining;
    expect(fastGot).toHaveLength(30);
    expect(hub.stats().subscriptions).toBe(1);
    // The slow one never pulled: its queue was dropped at the overflow; it gets the signal, then the end.
    const r = await slow.next();
    expect(r.value).toBeInstanceOf(SlowConsumerSignal);
    expect(await slow.next()).toEqual({ value: undefined, done: true });
    await hub.stop();
  });

  it('returns every count to baseline after 1,000 subscribe/return cycles with traffic', async () => {
    const { hub, feed } = await startedHub({ coalesceMs: 5 });
    const baseline = hub.stats();
    for (let i = 0; i < 1000; i += 1) {
      const s = i % 2 === 0 ? hub.subscribeTrace(`t${i % 7}`) : hub.subscribeSpans(new LiveSpanFilter({ service: `svc${i % 5}` }));
      feed.emit([span({ traceId: `t${i % 7}`, service: `svc${i % 5}` })]);
      await s.return();
    }
    await turns(2);
    expect(hub.stats()).toEqual(baseline);
    expect(baseline).toMatchObject({ subscriptions: 0, traceTopics: 0, filterTopics: 0, scheduledFlushes: 0, queuedSpans: 0 });
    await hub.stop();
  });

  it('stop() ends every subscription and closes the source', async () => {
    const { hub, feed } = await startedHub();
    const s = hub.subscribeTrace('t1');
    const pending = s.next();
    expect(feed.listeners).toBe(1);
    await hub.stop();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(feed.listeners).toBe(0);
    const late = hub.subscribeTrace('t1');
    expect(await late.next()).toEqual({ value: undefined, done: true });
  });

  it('reports the source kind', async () => {
    const { hub } = await startedHub();
    expect(hub.stats()).toMatchObject({ phase: 'running', source: 'local' });
    await hub.stop();
  });
});

describe('LiveHub source on demand', () => {
  /** A source whose opening the test completes by hand, as a change stream's first round trip would. */
  function gatedOpener() {
    const opened: { sink: (spans: readonly LiveSpan[]) => void; closed: boolean }[] = [];
    let gate: Promise<void> = Promise.resolve();
    let release: () => void = () => undefined;
    let refusals = 0;
    const open = async (sink: (spans: readonly LiveSpan[]) => void) => {
      await gate;
      if (refusals > 0) {
        refusals -= 1;
        throw new Error('store unreachable');
      }
      const entry = { sink, closed: false };
      opened.push(entry);
      return { kind: 'changestream' as const, open: async () => undefined, close: async () => void (entry.closed = true) };
    };
    return {
      open,
      opened,
      hold: () => (gate = new Promise<void>((r) => (release = r))),
      release: () => release(),
      refuse: (n: number) => void (refusals = n),
    };
  }

  /** A hub started on a gated source, past the start's first open and close (nobody subscribes yet). */
  async function hubOnGate(options: LiveHubOptions = { coalesceMs: 0 }) {
    const src = gatedOpener();
    const hub = new LiveHub<LiveSpan>(options);
    await hub.start(src.open);
    await turns(2);
    return { src, hub };
  }

  it('opens the source only while someone subscribes', async () => {
    const { src, hub } = await hubOnGate();
    // Opened once at start (it decides the kind), then closed: nobody subscribes.
    expect(src.opened.map((o) => o.closed)).toEqual([true]);
    expect(hub.stats()).toMatchObject({ source: 'changestream', feed: 'closed', subscriptions: 0, waiting: 0 });

    const a = hub.subscribeTrace('t1');
    const b = hub.subscribeSpans(new LiveSpanFilter(null));
    await hub.whenLive();
    expect(src.opened).toHaveLength(2);
    expect(hub.stats()).toMatchObject({ feed: 'open', subscriptions: 2, waiting: 0 });
    src.opened[1]!.sink([span({ traceId: 't1', spanId: 'x' })]);
    expect(ids(await take(a))).toEqual(['x']);
    expect(ids(await take(b))).toEqual(['x']);

    await a.return();
    await turns(2);
    expect(src.opened[1]!.closed).toBe(false);
    await b.return();
    await turns(2);
    expect(src.opened[1]!.closed).toBe(true);
    expect(hub.stats()).toMatchObject({ feed: 'closed', subscriptions: 0, waiting: 0 });
    await hub.stop();
  });

  it('counts a subscriber as waiting until the source is open, and whenLive() resolves only then', async () => {
    const { src, hub } = await hubOnGate();
    src.hold();
    const s = hub.subscribeTrace('t1');
    let live = false;
    const waiting = hub.whenLive().then(() => (live = true));
    await turns(3);
    expect(live).toBe(false);
    expect(hub.stats()).toMatchObject({ feed: 'opening', subscriptions: 0, waiting: 1 });
    src.release();
    await waiting;
    expect(hub.stats()).toMatchObject({ feed: 'open', subscriptions: 1, waiting: 0 });
    await s.return();
    await hub.stop();
  });

  it('retries a source that fails to open while a subscriber waits', async () => {
    const lines: string[] = [];
    const { src, hub } = await hubOnGate({ coalesceMs: 0, log: createLogger('debug', 'live', (l) => lines.push(l)) });
    src.refuse(2);
    const s = hub.subscribeTrace('t1');
    await hub.whenLive();
    expect(hub.stats()).toMatchObject({ feed: 'open', subscriptions: 1 });
    expect(lines.filter((l) => l.includes('opening the live source for a subscriber failed; retrying'))).toHaveLength(2);
    await s.return();
    await hub.stop();
  });

  it('whenLive() does not wait when the last subscriber leaves before the source opens', async () => {
    const { src, hub } = await hubOnGate();
    src.hold();
    const s = hub.subscribeTrace('t1');
    const waiting = hub.whenLive();
    await s.return();
    await waiting;
    src.release();
    await turns(3);
    expect(src.opened.every((o) => o.closed)).toBe(true);
    expect(hub.stats()).toMatchObject({ feed: 'closed', subscriptions: 0, waiting: 0 });
    await hub.stop();
  });
});

describe('LiveHub windows', () => {
  it('sends trace updates on the next turn even right after a flush; spansReceived waits for its window', async () => {
    const { hub, feed } = await startedHub({ coalesceMs: 10_000 });
    const trace = hub.subscribeTrace('t1');
    const all = hub.subscribeSpans(new LiveSpanFilter(null));
    feed.emit([span({ traceId: 't1', spanId: 'a' })]);
    expect(ids(await take(trace))).toEqual(['a']);
    expect(ids(await take(all))).toEqual(['a']);
    feed.emit([span({ traceId: 't1', spanId: 'b' })]);
    expect(ids(await take(trace))).toEqual(['b']);
    // The filter topic flushed moments ago: 'b' waits for the end of its 10 s window.
    expect(hub.stats().scheduledFlushes).toBe(1);
    await hub.stop();
  });
});
