/**
 * The oplog keeps what the engine's retention says, commit after commit: entries beyond `maxEntries` or older than
 * `maxAgeMs` are trimmed by a later commit (the engine remembers its oldest record between commits, so these check
 * that the count and the clock still trim it).
 */
import { Engine, type WriteUnit } from '../../src/embedded-mongo/engine';

async function insertOne(engine: Engine, id: number): Promise<void> {
  await engine.write((unit: WriteUnit) => unit.apply({ kind: 'insert', db: 'd', coll: 'c', doc: { _id: id } }));
}

describe('oplog retention', () => {
  let engine: Engine;
  afterEach(async () => {
    jest.useRealTimers();
    await engine.close();
  });

  test('keeps the newest maxEntries entries, commit after commit', async () => {
    engine = Engine.open();
    engine.retention = { maxEntries: 5, maxAgeMs: 60 * 60 * 1000 };
    for (let i = 1; i <= 20; i++) {
      await insertOne(engine, i);
      const n = Math.min(5, i);
      expect(engine.oplogAfter(0, 100).map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, k) => i - n + 1 + k));
      expect(engine.oplogFloor.seq).toBe(Math.max(0, i - 5));
    }
  });

  test('trims entries that grew older than maxAgeMs since the last commit that read them', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'setTimeout', 'setInterval', 'nextTick', 'queueMicrotask', 'performance'] });
    const start = new Date('2026-11-30T12:00:00Z').getTime();
    jest.setSystemTime(start);
    engine = Engine.open();
    engine.retention = { maxEntries: 1_000_000, maxAgeMs: 60_000 };
    for (let i = 1; i <= 3; i++) await insertOne(engine, i);
    expect(engine.oplogAfter(0, 100).map((e) => e.seq)).toEqual([1, 2, 3]);
    // Within the age: nothing is trimmed.
    jest.setSystemTime(start + 30_000);
    await insertOne(engine, 4);
    expect(engine.oplogAfter(0, 100).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    // Past the age of the first three: the next commit trims them, though the commits before trimmed nothing.
    jest.setSystemTime(start + 61_000);
    await insertOne(engine, 5);
    expect(engine.oplogAfter(0, 100).map((e) => e.seq)).toEqual([4, 5]);
    expect(engine.oplogFloor.seq).toBe(3);
  });
});
