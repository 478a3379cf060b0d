/**
 * P7 (store issue): the embedded store holds a million span-sized documents and still finds a trace's spans by
 * its indexed `traceId` as fast as at ten thousand. Side by side in one run: lookup latency at the small and the
 * large size, bulk insert rate next to its floor (JSON.stringify + BSON serialize of the same documents), and
 * memory per stored document.
 *
 * Layout: the store runs alone in a worker process; the driver (loader and lookups) runs in the parent.
 */
import { MongoClient } from 'mongodb';
import { TrafficGenerator } from '../../src/demo';
import { forkWorker } from '../harness/child';
import { median } from '../harness/stats';
import type { RunOptions, Scenario, ScenarioResult } from '../harness/types';
import { fmtCount as fmt, LOAD_BATCH as BATCH, lookupRunner, SpanDocLoader, timedRun, type ScaleSizes } from '../load/span-loader';
import { SpanDocStream, type SpanDoc } from '../load/span-docs';
import type { ProcessFigures } from '../workers/protocol';
import type { StoreReady } from '../workers/store';

const GOAL_RATIO = 1.5;

const FULL: ScaleSizes = { small: 10_000, large: 1_000_000, runs: 7, lookupsPerRun: 200, warmup: 100, loadBudgetMs: 360_000 };
const QUICK: ScaleSizes = { small: 10_000, large: 100_000, runs: 5, lookupsPerRun: 50, warmup: 20, loadBudgetMs: 90_000 };

export const p7Store: Scenario = {
  id: 'P7',
  title: 'embedded store: lookup by traceId at large ÷ small size',
  goal: `≤ ${GOAL_RATIO}`,
  run: runP7,
};

async function runP7(options: RunOptions): Promise<ScenarioResult> {
  const sz = options.quick ? QUICK : FULL;
  const conditions =
    `two collections in one store, ${fmt(sz.small)} and ${fmt(sz.large)} demo span docs (avg BSON size in details), insertMany batches of ${BATCH}, index {traceId:1}; ` +
    `lookup find({traceId}).toArray() sequential, ${sz.warmup} warm-up each, ${sz.runs} alternating runs x ${sz.lookupsPerRun} lookups per size, median of per-run p50; ` +
    `store in its own process, driver in the parent`;
  const store = await forkWorker<StoreReady>('store', { maxOldSpaceMb: 12_288, cpuProfDir: options.cpuProfDir, label: 'P7' });
  const client = new MongoClient(store.ready.uri);
  try {
    await client.connect();
    const db = client.db('bench_p7');
    const smallColl = db.collection<SpanDoc>('spans_small');
    const largeColl = db.collection<SpanDoc>('spans_large');
    await smallColl.createIndex({ traceId: 1 });
    await largeColl.createIndex({ traceId: 1 });
    const before = await store.call<ProcessFigures>('figures', { gc: true });
    const smallStream = new SpanDocStream(new TrafficGenerator({ seed: 'p7-small' }));
    const largeStream = new SpanDocStream(new TrafficGenerator({ seed: 'p7-large' }));
    await new SpanDocLoader(smallColl, smallStream, options, sz.loadBudgetMs, 'P7').loadTo(sz.small);
    const loader = new SpanDocLoader(largeColl, largeStream, options, sz.loadBudgetMs, 'P7');
    await loader.loadTo(sz.large);
    const after = await store.call<ProcessFigures>('figures', { gc: true });

    // Both sizes live side by side in one store; their lookup runs alternate, so neither gets a warmer JIT.
    const lookupSmall = lookupRunner(smallColl, smallStream.traceIds, 'p7-small');
    const lookupLarge = lookupRunner(largeColl, largeStream.traceIds, 'p7-large');
    for (let i = 0; i < sz.warmup; i++) {
      await lookupSmall();
      await lookupLarge();
    }
    const smallRuns: Run[] = [];
    const largeRuns: Run[] = [];
    for (let r = 0; r < sz.runs; r++) {
      smallRuns.push(await timedRun(lookupSmall, sz.lookupsPerRun));
      largeRuns.push(await timedRun(lookupLarge, sz.lookupsPerRun));
    }
    const small = summarize(smallRuns);
    const large = summarize(largeRuns);
    options.progress(`P7 lookup p50: ${small.p50.toFixed(0)} µs at ${fmt(sz.small)}, ${large.p50.toFixed(0)} µs at ${fmt(loader.loaded)}`);

    const loaded = loader.loaded;
    const ratio = large.p50 / small.p50;
    const complete = loaded >= sz.large;
    const insertRate = median(loader.chunkRates);
    const floorRate = loader.floorDocsPerSec();
    return {
      id: p7Store.id,
      title: p7Store.title,
      goal: p7Store.goal,
      value: ratio,
      pass: complete && ratio <= GOAL_RATIO,
      conditions,
      details: {
        docsLoaded: loaded,
        ...(complete ? {} : { incomplete: `load stopped at ${loaded} of ${sz.large} docs: time budget ${sz.loadBudgetMs / 1000} s spent` }),
        lookupP50UsSmall: small.p50,
        lookupP50UsLarge: large.p50,
        lookupP99UsSmall: small.p99,
        lookupP99UsLarge: large.p99,
        insertDocsPerSec: insertRate,
        floorDocsPerSec: floorRate,
        insertVsFloor: insertRate / floorRate,
        avgBsonBytesPerDoc: loader.bsonBytes / loader.floorDocs,
        heapBytesPerDoc: (after.heapUsedBytes - before.heapUsedBytes) / (loaded + sz.small),
        rssBytesPerDoc: (after.rssBytes - before.rssBytes) / (loaded + sz.small),
        insertChunkRates: loader.chunkRates.map(Math.round),
        lookupRunP50sSmall: small.runP50s,
        lookupRunP50sLarge: large.runP50s,
      },
    };
  } finally {
    await client.close();
    await store.stop();
  }
}

interface Run {
  p50: number;
  p99: number;
}

function summarize(runs: readonly Run[]): { p50: number; p99: number; runP50s: number[] } {
  return { p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), runP50s: runs.map((r) => Math.round(r.p50)) };
}
