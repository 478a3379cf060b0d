/**
 * `node dist/bench/search-pages.js [traces] [page]`: what a search page by service, by service and operation, and by
 * attribute costs as the list grows. Seeds an in-memory embedded store with `traces` one-span traces of one service,
 * operation and attribute (default 5,000), pages through all of them with `traces(filter:)`'s store read (`searchTraces`, pages
 * of `page`, default 100), and prints the wall time and the summaries examined (the store's `explain`) of the first
 * page, a middle one and the last; then how long the start of a gateway takes to build the search indexes over them
 * when the database holds the indexes an earlier version had instead. Not a judged benchmark: a figure for
 * docs/operations.md.
 */
import { startEmbeddedMongo } from '../src/embedded-mongo';
import { DEFAULT_INGEST_LIMITS, validateSpans, type SpanInputShape } from '../src/domain';
import type { Collection } from 'mongodb';
import { Collections, MongoTraceStore, type TraceOrder, type TraceQuery } from '../src/store';
import type { TraceDoc } from '../src/store/mongo/documents';
import { ensureIndexes, INDEXES, OBSOLETE_INDEXES } from '../src/store/mongo/indexes';
import { afterFilter, traceFilter, traceSort } from '../src/store/mongo/query';
import { decodeCursor } from '../src/store/cursor';
import { createLogger } from '../src/log';


async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 5000);
  const pageSize = Number(process.argv[3] ?? 100);
  // Traces of the last hours, kept for a week (the store's TTL sweep runs on the real clock).
  const baseMs = Date.now() - 3_600_000 - total * 10;
  const mongo = await startEmbeddedMongo({ port: 0 });
  const store = new MongoTraceStore({ uri: mongo.uri, dbName: 'pages', retentionMs: 7 * 86_400_000, metrics: false });
  try {
    for (let from = 0; from < total; from += 1000) {
      const inputs: SpanInputShape[] = [];
      for (let i = from; i < Math.min(total, from + 1000); i++) {
        const startMs = baseMs + i * 10;
        inputs.push({ traceId: (i + 1).toString(16).padStart(32, '0'), spanId: '00000000000000aa', service: 'deep', operation: 'op', startTime: new Date(startMs).toISOString(), endTime: new Date(startMs + 5).toISOString(), attributes: [{ key: 'http.route', value: '/deep' }] });
      }
      await store.insertSpans(validateSpans(inputs, DEFAULT_INGEST_LIMITS).valid.map((v) => v.record));
    }
    const traces = store.db.collection<TraceDoc>(Collections.traces);
    const order = 'START_TIME_DESC' as const;
    for (const query of [{ service: 'deep' }, { service: 'deep', operation: 'op' }, { attributes: [{ key: 'http.route', value: '/deep' }] }]) await pageThrough(store, traces, query, order, total, pageSize);

    // A database as an earlier version indexed it: the replaced indexes instead of the search indexes.
    const replaced = (OBSOLETE_INDEXES.traces ?? []).filter((o) => INDEXES.traces.some((i) => i.name === o.replacedBy));
    if (replaced.length > 0) {
      for (const { replacedBy } of replaced) await traces.dropIndex(replacedBy);
      await traces.createIndex({ services: 1, startUs: -1 }, { name: 'services_start' });
      await traces.createIndex({ 'svcOps.o': 1, 'svcOps.s': 1 }, { name: 'operations' });
      await traces.createIndex({ 'attrs.k': 1, 'attrs.v': 1 }, { name: 'attrs' });
      const changes = await ensureIndexes(store.db, createLogger('silent'));
      console.log(`start over the earlier indexes: built ${JSON.stringify(changes.built)}, dropped ${JSON.stringify(changes.dropped)}`);
    }
  } finally {
    await store.close();
    await mongo.stop();
  }
}

async function pageThrough(store: MongoTraceStore, traces: Collection<TraceDoc>, query: TraceQuery, order: TraceOrder, total: number, pageSize: number): Promise<void> {
  const pages: Array<{ ms: number; after: string | null }> = [];
  let after: string | null = null;
  for (;;) {
    const started = process.hrtime.bigint();
    const page = await store.searchTraces({ query, order, first: pageSize, after });
    pages.push({ ms: Number(process.hrtime.bigint() - started) / 1e6, after });
    if (!page.hasNextPage) break;
    after = page.items.at(-1)!.cursor;
  }
  const examined = async (cursor: string | null): Promise<number> => {
    const base = traceFilter(query);
    const filter = cursor === null ? base : { $and: [base, afterFilter(decodeCursor(cursor, order))] };
    const explained = await traces.find(filter).sort(traceSort(order)).limit(pageSize + 1).explain('executionStats');
    return (explained.executionStats as { totalDocsExamined: number }).totalDocsExamined;
  };
  const show = async (name: string, at: number): Promise<string> => `${name} page ${at + 1}: ${pages[at]!.ms.toFixed(1)} ms, ${await examined(pages[at]!.after)} summaries examined`;
  const median = [...pages.map((p) => p.ms)].sort((a, b) => a - b)[Math.floor(pages.length / 2)]!;
  console.log(`${total} traces of ${JSON.stringify(query)}, ${pages.length} pages of ${pageSize}: all pages ${pages.reduce((s, p) => s + p.ms, 0).toFixed(0)} ms, median page ${median.toFixed(1)} ms`);
  for (const line of [await show('first', 0), await show('middle', Math.floor(pages.length / 2)), await show('last', pages.length - 1)]) console.log(`  ${line}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
