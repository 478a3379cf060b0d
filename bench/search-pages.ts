/**
 * `node dist/bench/search-pages.js [traces] [page] [single]`: what a search page costs as the list grows, for every shape of
 * `traces(filter:, orderBy:)`'s store read (`searchTraces`, pages of `page`, default 100). Seeds an in-memory embedded
 * store with `traces` one-span traces (default 5,000): 10 services `s0`..`s9` (one trace in 1,000 of a service
 * `rare` instead), operations `op0`..`op6` each seen in every service (one trace in 1,000 of an operation `rareop`),
 * an attribute `http.route` of 3 values, durations spread over 0-999 ms, one trace in 50 in error. Then, per search
 * shape and order, prints the median wall time (of 3) of the first page and of a page from a cursor in the middle of
 * the matches, each with the summaries the store read for it (its `docsExamined` counter: a figure the machine's load
 * does not move). With `single`, every search is one find of its filter in its order (the store sorting the matches
 * when no index gives the order), for comparison. Last, how long the start of a gateway takes to build the search indexes over them when the database
 * holds the indexes an earlier version had instead. Not a judged benchmark: figures for docs/operations.md.
 */
import { startEmbeddedMongo } from '../src/embedded-mongo';
import { DEFAULT_INGEST_LIMITS, validateSpans, type SpanInputShape } from '../src/domain';
import { Collections, MongoTraceStore, type TraceQuery } from '../src/store';
import { TRACE_ORDERS } from '../src/store/types';
import type { TraceDoc } from '../src/store/mongo/documents';
import { ensureIndexes, INDEXES, OBSOLETE_INDEXES } from '../src/store/mongo/indexes';
import { sortField, traceFilter, traceSort } from '../src/store/mongo/query';
import { encodeCursor } from '../src/store/cursor';
import { createLogger } from '../src/log';

const SHAPES: Array<{ name: string; query: TraceQuery }> = [
  { name: 'no filter', query: {} },
  { name: 'service (1/10)', query: { service: 's3' } },
  { name: 'service (1/1000)', query: { service: 'rare' } },
  { name: 'service + operation', query: { service: 's3', operation: 'op2' } },
  { name: 'operation (1/7)', query: { operation: 'op2' } },
  { name: 'operation (1/1000)', query: { operation: 'rareop' } },
  { name: 'attribute (1/3)', query: { attributes: [{ key: 'http.route', value: '/r1' }] } },
  { name: 'service + attribute (1/30)', query: { service: 's3', attributes: [{ key: 'http.route', value: '/r1' }] } },
  { name: 'status ERROR (1/50)', query: { status: 'ERROR' } },
  { name: 'minDuration 900 ms', query: { minDurationUs: 900_000 } },
];

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 5000);
  const pageSize = Number(process.argv[3] ?? 100);
  const single = process.argv[4] === 'single';
  // Traces of the last hours, kept for a week (the store's TTL sweep runs on the real clock).
  const baseMs = Date.now() - 3_600_000 - total * 10;
  const mongo = await startEmbeddedMongo({ port: 0 });
  const store = new MongoTraceStore({ uri: mongo.uri, dbName: 'pages', retentionMs: 7 * 86_400_000, metrics: false, ...(single ? { searchTuning: { sortStoreUpTo: Infinity } } : {}) });
  try {
    for (let from = 0; from < total; from += 1000) {
      const inputs: SpanInputShape[] = [];
      for (let i = from; i < Math.min(total, from + 1000); i++) {
        const startMs = baseMs + i * 10;
        const durationMs = (i * 7919) % 1000;
        inputs.push({
          traceId: (i + 1).toString(16).padStart(32, '0'),
          spanId: '00000000000000aa',
          service: i % 1000 === 500 ? 'rare' : `s${i % 10}`,
          operation: i % 1000 === 700 ? 'rareop' : `op${i % 7}`,
          startTime: new Date(startMs).toISOString(),
          endTime: new Date(startMs + durationMs).toISOString(),
          ...(i % 50 === 7 ? { status: 'ERROR' as const } : {}),
          attributes: [{ key: 'http.route', value: `/r${i % 3}` }],
        });
      }
      await store.insertSpans(validateSpans(inputs, DEFAULT_INGEST_LIMITS).valid.map((v) => v.record));
    }
    const traces = store.db.collection<TraceDoc>(Collections.traces);
    // The store's count of summaries read (tested against a filter, or read for a sort) by the page's finds.
    const metrics = mongo.engine.collection('pages', Collections.traces)!.metrics;
    console.log(`${total} traces, pages of ${pageSize}: median of 3 in ms (summaries the store read), first page / a page from the middle of the matches`);
    for (const { name, query } of SHAPES) {
      const cells: string[] = [];
      for (const order of TRACE_ORDERS) {
        // The cursor of the match in the middle of the order (read with the store's own sort).
        const matches = await traces.countDocuments(traceFilter(query));
        const middle = await traces.find(traceFilter(query)).sort(traceSort(order)).skip(Math.floor(matches / 2)).limit(1).next();
        const after = middle ? encodeCursor({ order, key: middle[sortField(order)], traceId: middle._id }) : null;
        const time = async (cursor: string | null): Promise<string> => {
          const ms: number[] = [];
          let examined = 0;
          for (let run = 0; run < 3; run++) {
            const before = metrics.docsExamined;
            const started = process.hrtime.bigint();
            await store.searchTraces({ query, order, first: pageSize, after: cursor });
            ms.push(Number(process.hrtime.bigint() - started) / 1e6);
            examined = metrics.docsExamined - before;
          }
          return `${ms.sort((a, b) => a - b)[1]!.toFixed(1)} (${examined})`;
        };
        cells.push(`${order} ${await time(null)} / ${await time(after)}`);
      }
      console.log(`  ${name.padEnd(22)} ${cells.join('   ')}`);
    }

    // A database as an earlier version indexed it: the replaced indexes instead of the search indexes.
    const replaced = (OBSOLETE_INDEXES.traces ?? []).filter((o) => INDEXES.traces.some((i) => i.name === o.replacedBy));
    if (replaced.length > 0) {
      for (const { replacedBy } of replaced) if (replacedBy !== null) await traces.dropIndex(replacedBy);
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

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
