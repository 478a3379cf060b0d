/**
 * P8 (disk engine): the default store (a data directory) at scale. Side by side in one run, through the driver:
 * bulk insert rate next to its floor (JSON.parse + BSON serialize of the same documents), the store's peak
 * resident memory split into anonymous (heap, native) and file-backed (LMDB's map: page cache) pages, lookup by an
 * indexed `traceId` and a range query sorted on an indexed `startTime` at the large size ÷ the small size, and the
 * time to restart on the full data directory and answer `ping` next to a start on an empty one; and (reported, not
 * judged) an index built on the large collection while another connection pings the store in a loop: the longest
 * ping against the build's duration (an index build that blocked the store would make them equal).
 *
 * Layout: the store runs alone in a worker process with a data directory on the temp disk; driver in the parent.
 * The large size is 1M documents in the full suite, or `P8_DOCS` (5M: about 3 GB of BSON); it shrinks to what the
 * temp disk can hold.
 */
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Collection } from 'mongodb';
import { Prng, TrafficGenerator } from '../../src/demo';
import { forkWorker, type WorkerHandle } from '../harness/child';
import { median, msSince } from '../harness/stats';
import type { RunOptions, Scenario, ScenarioResult } from '../harness/types';
import { fmtCount as fmt, LOAD_BATCH as BATCH, lookupRunner, SpanDocLoader, timedRun, type ScaleSizes } from '../load/span-loader';
import { SpanDocStream, type SpanDoc } from '../load/span-docs';
import type { ProcessFigures } from '../workers/protocol';
import type { MemoryPeak, StoreDiskReady } from '../workers/store-disk';

const GOALS = { insertVsFloor: 0.8, peakAnonMb: 512, lookupRatio: 1.5, rangeRatio: 2, restartMs: 3000 };
/** Disk the data directory needs per document (BSON, two indexes, LMDB page slack), to size the run. */
const DISK_BYTES_PER_DOC = 1600;

// 1M in the full suite, to keep `npm run bench` near 12 minutes on 2 cores; P8_DOCS=5000000 for the 5M scale (~20 minutes here).
const FULL: ScaleSizes = { small: 10_000, large: 1_000_000, runs: 5, lookupsPerRun: 200, warmup: 100, loadBudgetMs: 40 * 60_000 };
const QUICK: ScaleSizes = { small: 10_000, large: 100_000, runs: 3, lookupsPerRun: 50, warmup: 20, loadBudgetMs: 120_000 };

export const p8Scale: Scenario = {
  id: 'P8',
  title: 'default store at scale: insert vs floor, memory, lookup and range at large ÷ small, restart',
  goal: `lookup ≤ ${GOALS.lookupRatio}, range ≤ ${GOALS.rangeRatio}, insert ≥ ${GOALS.insertVsFloor} of floor, anon RSS ≤ ${GOALS.peakAnonMb} MB, restart ≤ ${GOALS.restartMs / 1000} s`,
  run: runP8,
};

async function runP8(options: RunOptions): Promise<ScenarioResult> {
  const sz = { ...(options.quick ? QUICK : FULL) };
  const requested = process.env.P8_DOCS ? Number(process.env.P8_DOCS) : sz.large;
  if (!Number.isSafeInteger(requested) || requested < sz.small) throw new Error(`P8_DOCS must be an integer ≥ ${sz.small}, got '${process.env.P8_DOCS}'`);
  const base = tmpdir();
  const fs = statfsSync(base);
  const fits = Math.floor((fs.bavail * fs.bsize * 0.8) / DISK_BYTES_PER_DOC);
  sz.large = Math.max(sz.small, Math.min(requested, fits));
  const dataDir = mkdtempSync(join(base, 'tg-p8-'));
  const conditions =
    `one store with a data directory (${base}), two collections of ${fmt(sz.small)} and ${fmt(sz.large)} demo span docs${sz.large < requested ? ` (shrunk from ${fmt(requested)} to fit the disk)` : ''}, ` +
    `insertMany batches of ${BATCH}, indexes {traceId:1} and {startTime:1}; lookup find({traceId}) and range find({startTime:{$gte}}).sort({startTime:1}).limit(50), ` +
    `${sz.warmup} warm-up each, ${sz.runs} alternating runs x ${sz.lookupsPerRun} per size, median of per-run p50; restart: fork to first ping, next to an empty directory; index build {service:1,startTime:-1} on the large collection while another connection pings in a loop (longest ping ÷ build time, reported); store in its own process`;
  let store: WorkerHandle<StoreDiskReady> | undefined = await forkWorker<StoreDiskReady>('store-disk', { args: { dataDir }, cpuProfDir: options.cpuProfDir, label: 'P8' });
  let client = new MongoClient(store.ready.uri);
  try {
    await client.connect();
    const db = client.db('bench_p8');
    const smallColl = db.collection<SpanDoc>('spans_small');
    const largeColl = db.collection<SpanDoc>('spans_large');
    for (const c of [smallColl, largeColl]) {
      await c.createIndex({ traceId: 1 });
      await c.createIndex({ startTime: 1 });
    }
    const smallStream = new SpanDocStream(new TrafficGenerator({ seed: 'p8-small' }));
    const largeStream = new SpanDocStream(new TrafficGenerator({ seed: 'p8-large' }));
    const smallLoad = new SpanDocLoader(smallColl, smallStream, options, sz.loadBudgetMs, 'P8');
    await smallLoad.loadTo(sz.small);
    const loader = new SpanDocLoader(largeColl, largeStream, options, sz.loadBudgetMs, 'P8');
    const cpuBefore = await store.call<ProcessFigures>('figures');
    await loader.loadTo(sz.large);
    const cpuAfter = await store.call<ProcessFigures>('figures');
    // The store's own CPU per document loaded (the loader sends nothing else meanwhile): steadier than the rate
    // on a loaded machine.
    const storeCpuUsPerDoc = (cpuAfter.cpuUs - cpuBefore.cpuUs) / Math.max(1, loader.loaded);
    const memory = await store.call<MemoryPeak>('memory');

    const lookupSmall = lookupRunner(smallColl, smallStream.traceIds, 'p8-small');
    const lookupLarge = lookupRunner(largeColl, largeStream.traceIds, 'p8-large');
    const rangeSmall = rangeRunner(smallColl, smallLoad.timeSpan(), 'small');
    const rangeLarge = rangeRunner(largeColl, loader.timeSpan(), 'large');
    for (let i = 0; i < sz.warmup; i++) {
      await lookupSmall();
      await lookupLarge();
      await rangeSmall();
      await rangeLarge();
    }
    const runs = { lookupSmall: [] as number[], lookupLarge: [] as number[], rangeSmall: [] as number[], rangeLarge: [] as number[] };
    for (let r = 0; r < sz.runs; r++) {
      runs.lookupSmall.push(await p50Of(lookupSmall, sz.lookupsPerRun));
      runs.lookupLarge.push(await p50Of(lookupLarge, sz.lookupsPerRun));
      runs.rangeSmall.push(await p50Of(rangeSmall, sz.lookupsPerRun));
      runs.rangeLarge.push(await p50Of(rangeLarge, sz.lookupsPerRun));
    }
    const lookupRatio = median(runs.lookupLarge) / median(runs.lookupSmall);
    const rangeRatio = median(runs.rangeLarge) / median(runs.rangeSmall);
    options.progress(`P8 lookup p50 ratio ${lookupRatio.toFixed(2)}, range p50 ratio ${rangeRatio.toFixed(2)}`);
    const build = await indexBuildStall(store.ready.uri, largeColl);
    options.progress(`P8 index build ${Math.round(build.buildMs)} ms, longest ping meanwhile ${build.maxPingMs.toFixed(1)} ms (ratio ${build.stallRatio.toFixed(4)})`);

    // Restart on the full directory, next to a start on an empty one.
    await client.close();
    await store.stop();
    store = undefined;
    const restart = await timedStart(dataDir);
    client = restart.client;
    store = restart.store;
    const stillThere = await client.db('bench_p8').collection<SpanDoc>('spans_large').countDocuments({ traceId: largeStream.traceIds[0]! });
    if (stillThere === 0) throw new Error('P8 after restart the first loaded trace is gone: the store lost data');
    const emptyDir = mkdtempSync(join(base, 'tg-p8-empty-'));
    const empty = await timedStart(emptyDir);
    await empty.client.close();
    await empty.store.stop();
    rmSync(emptyDir, { recursive: true, force: true });

    const insertRate = median(loader.chunkRates);
    const floorRate = loader.floorDocsPerSec();
    const insertVsFloor = insertRate / floorRate;
    const complete = loader.loaded >= sz.large;
    const pass =
      complete &&
      lookupRatio <= GOALS.lookupRatio &&
      rangeRatio <= GOALS.rangeRatio &&
      insertVsFloor >= GOALS.insertVsFloor &&
      memory.rssAnonBytes <= GOALS.peakAnonMb * 2 ** 20 &&
      restart.ms <= GOALS.restartMs;
    return {
      id: p8Scale.id,
      title: p8Scale.title,
      goal: p8Scale.goal,
      value: lookupRatio,
      pass,
      conditions,
      details: {
        docsLoaded: loader.loaded,
        ...(complete ? {} : { incomplete: `load stopped at ${loader.loaded} of ${sz.large} docs: time budget ${sz.loadBudgetMs / 1000} s spent` }),
        lookupRatio,
        rangeRatio,
        lookupP50UsSmall: median(runs.lookupSmall),
        lookupP50UsLarge: median(runs.lookupLarge),
        rangeP50UsSmall: median(runs.rangeSmall),
        rangeP50UsLarge: median(runs.rangeLarge),
        insertDocsPerSec: insertRate,
        floorDocsPerSec: floorRate,
        insertVsFloor,
        storeCpuUsPerDoc,
        avgBsonBytesPerDoc: loader.bsonBytes / loader.floorDocs,
        peakRssMb: memory.rssBytes / 2 ** 20,
        peakRssAnonMb: memory.rssAnonBytes / 2 ** 20,
        peakRssFileMb: memory.rssFileBytes / 2 ** 20,
        restartToPingMs: restart.ms,
        emptyStartToPingMs: empty.ms,
        insertChunkRates: loader.chunkRates.map(Math.round),
        indexBuildMs: build.buildMs,
        indexBuildPings: build.pings,
        indexBuildMaxPingMs: build.maxPingMs,
        indexBuildStallRatio: build.stallRatio,
        pingP50MsIdle: build.idlePingP50Ms,
        pingP50MsDuringBuild: build.pingP50Ms,
      },
    };
  } finally {
    await client.close().catch(() => undefined);
    await store?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Builds `{service: 1, startTime: -1}` on `coll` while another client pings the store one ping after the other:
 * the build's duration, the pings answered meanwhile, their p50 and longest round trip (next to the p50 of 200
 * pings before the build), and the longest ping ÷ the build's duration (1 when the build blocks the store).
 */
async function indexBuildStall(uri: string, coll: Collection<SpanDoc>): Promise<{ buildMs: number; pings: number; pingP50Ms: number; maxPingMs: number; idlePingP50Ms: number; stallRatio: number }> {
  const pinger = new MongoClient(uri);
  try {
    await pinger.connect();
    const admin = pinger.db('admin');
    const ping = async (): Promise<number> => {
      const t0 = process.hrtime.bigint();
      await admin.command({ ping: 1 });
      return msSince(t0);
    };
    const idle: number[] = [];
    for (let i = 0; i < 200; i++) idle.push(await ping());
    let building = true;
    const during: number[] = [];
    const loop = (async () => {
      while (building) during.push(await ping());
    })();
    const t0 = process.hrtime.bigint();
    try {
      await coll.createIndex({ service: 1, startTime: -1 }, { name: 'p8_index_build' });
    } finally {
      building = false;
      await loop;
    }
    const buildMs = msSince(t0);
    const maxPingMs = Math.max(0, ...during);
    return { buildMs, pings: during.length, pingP50Ms: median(during), maxPingMs, idlePingP50Ms: median(idle), stallRatio: maxPingMs / buildMs };
  } finally {
    await pinger.close();
  }
}

// Private: forks the store on `dataDir` and times it until `ping` answers.
async function timedStart(dataDir: string): Promise<{ ms: number; store: WorkerHandle<StoreDiskReady>; client: MongoClient }> {
  const t0 = process.hrtime.bigint();
  const store = await forkWorker<StoreDiskReady>('store-disk', { args: { dataDir } });
  const client = new MongoClient(store.ready.uri);
  await client.connect();
  await client.db('admin').command({ ping: 1 });
  return { ms: msSince(t0), store, client };
}

// Private: the 50 spans starting at or after a random instant of the loaded span, in startTime order.
function rangeRunner(coll: Collection<SpanDoc>, span: { from: number; to: number }, label: string): () => Promise<number> {
  const rng = new Prng(`p8-range-${label}`);
  return async () => {
    const from = new Date(span.from + Math.floor(rng.next() * Math.max(1, (span.to - span.from) * 0.9)));
    const t0 = process.hrtime.bigint();
    const found = await coll.find({ startTime: { $gte: from } }).sort({ startTime: 1 }).limit(50).toArray();
    const us = msSince(t0) * 1000;
    if (found.length === 0) throw new Error(`P8 range query from ${from.toISOString()} (${label}) found nothing`);
    return us;
  };
}

async function p50Of(once: () => Promise<number>, n: number): Promise<number> {
  return (await timedRun(once, n)).p50;
}
