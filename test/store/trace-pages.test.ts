/**
 * Paging a service's traces (and a service's operation's, and an attribute's): every trace listed once, in order, and a page, first or deep in the list, examines
 * about a page of summaries: the service index orders by (start time, trace id), so the page's sort and its
 * cursor's range are one index range and nothing is sorted in memory. Counted by the store's own `explain` through
 * the driver (embedded store, or a real MongoDB when MONGODB_URI is set). Also: a database indexed by an earlier
 * version gets the index at start and loses the one it replaces, with several stores starting at once; an index no
 * query reads is dropped.
 */
import { DEFAULT_INGEST_LIMITS, validateSpans, type SpanInputShape } from '../../src/domain';
import { Collections, type TraceOrder, type TraceQuery } from '../../src/store';
import type { TraceDoc } from '../../src/store/mongo/documents';
import { ensureIndexes, INDEXES, OBSOLETE_INDEXES } from '../../src/store/mongo/indexes';
import { afterFilter, traceFilter, traceSort } from '../../src/store/mongo/query';
import { createLogger } from '../../src/log';
import { MongoTraceStore } from '../../src/store';
import { startTestMongo, startTestStore, type TestStore } from '../helpers/mongo';

const TRACES = 600;
const PAGE = 50;
const BASE_MS = Date.UTC(2026, 10, 20, 10, 0, 0);

describe('trace pages of one service', () => {
  let test: TestStore;

  beforeAll(async () => {
    // A retention reaching far beyond the real clock: the embedded store's TTL sweep (every 60 s, on the real clock)
    // leaves the documents stored at the fixed BASE_MS alone during a slow run.
    test = await startTestStore({ retentionMs: 10 * 365 * 86_400_000, now: () => BASE_MS + 3_600_000 });
    const inputs: SpanInputShape[] = [];
    for (let i = 0; i < TRACES; i++) {
      // Pairs of traces share a start time, so the cursor's tie-break on the trace id is exercised too.
      const startMs = BASE_MS + Math.floor(i / 2) * 1000;
      inputs.push({ traceId: (i + 1).toString(16).padStart(32, '0'), spanId: '00000000000000aa', service: 'deep', operation: 'op', startTime: new Date(startMs).toISOString(), endTime: new Date(startMs + 5).toISOString(), attributes: [{ key: 'http.route', value: '/deep' }] });
    }
    const { valid, rejected } = validateSpans(inputs, DEFAULT_INGEST_LIMITS);
    expect(rejected).toEqual([]);
    expect((await test.store.insertSpans(valid.map((v) => v.record))).inserted).toHaveLength(TRACES);
  });
  afterAll(async () => {
    await test?.stop();
  });

  const cases = [
    { order: 'START_TIME_DESC', query: { service: 'deep' } },
    { order: 'START_TIME_ASC', query: { service: 'deep' } },
    { order: 'START_TIME_DESC', query: { service: 'deep', operation: 'op' } },
    { order: 'START_TIME_ASC', query: { attributes: [{ key: 'http.route', value: '/deep' }] } },
  ] as const satisfies ReadonlyArray<{ order: TraceOrder; query: TraceQuery }>;
  for (const { order, query } of cases) {
    it(`lists every trace of ${JSON.stringify(query)} once in ${order} order, the first page and a deep one each examining about a page of summaries`, async () => {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await test.store.searchTraces({ query, order, first: PAGE, after });
        seen.push(...page.items.map((item) => item.trace.traceId));
        if (!page.hasNextPage) break;
        after = page.items.at(-1)!.cursor;
      }
      expect(seen).toHaveLength(TRACES);
      expect(new Set(seen).size).toBe(TRACES);

      const traces = test.store.db.collection<TraceDoc>(Collections.traces);
      const sort = traceSort(order);
      const ordered = await traces.find({ services: 'deep' }, { projection: { startUs: 1 } }).sort(sort).toArray();
      expect(seen).toEqual(ordered.map((d) => d._id));

      // The first page, and the page after the 500th trace: what the store examines to answer each.
      const last = ordered[499]!;
      for (const filter of [traceFilter(query), { $and: [traceFilter(query), afterFilter({ order, key: last.startUs, traceId: last._id })] }]) {
        const explained = await traces.find(filter).sort(sort).limit(PAGE + 1).explain('executionStats');
        const stats = explained.executionStats as { nReturned: number; totalDocsExamined: number; totalKeysExamined: number };
        expect(stats.nReturned).toBe(PAGE + 1);
        // The page and the trace after it, plus those sharing the cursor's start time (a pair here: the range starts
        // at that start time, the cursor's trace id is checked on the documents), and at most one key read past
        // the last: not the 100 traces after the cursor nor the 600 of the service.
        expect(stats.totalDocsExamined).toBeLessThanOrEqual(PAGE + 1 + 2);
        expect(stats.totalKeysExamined).toBeLessThanOrEqual(PAGE + 1 + 2 + 1);
      }
    });
  }
});

describe('the search indexes of an earlier version', () => {
  it('is replaced at start, once, by stores starting at once, and the change is logged', async () => {
    const mongo = await startTestMongo();
    const stores: MongoTraceStore[] = [];
    try {
      const seed = new MongoTraceStore({ uri: mongo.uri, dbName: mongo.dbName, retentionMs: 86_400_000 });
      stores.push(seed);
      const traces = seed.db.collection<TraceDoc>(Collections.traces);
      // A database as an earlier version left it: its indexes, with the obsolete ones, and summaries in it.
      const replacing = new Set(OBSOLETE_INDEXES.traces!.map((o) => o.replacedBy));
      const earlier = INDEXES.traces.filter((i) => !replacing.has(i.name!));
      await traces.createIndexes([
        ...earlier,
        { key: { services: 1, startUs: -1 }, name: 'services_start' },
        { key: { 'svcOps.o': 1, 'svcOps.s': 1 }, name: 'operations' },
        { key: { 'attrs.k': 1, 'attrs.v': 1 }, name: 'attrs' },
      ]);
      await traces.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i.toString(16).padStart(32, '0'), startUs: 1_000 + i, services: ['a', 'b'] }) as unknown as TraceDoc));

      const lines: string[] = [];
      const logger = createLogger('info', 'store', (line) => lines.push(line));
      const outcomes = await Promise.all([0, 1, 2].map(() => ensureIndexes(seed.db, logger)));
      const names = (await traces.listIndexes().toArray()).map((i) => i.name as string);
      expect(names.sort()).toEqual(['_id_', ...INDEXES.traces.map((i) => i.name!)].sort());
      expect(names).not.toContain('services_start');
      expect(names).not.toContain('operations');
      expect(names).not.toContain('attrs');
      // Each start saw the old indexes; exactly one of them dropped each, the others found it gone.
      expect(outcomes.flatMap((o) => o.dropped).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { collection: 'traces', name: 'attrs' },
        { collection: 'traces', name: 'operations' },
        { collection: 'traces', name: 'services_start' },
      ]);
      expect(outcomes.flatMap((o) => o.built).filter((b) => b.collection === 'traces').length).toBeGreaterThanOrEqual(1);
      expect(lines.some((l) => l.includes('built indexes') && l.includes('services_start_id') && l.includes('operations_start_id'))).toBe(true);
      expect(lines.filter((l) => l.includes('dropped an index of an earlier version') && l.includes('index=services_start'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('dropped an index of an earlier version') && l.includes('index=operations'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('dropped an index of an earlier version') && l.includes('index=attrs'))).toHaveLength(1);
      expect(lines.some((l) => l.includes('could not'))).toBe(false);

      // A later start changes nothing and says nothing; a store on the database pages by the index.
      lines.length = 0;
      expect(await ensureIndexes(seed.db, logger)).toEqual({ built: [], dropped: [] });
      expect(lines).toEqual([]);
      const page = await seed.searchTraces({ query: { service: 'b' }, order: 'START_TIME_DESC', first: 5, after: null });
      expect(page.items.map((i) => i.trace.startUs)).toEqual([1_019, 1_018, 1_017, 1_016, 1_015]);
    } finally {
      for (const store of stores) await store.close();
      await mongo.stop();
    }
  });

  it('drops the spans\' attribute index, which no query reads, once, and spans and searches by attribute work without it', async () => {
    const mongo = await startTestMongo();
    const store = new MongoTraceStore({ uri: mongo.uri, dbName: mongo.dbName, retentionMs: 86_400_000 });
    try {
      const spans = store.db.collection(Collections.spans);
      // The spans' indexes as an earlier version created them.
      await spans.createIndexes([...INDEXES.spans, { key: { 'attrs.k': 1, 'attrs.v': 1 }, name: 'attrs' }]);
      expect(OBSOLETE_INDEXES.spans).toEqual([{ name: 'attrs', replacedBy: null }]);

      const lines: string[] = [];
      const logger = createLogger('info', 'store', (line) => lines.push(line));
      const outcomes = await Promise.all([0, 1].map(() => ensureIndexes(store.db, logger)));
      const names = (await spans.listIndexes().toArray()).map((i) => i.name as string);
      expect(names.sort()).toEqual(['_id_', ...INDEXES.spans.map((i) => i.name!)].sort());
      expect(outcomes.flatMap((o) => o.dropped)).toEqual([{ collection: 'spans', name: 'attrs' }]);
      expect(lines.filter((l) => l.includes('dropped an index of an earlier version') && l.includes('collection=spans') && l.includes('index=attrs'))).toHaveLength(1);
      expect(lines.some((l) => l.includes('could not'))).toBe(false);
      lines.length = 0;
      expect(await ensureIndexes(store.db, logger)).toEqual({ built: [], dropped: [] });
      expect(lines).toEqual([]);

      const traceId = 'ab'.repeat(16);
      const { valid } = validateSpans(
        [0, 1].map((i) => ({ traceId, spanId: `${i + 1}`.repeat(16), service: 'cart', operation: 'add', startTime: new Date(BASE_MS + i).toISOString(), endTime: new Date(BASE_MS + 5).toISOString(), attributes: [{ key: 'cart.id', value: `c${i}` }] })),
        DEFAULT_INGEST_LIMITS,
      );
      expect((await store.insertSpans(valid.map((v) => v.record))).inserted).toHaveLength(2);
      expect(((await store.spansByTraceIds([traceId])).get(traceId) ?? []).sort((a, b) => a.spanId.localeCompare(b.spanId)).map((s) => s.attributes)).toEqual([[{ key: 'cart.id', value: 'c0' }], [{ key: 'cart.id', value: 'c1' }]]);
      const page = await store.searchTraces({ query: { attributes: [{ key: 'cart.id', value: 'c1' }] }, order: 'START_TIME_DESC', first: 5, after: null });
      expect(page.items.map((i) => i.trace.traceId)).toEqual([traceId]);
    } finally {
      await store.close();
      await mongo.stop();
    }
  });
});
