/**
 * Group commit of the derived writes: the queue itself (one write in flight, the next group collected meanwhile,
 * a failure reaching every item of its group), and the trace and service summaries of several inserts written
 * as one group giving exactly what the inserts' own summary writes give one after the other.
 */
import type { Db } from 'mongodb';
import { DEFAULT_INGEST_LIMITS, validateSpans, type SpanInputShape } from '../../src/domain';
import { Collections, GroupCommit, INDEXES } from '../../src/store';
import { toSpanDoc, type SpanDoc } from '../../src/store/mongo/documents';
import { updateSummaryGroup, type SummaryPart } from '../../src/store/mongo/summaries';
import { startTestStore, type TestStore } from '../helpers/mongo';

/** A promise with its settlers, for a write the test finishes by hand. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Settles once every pending promise callback ran (a macrotask after them). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes items of one tick together, collects what comes while a write is in flight, and never has two writes in flight', async () => {
    const writes: { items: readonly number[]; done: ReturnType<typeof deferred> }[] = [];
    let inFlight = 0;
    let most = 0;
    const group = new GroupCommit<number>((items) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      const done = deferred();
      writes.push({ items: [...items], done });
      return done.promise.finally(() => {
        inFlight -= 1;
      });
    });
    const settled: number[] = [];
    const add = (n: number) => group.add(n).then(() => settled.push(n));
    const first = [add(1), add(2)];
    await settle();
    expect(writes.map((w) => w.items)).toEqual([[1, 2]]);
    const second = [add(3), add(4)];
    await settle();
    const third = add(5);
    await settle();
    // 3, 4 and 5 wait for the write in flight; nothing of theirs is written or settled yet.
    expect(writes).toHaveLength(1);
    expect(settled).toEqual([]);
    writes[0]!.done.resolve();
    await Promise.all(first);
    await settle();
    expect(settled).toEqual([1, 2]);
    expect(writes.map((w) => w.items)).toEqual([[1, 2], [3, 4, 5]]);
    writes[1]!.done.resolve();
    await Promise.all([...second, third]);
    expect(settled).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(1);
    // Idle again: the next item goes out at once, alone.
    const alone = add(6);
    await settle();
    expect(writes.map((w) => w.items)).toEqual([[1, 2], [3, 4, 5], [6]]);
    writes[2]!.done.resolve();
    await alone;
  });

  it('fails every item of a failed write with its error, and writes the next group', async () => {
    const failure = new Error('store refused the group');
    const writes: (readonly string[])[] = [];
    const release = deferred();
    const group = new GroupCommit<string>(async (items) => {
      writes.push([...items]);
      if (items.includes('bad')) {
        await release.promise;
        throw failure;
      }
    });
    const a = group.add('a');
    const bad = group.add('bad');
    await settle();
    const later = group.add('later');
    release.resolve();
    await expect(a).rejects.toBe(failure);
    await expect(bad).rejects.toBe(failure);
    await expect(later).resolves.toBeUndefined();
    expect(writes).toEqual([['a', 'bad'], ['later']]);
  });

  it('fails the items of a write that throws before returning a promise', async () => {
    const failure = new Error('thrown at once');
    let calls = 0;
    const group = new GroupCommit<number>((items) => {
      calls += 1;
      if (items[0] === 1) throw failure;
      return Promise.resolve();
    });
    await expect(Promise.all([group.add(1), group.add(2)])).rejects.toBe(failure);
    await expect(group.add(3)).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});

const TRACE_A = 'a1'.repeat(16);
const TRACE_B = 'b2'.repeat(16);
const TRACE_C = 'c3'.repeat(16);

function docs(inputs: Partial<SpanInputShape>[], receivedAt: Date, expireAt: Date): SpanDoc[] {
  const full = inputs.map((o) => ({ service: 'svc', operation: 'op', startTime: '2026-11-20T10:00:00Z', endTime: '2026-11-20T10:00:01Z', ...o }) as SpanInputShape);
  const { valid, rejected } = validateSpans(full, DEFAULT_INGEST_LIMITS);
  expect(rejected).toEqual([]);
  return valid.map((v) => toSpanDoc(v.record, receivedAt, expireAt));
}

/** A summary or service document with its set-like arrays sorted, so documents made by inserts and by $addToSet compare. */
function normalized(doc: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...doc };
  for (const [field, value] of Object.entries(doc)) {
    if (Array.isArray(value)) out[field] = [...value].map((v) => JSON.stringify(v)).sort();
  }
  return out;
}

async function summaries(db: Db): Promise<{ traces: unknown[]; services: unknown[] }> {
  const traces = await db.collection(Collections.traces).find({}).sort({ _id: 1 }).toArray();
  const services = await db.collection(Collections.services).find({}).sort({ _id: 1 }).toArray();
  return { traces: traces.map(normalized), services: services.map(normalized) };
}

describe('trace and service summaries of a group', () => {
  let test: TestStore;

  beforeAll(async () => {
    test = await startTestStore({ retentionMs: 86_400_000 });
  });
  afterAll(async () => {
    await test.stop();
  });

  it('are those of the group\'s inserts written one after the other (shared traces, re-applied spans, receipt times)', async () => {
    const t = (ms: number) => new Date(Date.UTC(2026, 10, 20, 10, 0, 0) + ms);
    const part = (inserted: SpanDoc[], reapplied: SpanDoc[], receivedMs: number): SummaryPart => ({ inserted, reapplied, receivedAt: t(receivedMs), expireAt: t(receivedMs + 86_400_000) });
    // An insert before the group: trace A already has a summary when the group is written.
    const before = docs([{ traceId: TRACE_A, spanId: '0000000000000001', attributes: [{ key: 'k', value: 1 }] }], t(0), t(86_400_000));
    // Three inserts of one group: A and B are in several of them; a span of B stored by the first is re-applied by
    // the second and the third (both re-sent it); C only has a span re-applied by the second and the third (stored
    // by an insert whose summaries were never written).
    const first = docs(
      [
        { traceId: TRACE_A, spanId: '0000000000000002', service: 'api', status: 'ERROR', startTime: '2026-11-20T09:59:59Z' },
        { traceId: TRACE_B, spanId: '0000000000000001', attributes: [{ key: 'k', value: 'x' }] },
      ],
      t(10),
      t(10 + 86_400_000),
    );
    const second = docs([{ traceId: TRACE_B, spanId: '0000000000000002', service: 'db', operation: 'select', endTime: '2026-11-20T10:00:05Z' }], t(20), t(20 + 86_400_000));
    const third = docs([{ traceId: TRACE_A, spanId: '0000000000000003', operation: 'other', status: 'ERROR' }], t(5), t(5 + 86_400_000));
    const orphan = docs([{ traceId: TRACE_C, spanId: '0000000000000001', service: 'db' }], t(1), t(1 + 86_400_000));
    const parts = [part(first, [], 10), part(second, [first[1]!, orphan[0]!], 20), part(third, [first[1]!, orphan[0]!], 5)];

    const grouped = test.store.client.db(`${test.mongo.dbName}_group`);
    const oneByOne = test.store.client.db(`${test.mongo.dbName}_each`);
    for (const db of [grouped, oneByOne]) {
      for (const [collection, indexes] of Object.entries(INDEXES)) await db.collection(collection).createIndexes(indexes);
      await db.collection<SpanDoc>(Collections.spans).insertMany([...before, ...first, ...second, ...third, ...orphan]);
      await updateSummaryGroup(db, [part(before, [], 0)]);
    }
    await updateSummaryGroup(grouped, parts);
    for (const p of parts) await updateSummaryGroup(oneByOne, [p]);

    const got = await summaries(grouped);
    expect(got).toEqual(await summaries(oneByOne));
    // And what they are: every stored span counted once, the latest receipt of an insert that stored new spans.
    const byId = new Map((got.traces as { _id: string }[]).map((d) => [d._id, d as unknown as Record<string, unknown>]));
    expect(byId.get(TRACE_A)).toMatchObject({ spanCount: 3, errorCount: 2, receivedAt: t(10) });
    expect(byId.get(TRACE_B)).toMatchObject({ spanCount: 2, errorCount: 0, receivedAt: t(20), durationUs: 5_000_000 });
    expect(byId.get(TRACE_C)).toMatchObject({ spanCount: 1, receivedAt: t(20) });
    const services = new Map((got.services as { _id: string }[]).map((d) => [d._id, d as unknown as Record<string, unknown>]));
    // Service counts take inserted spans only: the re-applied span of db (trace C) is not counted again.
    expect(services.get('svc')).toMatchObject({ spanCount: 3 });
    expect(services.get('db')).toMatchObject({ spanCount: 1, expireAt: t(20 + 86_400_000) });
  });
});
