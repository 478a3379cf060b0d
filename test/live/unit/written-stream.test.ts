import { GraphQLError, type ExecutionResult } from 'graphql';
import { WrittenStream } from '../../../src/live';

/** A writer whose writes the test completes by hand, like a socket whose write has not reached the kernel yet. */
function gatedWriter() {
  const writes: string[] = [];
  const pending: (() => void)[] = [];
  return {
    writer: { write: (json: string, sent: () => void) => void (writes.push(json), pending.push(sent)) },
    writes,
    /** Completes the oldest write in flight. */
    complete: () => pending.shift()?.(),
    get inFlight() {
      return pending.length;
    },
  };
}

const data = (n: number): ExecutionResult => ({ data: { n } });
const push = (s: WrittenStream, r: ExecutionResult, weight = 1) => s.push(r, weight, () => JSON.stringify(r));

describe('WrittenStream', () => {
  it('writes a result at once when nothing is in flight, queues the rest behind the write in flight, in order', () => {
    const w = gatedWriter();
    const s = new WrittenStream(10, w.writer, () => undefined);
    expect(push(s, data(1))).toBe(true);
    expect(w.writes).toEqual(['{"data":{"n":1}}']);
    push(s, data(2), 3);
    push(s, data(3), 4);
    expect(w.writes).toHaveLength(1);
    expect(s.queuedWeight).toBe(7);
    w.complete();
    expect(w.writes).toEqual(['{"data":{"n":1}}', '{"data":{"n":2}}']);
    w.complete();
    w.complete();
    expect(w.writes).toEqual(['{"data":{"n":1}}', '{"data":{"n":2}}', '{"data":{"n":3}}']);
    expect(s.queuedWeight).toBe(0);
    expect(w.inFlight).toBe(0);
  });

  it('serializes only what it writes: results with errors go to the consumer, in their place among the writes', async () => {
    const w = gatedWriter();
    const s = new WrittenStream(10, w.writer, () => undefined);
    let serialized = 0;
    const failed: ExecutionResult = { errors: [new GraphQLError('boom')] };
    s.push(data(1), 1, () => (serialized += 1, '{"data":{"n":1}}'));
    s.push(failed, 1, () => (serialized += 1, 'never'));
    s.push(data(2), 1, () => (serialized += 1, '{"data":{"n":2}}'));
    expect(serialized).toBe(2);
    const pulled = s.next();
    let got: IteratorResult<ExecutionResult> | null = null;
    void pulled.then((r) => (got = r));
    await Promise.resolve();
    expect(got).toBeNull(); // the error waits for the write before it
    w.complete();
    expect(await pulled).toEqual({ value: failed, done: false });
    expect(w.writes).toHaveLength(1); // the write after it waits until the consumer has sent it (asks again)
    const after = s.next();
    expect(w.writes).toEqual(['{"data":{"n":1}}', '{"data":{"n":2}}']);
    s.end();
    w.complete();
    expect(await after).toEqual({ value: undefined, done: true });
  });

  it('overflow drops the queue, releases at once, and ends with SLOW_CONSUMER once the write in flight left', async () => {
    const w = gatedWriter();
    let released = 0;
    const s = new WrittenStream(5, w.writer, () => (released += 1));
    push(s, data(1));
    push(s, data(2), 3);
    expect(push(s, data(3), 3)).toBe(false);
    expect(released).toBe(1);
    expect(s.queuedWeight).toBe(0);
    expect(push(s, data(4))).toBe(false);
    const last = s.next();
    w.complete();
    const r = await last;
    expect(r.done).toBe(false);
    expect(r.value?.errors?.[0]?.extensions).toMatchObject({ code: 'SLOW_CONSUMER', limit: 5 });
    expect(await s.next()).toEqual({ value: undefined, done: true });
    expect(w.writes).toEqual(['{"data":{"n":1}}']);
    expect(released).toBe(1);
  });

  it('end() sends what is queued, then ends; return() drops it and ends at once', async () => {
    const w = gatedWriter();
    const s = new WrittenStream(10, w.writer, () => undefined);
    push(s, data(1));
    push(s, data(2));
    s.end();
    expect(push(s, data(3))).toBe(false);
    const done = s.next();
    w.complete();
    w.complete();
    expect(await done).toEqual({ value: undefined, done: true });
    expect(w.writes).toHaveLength(2);

    const w2 = gatedWriter();
    let released = 0;
    const s2 = new WrittenStream(10, w2.writer, () => (released += 1));
    push(s2, data(1));
    push(s2, data(2));
    const waiting = s2.next();
    expect(await s2.return()).toEqual({ value: undefined, done: true });
    expect(await waiting).toEqual({ value: undefined, done: true });
    w2.complete();
    expect(w2.writes).toHaveLength(1);
    expect(released).toBe(1);
  });
});
