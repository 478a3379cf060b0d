/**
 * Paging a service's traces: every trace listed once, in order, and a page deep in the list examines only the
 * summaries from its cursor on (the cursor's range bounds the index scan), not every summary of the service.
 * Counted by the store's own `explain` through the driver (embedded store, or a real MongoDB when MONGODB_URI is
 * set).
 */
import { DEFAULT_INGEST_LIMITS, validateSpans, type SpanInputShape } from '../../src/domain';
import { Collections, type TraceOrder } from '../../src/store';
import type { TraceDoc } from '../../src/store/mongo/documents';
import { afterFilter, traceFilter, traceSort } from '../../src/store/mongo/query';
import { startTestStore, type TestStore } from '../helpers/mongo';

const TRACES = 600;
const PAGE = 50;
const BASE_MS = Date.UTC(2026, 10, 20, 10, 0, 0);

describe('trace pages of one service', () => {
  let test: TestStore;

  beforeAll(async () => {
    test = await startTestStore({ retentionMs: 7 * 86_400_000, now: () => BASE_MS + 3_600_000 });
    const inputs: SpanInputShape[] = [];
    for (let i = 0; i < TRACES; i++) {
      // Pairs of traces share a start time, so the cursor's tie-break on the trace id is exercised too.
      const startMs = BASE_MS + Math.floor(i / 2) * 1000;
      inputs.push({ traceId: (i + 1).toString(16).padStart(32, '0'), spanId: '00000000000000aa', service: 'deep', operation: 'op', startTime: new Date(startMs).toISOString(), endTime: new Date(startMs + 5).toISOString() });
    }
    const { valid, rejected } = validateSpans(inputs, DEFAULT_INGEST_LIMITS);
    expect(rejected).toEqual([]);
    expect((await test.store.insertSpans(valid.map((v) => v.record))).inserted).toHaveLength(TRACES);
  });
  afterAll(async () => {
    await test?.stop();
  });

  for (const order of ['START_TIME_DESC', 'START_TIME_ASC'] as const satisfies readonly TraceOrder[]) {
    it(`lists every trace once in ${order} order, a deep page examining only the summaries from its cursor on`, async () => {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await test.store.searchTraces({ query: { service: 'deep' }, order, first: PAGE, after });
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

      // The page after the 500th trace: what the store examines to answer it.
      const last = ordered[499]!;
      const filter = { $and: [traceFilter({ service: 'deep' }), afterFilter({ order, key: last.startUs, traceId: last._id })] };
      const explained = await traces.find(filter).sort(sort).limit(PAGE + 1).explain('executionStats');
      const stats = explained.executionStats as { nReturned: number; totalDocsExamined: number };
      expect(stats.nReturned).toBe(PAGE + 1);
      // The 100 traces after the cursor and the cursor's own start time (a pair shares it), not the 600 of the
      // service: the service's index orders by start time, not by trace id, so the matches are sorted in memory.
      expect(stats.totalDocsExamined).toBeLessThanOrEqual(TRACES - 500 + 2);
    });
  }
});
