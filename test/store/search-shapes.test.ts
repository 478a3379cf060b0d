/**
 * Every search shape pages the same traces in the same order whichever way the store reads it: one find of the
 * filter in the order's sort (the reference, read here through the driver), the per-service reads of an operation's
 * traces, and the walk of the duration index for a filtered `DURATION_DESC` (bounds lowered so that 500 traces reach
 * every path: the gateway's sort of a narrow filter's matches, the walk, and the store's sort after a walk that found
 * no full page). Durations and start times repeat, so ties ordered by trace id cross page boundaries.
 */
import { DEFAULT_INGEST_LIMITS, validateSpans, type SpanInputShape } from '../../src/domain';
import { Collections, type TraceOrder, type TraceQuery } from '../../src/store';
import type { TraceDoc } from '../../src/store/mongo/documents';
import { matchesQuery, traceFilter, traceSort } from '../../src/store/mongo/query';
import { TRACE_ORDERS } from '../../src/store/types';
import { MongoTraceStore } from '../../src/store';
import { startTestStore, type TestStore } from '../helpers/mongo';

const TRACES = 500;
const BASE_MS = Date.UTC(2026, 10, 20, 10, 0, 0);
/**
 * The documents' expiry counts from the store's clock, fixed at BASE_MS; a retention reaching far beyond the real
 * clock keeps the embedded store's TTL sweep (every 60 s, on the real clock) from deleting them during a slow run.
 */
const RETENTION_MS = 10 * 365 * 86_400_000;

const SHAPES: TraceQuery[] = [
  { service: 'a' },
  { service: 'rare' },
  { service: 'b', operation: 'get' },
  { operation: 'get' },
  { operation: 'put' },
  { operation: 'none' },
  { attributes: [{ key: 'route', value: '/1' }] },
  { service: 'c', attributes: [{ key: 'route', value: '/2' }] },
  { operation: 'get', status: 'ERROR' },
  { service: 'a', minDurationUs: 5000, maxDurationUs: 9000 },
  { startFromUs: (BASE_MS + 100_000) * 1000, startToUs: (BASE_MS + 300_000) * 1000 },
  { service: 'b', status: 'OK', startFromUs: (BASE_MS + 50_000) * 1000 },
];

describe('search shapes', () => {
  let test: TestStore;
  /** Stores over the same database, read with bounds that send every shape down each path. */
  const tuned: MongoTraceStore[] = [];

  beforeAll(async () => {
    test = await startTestStore({ retentionMs: RETENTION_MS, now: () => BASE_MS + 3_600_000 });
    const inputs: SpanInputShape[] = [];
    for (let i = 0; i < TRACES; i++) {
      const traceId = (i + 1).toString(16).padStart(32, '0');
      const startMs = BASE_MS + Math.floor(i / 2) * 1000;
      const durationMs = (i * 7) % 13;
      const service = i % 100 === 50 ? 'rare' : ['a', 'b', 'c'][i % 3]!;
      const operation = ['get', 'put', 'list', 'get'][i % 4]!;
      inputs.push({ traceId, spanId: '00000000000000aa', service, operation, startTime: new Date(startMs).toISOString(), endTime: new Date(startMs + durationMs).toISOString(), ...(i % 11 === 0 ? { status: 'ERROR' as const } : {}), attributes: [{ key: 'route', value: `/${i % 4}` }] });
      // Every fifth trace has a second span in another service with the same operation: the trace is found through
      // two services of that operation, and listed once.
      if (i % 5 === 0) inputs.push({ traceId, spanId: '00000000000000bb', parentSpanId: '00000000000000aa', service: service === 'a' ? 'b' : 'a', operation, startTime: new Date(startMs).toISOString(), endTime: new Date(startMs + 1).toISOString() });
    }
    const { valid, rejected } = validateSpans(inputs, DEFAULT_INGEST_LIMITS);
    expect(rejected).toEqual([]);
    await test.store.insertSpans(valid.map((v) => v.record));
    for (const searchTuning of [{ sortStoreUpTo: 0, walkUpTo: 30 }, { sortStoreUpTo: 0, walkUpTo: 8 }, { sortStoreUpTo: 0, servicesUpTo: 1 }]) {
      tuned.push(new MongoTraceStore({ uri: test.mongo.uri, dbName: test.mongo.dbName, retentionMs: RETENTION_MS, searchTuning }));
    }
  });
  afterAll(async () => {
    for (const store of tuned) await store.close();
    await test?.stop();
  });

  it('tests a summary against a query as the store filters it', async () => {
    const docs = await test.store.db.collection<TraceDoc>(Collections.traces).find().toArray();
    for (const query of SHAPES) {
      const stored = await test.store.db.collection<TraceDoc>(Collections.traces).find(traceFilter(query)).toArray();
      expect(docs.filter((d) => matchesQuery(d, query)).map((d) => d._id).sort()).toEqual(stored.map((d) => d._id).sort());
    }
  });

  for (const order of TRACE_ORDERS as readonly TraceOrder[]) {
    it(`pages every shape in ${order} order as one find of its filter in that order lists it`, async () => {
      const traces = test.store.db.collection<TraceDoc>(Collections.traces);
      for (const query of SHAPES) {
        const expected = (await traces.find(traceFilter(query), { projection: { _id: 1 } }).sort(traceSort(order)).toArray()).map((d) => d._id);
        for (const [store, firsts] of [[test.store, [9, 40]], ...tuned.map((t) => [t, [9]] as const)] as const) {
          for (const first of firsts) {
            const seen: string[] = [];
            let after: string | null = null;
            for (;;) {
              const page = await store.searchTraces({ query, order, first, after });
              seen.push(...page.items.map((item) => item.trace.traceId));
              if (!page.hasNextPage) break;
              after = page.items.at(-1)!.cursor;
            }
            expect({ query, first, seen }).toEqual({ query, first, seen: expected });
          }
        }
      }
    }, 120_000);
  }
});
