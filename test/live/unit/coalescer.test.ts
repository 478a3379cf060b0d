import { Coalescer } from '../../../src/live/coalescer';
import { turns } from './spans';

describe('Coalescer', () => {
  it('flushes the first items after a quiet period on the next turn, gathering same-turn items', async () => {
    const batches: number[][] = [];
    const c = new Coalescer<number>(50, (items) => batches.push(items));
    c.add([1]);
    c.add([2, 3]);
    expect(batches).toEqual([]);
    expect(c.scheduled).toBe(true);
    await turns(1);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(c.scheduled).toBe(false);
  });

  it('within the window after a flush, waits for the window end (clock injected)', async () => {
    jest.useFakeTimers();
    try {
      let now = 1000;
      const batches: number[][] = [];
      const c = new Coalescer<number>(50, (items) => batches.push(items), () => now);
      c.add([1]);
      jest.advanceTimersToNextTimer(); // the immediate
      expect(batches).toEqual([[1]]);
      now = 1010;
      c.add([2]);
      c.add([3]);
      now = 1059;
      jest.advanceTimersByTime(39);
      expect(batches).toEqual([[1]]);
      now = 1060;
      jest.advanceTimersByTime(1);
      expect(batches).toEqual([[1], [2, 3]]);
      c.dispose();
    } finally {
      jest.useRealTimers();
    }
  });

  it('dispose() drops pending items and releases the timer', async () => {
    const batches: number[][] = [];
    const c = new Coalescer<number>(50, (items) => batches.push(items));
    c.add([1]);
    c.dispose();
    expect(c.scheduled).toBe(false);
    await turns(2);
    expect(batches).toEqual([]);
  });

  it('with a window of 0, flushes what one synchronous run added as soon as that run ends, before the next turn', async () => {
    const batches: number[][] = [];
    const c = new Coalescer<number>(0, (items) => batches.push(items));
    let turned = false;
    setImmediate(() => (turned = true));
    c.add([1]);
    c.add([2]);
    expect(batches).toEqual([]);
    await Promise.resolve();
    expect(batches).toEqual([[1, 2]]);
    expect(turned).toBe(false);
    c.add([3]);
    c.dispose();
    await turns(1);
    expect(batches).toEqual([[1, 2]]);
    expect(c.scheduled).toBe(false);
  });

  it('ignores empty adds and rejects a bad window', () => {
    const c = new Coalescer<number>(0, () => undefined);
    c.add([]);
    expect(c.scheduled).toBe(false);
    expect(() => new Coalescer(-1, () => undefined)).toThrow('expected a number of ms >= 0, received -1');
  });
});
