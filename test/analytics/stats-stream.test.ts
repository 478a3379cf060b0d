/**
 * The serviceStats stream's reads after a change of the span feed: a rollup write that lands several intervals
 * after its spans' change event is still sent; reads stop once the searching reads find nothing; a change during
 * the search starts it over. Fake timers drive the waits.
 */
import { emptyAccumulator, StatPointModel } from '../../src/analytics/stat-point';
import { MAX_SEARCH_WAIT_INTERVALS, SEARCH_READS, StatsStream } from '../../src/analytics/stats-stream';

const INTERVAL = 100;

/** A feed the test pushes changes into. */
function pushFeed() {
  const waiting: Array<(r: IteratorResult<unknown>) => void> = [];
  let queued = 0;
  return {
    push(): void {
      const next = waiting.shift();
      if (next) next({ value: 1, done: false });
      else queued++;
    },
    feed: {
      next(): Promise<IteratorResult<unknown>> {
        if (queued > 0) {
          queued--;
          return Promise.resolve({ value: 1, done: false });
        }
        return new Promise((resolve) => waiting.push(resolve));
      },
      async return(): Promise<IteratorResult<unknown>> {
        for (const w of waiting.splice(0)) w({ value: undefined, done: true });
        return { value: undefined, done: true };
      },
    },
  };
}

function setUp() {
  const { push, feed } = pushFeed();
  const state = { calls: 0, reads: [] as number[] };
  const start = Date.now();
  const stream = new StatsStream({
    feed,
    intervalMs: INTERVAL,
    read: async () => {
      state.reads.push(Date.now() - start);
      const acc = emptyAccumulator();
      acc.calls = state.calls;
      return new StatPointModel(0, 60, acc);
    },
  });
  const sent: number[] = [];
  let ended = false;
  void (async () => {
    for await (const point of stream) sent.push(point.calls);
    ended = true;
  })();
  return { push, state, stream, sent, isEnded: () => ended };
}

/** The waits between successive reads, in intervals. */
function gaps(reads: number[]): number[] {
  return reads.slice(1).map((t, i) => Math.round((t - reads[i]!) / INTERVAL));
}

describe('StatsStream', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends a rollup write that lands five intervals after its change event', async () => {
    const s = setUp();
    await jest.advanceTimersByTimeAsync(INTERVAL * 2);
    // The first read answers at once and one more follows an interval later.
    expect(s.sent).toEqual([0]);
    expect(s.state.reads.length).toBe(2);
    s.push();
    await jest.advanceTimersByTimeAsync(INTERVAL * 5);
    s.state.calls = 3;
    await jest.advanceTimersByTimeAsync(INTERVAL * 20);
    expect(s.sent).toEqual([0, 3]);
    await s.stream.return();
  });

  it('after a change that leaves the bucket as it was, reads at doubling waits, then stops', async () => {
    const s = setUp();
    await jest.advanceTimersByTimeAsync(INTERVAL * 2);
    const before = s.state.reads.length;
    s.push();
    await jest.advanceTimersByTimeAsync(INTERVAL * 200);
    const after = s.state.reads.slice(before);
    // The change's read, then SEARCH_READS more.
    expect(after.length).toBe(1 + SEARCH_READS);
    const expected = [1];
    while (expected.length < SEARCH_READS) expected.push(Math.min(expected.at(-1)! * 2, MAX_SEARCH_WAIT_INTERVALS));
    expect(gaps(after)).toEqual(expected);
    expect(s.sent).toEqual([0]);
    await s.stream.return();
  });

  it('once a read finds the bucket changed, reads once more an interval later and stops', async () => {
    const s = setUp();
    await jest.advanceTimersByTimeAsync(INTERVAL * 2);
    const before = s.state.reads.length;
    s.state.calls = 2;
    s.push();
    await jest.advanceTimersByTimeAsync(INTERVAL * 200);
    expect(gaps(s.state.reads.slice(before))).toEqual([1]);
    expect(s.sent).toEqual([0, 2]);
    await s.stream.return();
  });

  it('a change during the search starts it over from one interval', async () => {
    const s = setUp();
    await jest.advanceTimersByTimeAsync(INTERVAL * 2);
    const before = s.state.reads.length;
    s.push();
    // The change's read, then searching reads after 1 and 2 intervals; the third would come 4 intervals later.
    await jest.advanceTimersByTimeAsync(INTERVAL * 4);
    expect(s.state.reads.length - before).toBe(3);
    // The new change's read at once (the last read was an interval ago), the first searching read an interval on.
    s.push();
    await jest.advanceTimersByTimeAsync(INTERVAL * 1);
    expect(gaps(s.state.reads.slice(before + 2))).toEqual([1, 1]);
    // The next after two intervals.
    s.state.calls = 5;
    await jest.advanceTimersByTimeAsync(INTERVAL * 1);
    expect(s.sent).toEqual([0]);
    await jest.advanceTimersByTimeAsync(INTERVAL * 1);
    expect(s.sent).toEqual([0, 5]);
    await s.stream.return();
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(s.isEnded()).toBe(true);
  });
});
