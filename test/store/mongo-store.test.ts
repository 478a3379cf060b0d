/**
 * The TraceStore contract on MongoTraceStore, through the official driver against the test store
 * (embedded, or a real MongoDB when MONGODB_URI is set).
 */
import type { CommandStartedEvent } from 'mongodb';
import { DEFAULT_INGEST_LIMITS, validateSpans, type SpanInputShape, type SpanRecord } from '../../src/domain';
import { Collections, INDEXES, MongoTraceStore } from '../../src/store';
import { toSpanDoc } from '../../src/store/mongo/documents';
import { findAll } from '../../src/store/mongo/query';
import { startTestStore, type TestMongo, type TestStore } from '../helpers/mongo';
import { eventually } from '../helpers/eventually';

const DAY_MS = 86_400_000;
const TRACE = 'ab'.repeat(16);

function records(inputs: Partial<SpanInputShape>[]): SpanRecord[] {
  const full = inputs.map((o, i) => ({
    traceId: TRACE,
    spanId: (i + 1).toString(16).padStart(16, '0'),
    service: 'svc',
    operation: 'op',
    startTime: '2026-11-20T10:00:00Z',
    endTime: '2026-11-20T10:00:01Z',
    ...o,
  }));
  const { valid, rejected } = validateSpans(full, DEFAULT_INGEST_LIMITS);
  expect(rejected).toEqual([]);
  return valid.map((v) => v.record);
}

describe('MongoTraceStore', () => {
  let test: TestStore;
  let mongo: TestMongo;
  let store: MongoTraceStore;
  const now = Date.UTC(2026, 10, 26, 0, 0, 0);

  beforeAll(async () => {
    test = await startTestStore({ retentionMs: 7 * DAY_MS, now: () => now });
    ({ mongo, store } = test);
  });
  afterAll(async () => {
    await test.stop();
  });

  it('creates its indexes idempotently (a second store on the same database changes nothing)', async () => {
    await store.ping();
    const second = new MongoTraceStore({ uri: mongo.uri, dbName: mongo.dbName, retentionMs: DAY_MS });
    await second.ping();
    await second.close();
    for (const [collection, specs] of Object.entries(INDEXES)) {
      const names = (await store.db.collection(collection).listIndexes().toArray()).map((i) => i.name as string);
      expect(names.sort()).toEqual(['_id_', ...specs.map((s) => s.name!)].sort());
    }
    const ttl = (await store.db.collection(Collections.spans).listIndexes().toArray()).find((i) => i.name === 'retention_ttl');
    expect(ttl).toMatchObject({ key: { expireAt: 1 }, expireAfterSeconds: 0 });
    const unique = (await store.db.collection(Collections.spans).listIndexes().toArray()).find((i) => i.name === 'trace_span_unique');
    expect(unique).toMatchObject({ key: { traceId: 1, spanId: 1 }, unique: true });
  });

  it('expires on the server receive time, never on client timestamps', async () => {
    const [old, recent] = records([
      { spanId: 'a1a1a1a1a1a1a1a1', startTime: '1970-01-01T00:00:01Z', endTime: '1970-01-01T00:00:02Z' },
      { spanId: 'a2a2a2a2a2a2a2a2' },
    ]);
    const outcome = await store.insertSpans([old!, recent!]);
    expect(outcome.inserted).toHaveLength(2);
    const docs = await store.db.collection(Collections.spans).find({ traceId: TRACE, spanId: { $in: ['a1a1a1a1a1a1a1a1', 'a2a2a2a2a2a2a2a2'] } }).toArray();
    for (const doc of docs) {
      expect(doc.receivedAt).toEqual(new Date(now));
      expect(doc.expireAt).toEqual(new Date(now + 7 * DAY_MS));
    }
    const trace = await store.db.collection(Collections.traces).findOne({ _id: TRACE as never });
    expect(trace?.expireAt).toEqual(new Date(now + 7 * DAY_MS));
  });

  it('counts duplicates (also within one batch), keeps the first copy, and updates summaries only for new spans', async () => {
    const traceId = 'cd'.repeat(16);
    const [a, b] = records([{ traceId, operation: 'first' }, { traceId, status: 'ERROR' }]);
    const first = await store.insertSpans([a!, a!]);
    expect(first.inserted.map((s) => s.spanId)).toEqual([a!.spanId]);
    expect(first.duplicates).toBe(1);
    const second = await store.insertSpans([{ ...a!, operation: 'second' }, b!]);
    expect(second).toEqual({ inserted: [b], duplicates: 1, failed: [] });
    const summary = (await store.tracesByIds([traceId])).get(traceId);
    expect(summary).toMatchObject({ spanCount: 2, errorCount: 1, services: ['svc'] });
    const spans = (await store.spansByTraceIds([traceId])).get(traceId)!;
    expect(spans.map((s) => s.operation)).toEqual(['first', 'op']);
  });

  it('repairs a trace summary on re-submit when an earlier submit stored spans but not their summary', async () => {
    const traceId = '78'.repeat(16);
    const [a, b, c] = records([{ traceId, startTime: '2026-11-20T10:00:00Z' }, { traceId, status: 'ERROR', endTime: '2026-11-20T10:00:05Z' }, { traceId }]);
    // As if the store had failed right after the span insert: spans there, no summary.
    const received = new Date(now);
    await store.db.collection(Collections.spans).insertMany([a!, b!].map((s) => toSpanDoc(s, received, new Date(now + DAY_MS))) as never[]);
    expect(await store.tracesByIds([traceId])).toEqual(new Map());

    const retry = await store.insertSpans([a!, b!, c!]);
    expect(retry.inserted.map((s) => s.spanId)).toEqual([c!.spanId]);
    expect(retry.duplicates).toBe(2);
    expect((await store.tracesByIds([traceId])).get(traceId)).toEqual({
      traceId, startUs: a!.startUs, endUs: b!.endUs, durationUs: b!.endUs - a!.startUs, spanCount: 3, errorCount: 1, services: ['svc'],
      id: traceId, startTime: a!.startUs, endTime: b!.endUs, status: 'ERROR',
    });
    // re-applying is idempotent: another re-submit changes nothing
    await store.insertSpans([a!, b!, c!]);
    expect((await store.tracesByIds([traceId])).get(traceId)).toMatchObject({ spanCount: 3, errorCount: 1 });
  });

  it('ends with exact counts and duration when two stores write batches of one trace concurrently, re-sends included', async () => {
    const traceId = '9a'.repeat(16);
    const second = new MongoTraceStore({ uri: mongo.uri, dbName: mongo.dbName, retentionMs: 7 * DAY_MS, now: () => now });
    try {
      // 40 spans: starts move earlier and ends later as n grows, so most batches move the trace's start or end.
      const spans = records(
        Array.from({ length: 40 }, (_, n) => ({
          traceId,
          spanId: (n + 1).toString(16).padStart(16, '0'),
          startTime: `2026-11-20T10:00:00.${String(500_000 - n * 1000).padStart(6, '0')}Z`,
          endTime: `2026-11-20T10:00:00.${String(600_000 + n * 1000).padStart(6, '0')}Z`,
          status: n % 3 === 0 ? ('ERROR' as const) : ('OK' as const),
        })),
      );
      // Batches of 1 to 4 spans, every other one from the other store, each span of a batch re-sent by the next one.
      const batches: SpanRecord[][] = [];
      for (let i = 0; i < spans.length; i += 3) batches.push(spans.slice(Math.max(0, i - 1), i + 3));
      const outcomes = await Promise.all(batches.map((batch, i) => (i % 2 ? second : store).insertSpans(batch)));
      expect(outcomes.reduce((n, o) => n + o.inserted.length, 0)).toBe(40);
      const expected = { traceId, startUs: spans[39]!.startUs, endUs: spans[39]!.endUs, durationUs: spans[39]!.endUs - spans[39]!.startUs, spanCount: 40, errorCount: 14 };
      expect((await store.tracesByIds([traceId])).get(traceId)).toMatchObject(expected);
      const stored = await store.db.collection(Collections.traces).findOne({ _id: traceId as never });
      expect(stored).toMatchObject({ durationUs: expected.durationUs, spanCount: 40, errorCount: 14 });
      // Re-sending everything (as after a lost acknowledgement) changes nothing.
      await Promise.all(batches.map((batch, i) => (i % 2 ? store : second).insertSpans(batch)));
      expect(await store.db.collection(Collections.traces).findOne({ _id: traceId as never })).toEqual(stored);
    } finally {
      await second.close();
    }
  });

  it('extends an existing trace summary as $addToSet would: new services, operations and attributes appended in order, `$` values kept as data', async () => {
    const traceId = 'e1'.repeat(16);
    const [a, b, c] = records([
      { traceId, service: 'web', operation: 'GET /', attributes: [{ key: 'k', value: 'v' }] },
      { traceId, spanId: '0000000000000002', service: '$svc', operation: '$op', startTime: '2026-11-20T09:59:59Z', attributes: [{ key: '$where', value: '$x' }, { key: 'k', value: 'v' }] },
      { traceId, spanId: '0000000000000003', service: 'web', operation: 'GET /', endTime: '2026-11-20T10:00:03Z', status: 'ERROR', attributes: [{ key: 'n', value: 1 }] },
    ]);
    await store.insertSpans([a!]);
    const first = await store.db.collection(Collections.traces).findOne({ _id: traceId as never });
    await store.insertSpans([b!, c!]);
    const doc = await store.db.collection(Collections.traces).findOne({ _id: traceId as never });
    expect(doc).toEqual({
      _id: traceId,
      startUs: b!.startUs,
      endUs: c!.endUs,
      durationUs: c!.endUs - b!.startUs,
      spanCount: 3,
      errorCount: 1,
      services: ['web', '$svc'],
      svcOps: [{ s: 'web', o: 'GET /' }, { s: '$svc', o: '$op' }],
      attrs: [...first!.attrs, ...doc!.attrs.slice(first!.attrs.length)],
      receivedAt: first!.receivedAt,
      expireAt: first!.expireAt,
    });
    // The first batch's attribute once, then the second batch's two new ones.
    expect(first!.attrs).toHaveLength(1);
    expect(doc!.attrs).toHaveLength(3);
    expect(JSON.stringify(doc!.attrs)).toContain('$where');
    // And the same trace read back through the store.
    expect((await store.tracesByIds([traceId])).get(traceId)).toMatchObject({ spanCount: 3, errorCount: 1, services: ['$svc', 'web'], durationUs: c!.endUs - b!.startUs });
  });

  it('answers lookups with only the keys that exist, and empty input without a command', async () => {
    const missing = 'ef'.repeat(16);
    expect((await store.tracesByIds([missing])).size).toBe(0);
    expect((await store.spansByTraceIds([missing])).size).toBe(0);
    expect((await store.spansByKeys([{ traceId: missing, spanId: '1'.repeat(16) }])).size).toBe(0);
    expect((await store.servicesByNames(['nope'])).size).toBe(0);

    const started: string[] = [];
    const listener = (e: CommandStartedEvent) => started.push(e.commandName);
    store.client.on('commandStarted', listener);
    await store.tracesByIds([]);
    await store.spansByTraceIds([]);
    await store.spansByKeys([]);
    await store.servicesByNames([]);
    await store.insertSpans([]);
    store.client.off('commandStarted', listener);
    expect(started).toEqual([]);
  });

  it('returns spans of a trace ordered by start time then spanId, as caller-owned copies', async () => {
    const traceId = '12'.repeat(16);
    const spans = records([
      { traceId, spanId: '0000000000000003', startTime: '2026-11-20T10:00:00.000002Z' },
      { traceId, spanId: '0000000000000002', startTime: '2026-11-20T10:00:00.000001Z' },
      { traceId, spanId: '0000000000000001', startTime: '2026-11-20T10:00:00.000002Z' },
    ]);
    await store.insertSpans(spans);
    const first = (await store.spansByTraceIds([traceId])).get(traceId)!;
    expect(first.map((s) => s.spanId)).toEqual(['0000000000000002', '0000000000000001', '0000000000000003']);
    first[0]!.operation = 'mutated by the caller';
    const again = (await store.spansByTraceIds([traceId])).get(traceId)!;
    expect(again[0]!.operation).toBe('op');
  });

  it('reads a find whose reply does not hold every document through a cursor, and closes the first one', async () => {
    const traceId = 'b1'.repeat(16);
    await store.insertSpans(records([1, 2, 3, 4, 5].map(() => ({ traceId }))));
    const commands: string[] = [];
    const listener = (e: CommandStartedEvent) => commands.push(e.commandName);
    store.client.on('commandStarted', listener);
    let docs: { spanId: string }[];
    try {
      docs = await findAll<{ spanId: string }>(store.db, Collections.spans, { filter: { traceId }, projection: { _id: 0, spanId: 1 }, sort: { spanId: 1 }, batchSize: 2 });
    } finally {
      store.client.off('commandStarted', listener);
    }
    expect(docs.map((d) => d.spanId)).toEqual([1, 2, 3, 4, 5].map((i) => i.toString(16).padStart(16, '0')));
    expect(commands.slice(0, 2)).toEqual(['find', 'killCursors']);
    expect(commands[2]).toBe('find');
    // One reply that holds everything: one command.
    commands.length = 0;
    store.client.on('commandStarted', listener);
    try {
      expect(await findAll(store.db, Collections.spans, { filter: { traceId }, limit: 3 })).toHaveLength(3);
    } finally {
      store.client.off('commandStarted', listener);
    }
    expect(commands).toEqual(['find']);
  });

  it('stores `$` and `.` in attribute keys and values, and in result data, as data', async () => {
    const traceId = '34'.repeat(16);
    const attributes = [
      { key: '$where', value: 'sleep(1000)' },
      { key: 'a.b', value: { $gt: '' } },
      { key: 'c', value: ['$ne', { 'x.y': 1 }] },
    ];
    const [span] = records([{ traceId, attributes, result: { status: 'OK', data: { $set: { 'p.q': true } } } }]);
    expect((await store.insertSpans([span!])).inserted).toHaveLength(1);
    const stored = (await store.spansByTraceIds([traceId])).get(traceId)![0]!;
    expect(stored.attributes).toEqual(attributes);
    expect(stored.result?.data).toEqual({ $set: { 'p.q': true } });
    for (const attribute of attributes) {
      const page = await store.searchTraces({ query: { attributes: [attribute] }, order: 'START_TIME_DESC', first: 10, after: null });
      expect(page.items.map((i) => i.trace.traceId)).toEqual([traceId]);
    }
    const operatorLike = await store.searchTraces({ query: { attributes: [{ key: 'a.b', value: { $exists: true } }] }, order: 'START_TIME_DESC', first: 10, after: null });
    expect(operatorLike.items).toEqual([]);
  });
});

describe('MongoTraceStore retention', () => {
  let test: TestStore;
  let mongo: TestMongo;
  let store: MongoTraceStore;
  beforeAll(async () => {
    test = await startTestStore({ retentionMs: 1, ttlSweepMs: 100 });
    ({ mongo, store } = test);
  });
  afterAll(async () => {
    await test.stop();
  });

  it('marks spans due at receive time + retention; the embedded store removes spans, traces and services then', async () => {
    const traceId = '56'.repeat(16);
    await store.insertSpans(records([{ traceId }]));
    if (!mongo.embedded) {
      // A real MongoDB's TTL monitor runs once a minute: check the span is due rather than wait for it.
      const span = await store.db.collection(Collections.spans).findOne({ traceId });
      // (null: the monitor happened to run already)
      expect(span === null || span.expireAt.getTime() <= Date.now()).toBe(true);
      return;
    }
    // The embedded store sweeps every 100 ms here.
    let remaining = -1;
    await eventually(
      async () => {
        remaining = 0;
        for (const c of Object.values(Collections)) remaining += await store.db.collection(c).countDocuments({});
        return remaining === 0;
      },
      'the sweep to remove every span, trace and service',
      { intervalMs: 100, state: () => `${remaining} documents left` },
    );
  });
});
