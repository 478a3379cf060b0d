/**
 * What a rollup write stores: errors and zero durations only in buckets that count some (absent reads as 0), and
 * `expireAt` the retention after the write rounded up to the whole minute, so the writes of one minute leave it
 * (and its TTL index entry) as the first of them set it.
 */
import { rollups, ServiceAnalytics } from '../../src/analytics';
import { EDGE_WAITS_COLLECTION } from '../../src/analytics/documents';
import { DEFAULT_INGEST_LIMITS, validateSpans, type SpanRecord } from '../../src/domain';
import { startTestStore, type TestStore } from '../helpers/mongo';
import { isoUs, wire, type GenSpan } from './helpers';

const BASE_MS = Date.UTC(2026, 10, 20, 10, 0, 0);
const RETENTION_MS = 86_400_000;
const TRACE = 'ab'.repeat(16);

function gen(spanId: string, parentSpanId: string | null, service: string, startMs: number, durationUs: number, status: 'OK' | 'ERROR'): GenSpan {
  const startUs = startMs * 1000;
  return { traceId: TRACE, spanId, parentSpanId, service, operation: 'op', kind: 'SERVER', startTime: isoUs(startUs), endTime: isoUs(startUs + durationUs), status, startUs, durationUs };
}

function records(spans: GenSpan[]): SpanRecord[] {
  const { valid, rejected } = validateSpans(wire(spans), DEFAULT_INGEST_LIMITS);
  expect(rejected).toEqual([]);
  return valid.map((v) => v.record);
}

describe('rollup bucket fields', () => {
  let test: TestStore;
  let now = BASE_MS + 10_000;

  beforeAll(async () => {
    test = await startTestStore({ retentionMs: RETENTION_MS, now: () => now });
  });
  afterAll(async () => {
    await test?.stop();
  });

  it('writes errors and zero durations only where there are some, and expireAt rounded up to the minute', async () => {
    const analytics = new ServiceAnalytics(test.store, { retentionMs: RETENTION_MS, now: () => now });
    // a (root, OK, 0 µs) -> b (ERROR, 50 µs): an edge a -> b; b's child c waits for a parent stored later (d).
    const first = records([gen('00000000000000a1', null, 'a', BASE_MS, 0, 'OK'), gen('00000000000000b1', '00000000000000a1', 'b', BASE_MS + 1, 50, 'ERROR'), gen('00000000000000c1', '00000000000000d1', 'c', BASE_MS + 2, 70, 'OK')]);
    expect((await test.store.insertSpans(first)).inserted).toHaveLength(3);
    await analytics.record(first);
    const minuteEnd = new Date(Math.ceil((BASE_MS + 10_000 + RETENTION_MS) / 60_000) * 60_000);

    const docs = new Map((await rollups(test.store.db).find({}).toArray()).map((d) => [d._id, d]));
    const minuteA = docs.get(JSON.stringify(['s', 'a', BASE_MS]))!;
    expect(minuteA.o?.op).toMatchObject({ c: 1, z: 1, d: 0 });
    expect(minuteA.o?.op).not.toHaveProperty('e');
    const minuteB = docs.get(JSON.stringify(['s', 'b', BASE_MS]))!;
    expect(minuteB.o?.op).toMatchObject({ c: 1, e: 1, d: 50 });
    expect(minuteB.o?.op).not.toHaveProperty('z');
    const edge = docs.get(JSON.stringify(['e', 'a', 'b', BASE_MS]))!;
    expect(edge).toMatchObject({ c: 1, e: 1 });
    expect(edge).not.toHaveProperty('z');
    for (const doc of docs.values()) expect(doc.expireAt).toEqual(minuteEnd);
    const note = await test.store.db.collection(EDGE_WAITS_COLLECTION).findOne({ _id: TRACE as never });
    expect(note?.expireAt).toEqual(minuteEnd);

    // Later in the same minute: the figures add up, expireAt stays; a minute later it moves on.
    now += 30_000;
    const second = records([gen('00000000000000a2', null, 'a', BASE_MS + 3, 20, 'OK')]);
    await test.store.insertSpans(second);
    await analytics.record(second);
    const again = await rollups(test.store.db).findOne({ _id: JSON.stringify(['s', 'a', BASE_MS]) });
    expect(again?.o?.op).toMatchObject({ c: 2, z: 1, d: 20 });
    expect(again?.o?.op).not.toHaveProperty('e');
    expect(again?.expireAt).toEqual(minuteEnd);
    now += 60_000;
    const third = records([gen('00000000000000a3', null, 'a', BASE_MS + 4, 30, 'ERROR')]);
    await test.store.insertSpans(third);
    await analytics.record(third);
    const later = await rollups(test.store.db).findOne({ _id: JSON.stringify(['s', 'a', BASE_MS]) });
    expect(later?.o?.op).toMatchObject({ c: 3, e: 1, z: 1, d: 50 });
    expect(later?.expireAt).toEqual(new Date(minuteEnd.getTime() + 60_000));

    // The read side answers as from complete fields.
    const series = await analytics.serviceSeries('a', { fromMs: BASE_MS, toMs: BASE_MS + 60_000, stepMs: 60_000 });
    const total = series.total({ fromMs: BASE_MS, toMs: BASE_MS + 60_000, stepMs: 60_000 });
    expect({ calls: total.calls, errors: total.errors }).toEqual({ calls: 3, errors: 1 });
  });
});
