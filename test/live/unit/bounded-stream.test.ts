import { BoundedStream, SlowConsumerSignal } from '../../../src/live/bounded-stream';

describe('BoundedStream', () => {
  it('delivers pushed items in order, then waits for more', async () => {
    const stream = new BoundedStream<string>(10);
    stream.push('a', 1);
    stream.push('b', 2);
    expect(stream.queuedWeight).toBe(3);
    expect(await stream.next()).toEqual({ value: 'a', done: false });
    expect(await stream.next()).toEqual({ value: 'b', done: false });
    expect(stream.queuedWeight).toBe(0);
    const pending = stream.next();
    stream.push('c', 1);
    expect(await pending).toEqual({ value: 'c', done: false });
  });

  it('on overflow drops the queue at once, yields one SlowConsumerSignal, ends and releases', async () => {
    const release = jest.fn();
    const stream = new BoundedStream<string>(5, release);
    expect(stream.push('a', 3)).toBe(true);
    expect(stream.push('b', 2)).toBe(true);
    expect(stream.push('c', 1)).toBe(false);
    expect(release).toHaveBeenCalledTimes(1);
    expect(stream.queuedWeight).toBe(0);
    expect(stream.push('d', 1)).toBe(false);
    const first = await stream.next();
    expect(first.value).toBeInstanceOf(SlowConsumerSignal);
    expect(first.value).toMatchObject({ limit: 5, queued: 6 });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('an item handed straight to a waiting consumer does not count against the limit', async () => {
    const stream = new BoundedStream<string>(1);
    const pending = stream.next();
    expect(stream.push('big', 100)).toBe(true);
    expect((await pending).value).toBe('big');
  });

  it('return() releases once, drops the queue and ends a pending next()', async () => {
    const release = jest.fn();
    const stream = new BoundedStream<string>(10, release);
    const pending = stream.next();
    await stream.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(stream.push('x', 1)).toBe(false);
    await stream.return();
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('end() still delivers what is queued, then ends', async () => {
    const stream = new BoundedStream<string>(10);
    stream.push('a', 1);
    stream.end();
    expect(await stream.next()).toEqual({ value: 'a', done: false });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('end() wakes a waiting consumer', async () => {
    const stream = new BoundedStream<string>(10);
    const pending = stream.next();
    stream.end();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('keeps order across many items (compaction)', async () => {
    const stream = new BoundedStream<number>(100_000);
    for (let i = 0; i < 5000; i += 1) stream.push(i, 1);
    const got: number[] = [];
    for (let i = 0; i < 3000; i += 1) got.push((await stream.next()).value as number);
    for (let i = 5000; i < 6000; i += 1) stream.push(i, 1);
    for (let i = 0; i < 3000; i += 1) got.push((await stream.next()).value as number);
    expect(got).toEqual(Array.from({ length: 6000 }, (_, i) => i));
    expect(stream.queuedWeight).toBe(0);
  });

  it('rejects a limit that is not a positive integer, naming what it received', () => {
    expect(() => new BoundedStream(0)).toThrow('expected a positive integer, received 0');
  });
});
