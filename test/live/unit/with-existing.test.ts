import { LiveHub, LocalSource, SlowConsumerSignal, withExisting, type LiveSpan } from '../../../src/live';
import { span } from './spans';

describe('withExisting', () => {
  it('first yields what was stored, then live spans, dropping live spans the read already returned', async () => {
    let emit: (spans: readonly LiveSpan[]) => void = () => undefined;
    const hub = new LiveHub<LiveSpan>({ coalesceMs: 0 });
    await hub.start(async (sink) => {
      const s = new LocalSource<LiveSpan>((l) => ((emit = l), () => undefined));
      await s.open(sink);
      return s;
    });
    const live = hub.subscribeTrace('t1');
    // b is stored while the existing spans are read: it is in the read AND arrives live.
    const it = withExisting(live, async () => {
      emit([span({ spanId: 'b' })]);
      return [span({ spanId: 'a' }), span({ spanId: 'b' })];
    });
    const first = await it.next();
    expect((first.value as { spans: LiveSpan[] }).spans.map((s) => s.spanId)).toEqual(['a', 'b']);
    emit([span({ spanId: 'c' })]);
    const second = await it.next();
    expect((second.value as { spans: LiveSpan[] }).spans.map((s) => s.spanId)).toEqual(['c']);
    await it.return?.();
    expect(hub.stats().subscriptions).toBe(0);
    await hub.stop();
  });

  it('with nothing stored yet, the first message is the first live batch', async () => {
    let emit: (spans: readonly LiveSpan[]) => void = () => undefined;
    const hub = new LiveHub<LiveSpan>({ coalesceMs: 0 });
    await hub.start(async (sink) => {
      const s = new LocalSource<LiveSpan>((l) => ((emit = l), () => undefined));
      await s.open(sink);
      return s;
    });
    const it = withExisting(hub.subscribeTrace('t1'), async () => []);
    const pending = it.next();
    emit([span({ spanId: 'z' })]);
    expect(((await pending).value as { spans: LiveSpan[] }).spans.map((s) => s.spanId)).toEqual(['z']);
    await it.return?.();
    await hub.stop();
  });

  it('reads the stored spans only once the hub\'s source is open', async () => {
    let release: () => void = () => undefined;
    let gate: Promise<void> = Promise.resolve();
    let emit: (spans: readonly LiveSpan[]) => void = () => undefined;
    const hub = new LiveHub<LiveSpan>({ coalesceMs: 0 });
    await hub.start(async (sink) => {
      await gate;
      const s = new LocalSource<LiveSpan>((l) => ((emit = l), () => undefined));
      await s.open(sink);
      return s;
    });
    gate = new Promise<void>((r) => (release = r));
    let reads = 0;
    const it = withExisting(hub.subscribeTrace('t1'), async () => {
      reads += 1;
      return [span({ spanId: 'a' })];
    });
    const first = it.next();
    await new Promise((r) => setImmediate(r));
    expect(reads).toBe(0);
    expect(hub.stats()).toMatchObject({ feed: 'opening', waiting: 1 });
    release();
    expect(((await first).value as { spans: LiveSpan[] }).spans.map((s) => s.spanId)).toEqual(['a']);
    expect(reads).toBe(1);
    emit([span({ spanId: 'b' })]);
    expect((((await it.next()).value) as { spans: LiveSpan[] }).spans.map((s) => s.spanId)).toEqual(['b']);
    await it.return?.();
    await hub.stop();
  });

  it('passes a SlowConsumerSignal through and releases the live stream when the read fails', async () => {
    const hub = new LiveHub<LiveSpan>({ coalesceMs: 0, queueLimit: 1 });
    let emit: (spans: readonly LiveSpan[]) => void = () => undefined;
    await hub.start(async (sink) => {
      const s = new LocalSource<LiveSpan>((l) => ((emit = l), () => undefined));
      await s.open(sink);
      return s;
    });
    const failing = withExisting(hub.subscribeTrace('t1'), async () => {
      throw new Error('store down');
    });
    await expect(failing.next()).rejects.toThrow('store down');
    expect(hub.stats().subscriptions).toBe(0);

    const it = withExisting(hub.subscribeTrace('t1'), async () => {
      emit([span({ spanId: 'a' }), span({ spanId: 'b' })]);
      await new Promise((r) => setImmediate(r));
      return [];
    });
    expect((await it.next()).value).toBeInstanceOf(SlowConsumerSignal);
    expect((await it.next()).done).toBe(true);
    await hub.stop();
  });
});
