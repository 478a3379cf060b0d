/**
 * P1: spans/s stored through `submitSpans` (batches of 500, concurrent clients) ÷ spans/s of raw driver
 * `insertMany` of the same spans, as documents, into the same store (a collection with the gateway's span indexes).
 * P2: the gateway's own CPU per span during P1 ÷ (JSON.parse + BSON serialize) of the same span.
 *
 * Layout: store worker, gateway worker, load generator and raw driver in the parent. Gateway and raw runs
 * alternate, each on fresh spans; the ratio is taken per run pair and its median reported.
 */
import { serialize } from 'bson';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { keepAliveAgent, SpanSubmitter, TrafficGenerator } from '../../src/demo';
import { DEFAULT_INGEST_LIMITS, validateSpans } from '../../src/domain';
import { INDEXES } from '../../src/store';
// The gateway's own document mapping, so the raw baseline writes exactly the documents the gateway writes.
import { toSpanDoc } from '../../src/store/mongo/documents';
import { forkWorker, type WorkerHandle } from '../harness/child';
import { median, msSince } from '../harness/stats';
import type { RunOptions, Scenario, ScenarioResult } from '../harness/types';
import { INGEST_CONCURRENCY as CONCURRENCY, sendAll } from '../load/ingest';
import { ingestBatches, type IngestBatch } from '../load/span-bodies';
import type { GatewayArgs, GatewayReady } from '../workers/gateway';
import type { ProcessFigures } from '../workers/protocol';
import type { StoreReady } from '../workers/store';

const BATCH = 500;
const P1_GOAL = 0.65;
const P2_GOAL = 4;
const GATEWAY_DB = 'bench_ingest';

interface Sizes {
  batchesPerRun: number;
  runs: number;
  warmupBatches: number;
}
const FULL: Sizes = { batchesPerRun: 30, runs: 5, warmupBatches: 10 };
const QUICK: Sizes = { batchesPerRun: 4, runs: 3, warmupBatches: 2 };

export const p1Ingest: Scenario = {
  id: 'P1',
  title: 'ingest spans/s via submitSpans ÷ raw driver insertMany',
  goal: `≥ ${P1_GOAL}`,
  run: (o) => measureIngest(o).then((m) => m.p1),
};

export const p2IngestCpu: Scenario = {
  id: 'P2',
  title: 'gateway CPU µs/span during P1 ÷ (JSON.parse + BSON serialize) µs/span',
  goal: `≤ ${P2_GOAL}`,
  run: (o) => measureIngest(o).then((m) => m.p2),
};

// P1 and P2 come from the same runs; the first of the two to run measures, the other reuses it.
let shared: Promise<{ p1: ScenarioResult; p2: ScenarioResult }> | undefined;
function measureIngest(o: RunOptions): Promise<{ p1: ScenarioResult; p2: ScenarioResult }> {
  shared ??= runIngest(o);
  return shared;
}

interface RunFigures {
  gatewaySpansPerSec: number;
  rawSpansPerSec: number;
  gatewayCpuUsPerSpan: number;
  floorUsPerSpan: number;
  /**
   * The raw side's client CPU per span (the parent's, around its insertMany calls only): what a client of the
   * bare driver pays to send the same documents, socket and driver work the floor does not count.
   */
  rawClientCpuUsPerSpan: number;
  /** The store process's CPU per span while the gateway stored the run, and while the raw side inserted it. */
  storeCpuUsPerGatewaySpan: number;
  storeCpuUsPerRawSpan: number;
}

async function runIngest(options: RunOptions): Promise<{ p1: ScenarioResult; p2: ScenarioResult }> {
  const sz = options.quick ? QUICK : FULL;
  // BENCH_METRICS=off measures the gateway without metrics (docs/operations.md quotes the on/off ratio),
  // BENCH_STATS=off without the analytics rollups (docs/performance.md quotes what they cost P1).
  const gatewayEnv = { TRACEGATE_METRICS: process.env.BENCH_METRICS ?? 'on', TRACEGATE_STATS: process.env.BENCH_STATS ?? 'on' };
  const conditions =
    `${sz.runs} alternating run pairs of ${sz.batchesPerRun} x ${BATCH} fresh demo spans, ${CONCURRENCY} concurrent clients, ` +
    `warm-up ${sz.warmupBatches} batches each; gateway: HTTP keep-alive submitSpans (retrying RATE_LIMITED like a service); ` +
    `raw: insertMany(ordered:false) of the gateway's own span documents for the same spans into a collection with the gateway's span indexes ` +
    `(the gateway also keeps trace and service summaries: that is the work the ratio prices); ` +
    `store, gateway and load generator in 3 processes` +
    (gatewayEnv.TRACEGATE_METRICS !== 'on' || gatewayEnv.TRACEGATE_STATS !== 'on' ? `; gateway with TRACEGATE_METRICS=${gatewayEnv.TRACEGATE_METRICS}, TRACEGATE_STATS=${gatewayEnv.TRACEGATE_STATS}` : '');
  const store = await forkWorker<StoreReady>('store', { maxOldSpaceMb: 8192, cpuProfDir: options.cpuProfDir, label: 'P1' });
  let gateway: WorkerHandle<GatewayReady> | undefined;
  const client = new MongoClient(store.ready.uri);
  const agent = keepAliveAgent(CONCURRENCY);
  try {
    const gatewayArgs: GatewayArgs = { storeUri: store.ready.uri, dbName: GATEWAY_DB, env: gatewayEnv };
    gateway = await forkWorker<GatewayReady>('gateway', { args: gatewayArgs, cpuProfDir: options.cpuProfDir, label: 'P1' });
    await client.connect();
    const submitter = new SpanSubmitter({ url: gateway.ready.url, agent, maxAttempts: 20, baseDelayMs: 20 });
    const gen = new TrafficGenerator({ seed: 'p1' });
    const startMs = Date.now() - 3_600_000;

    const raw = client.db('bench_ingest_raw').collection('spans');
    await raw.createIndexes(INDEXES.spans);

    await sendAll(submitter, ingestBatches(gen, sz.warmupBatches, BATCH, startMs));
    await insertAll(raw, ingestBatches(gen, sz.warmupBatches, BATCH, startMs));
    options.progress('P1/P2 warm-up done');

    const runs: RunFigures[] = [];
    for (let r = 0; r < sz.runs; r++) {
      const gwBatches = ingestBatches(gen, sz.batchesPerRun, BATCH, startMs);
      const rawBatches = ingestBatches(gen, sz.batchesPerRun, BATCH, startMs);
      const spans = sz.batchesPerRun * BATCH;

      const [cpu0, store0] = await Promise.all([gateway.call<ProcessFigures>('figures'), store.call<ProcessFigures>('figures')]);
      const gwMs = await sendAll(submitter, gwBatches);
      const [cpu1, store1] = await Promise.all([gateway.call<ProcessFigures>('figures'), store.call<ProcessFigures>('figures')]);
      const rawInsert = await insertAll(raw, rawBatches);
      const rawMs = rawInsert.ms;
      const store2 = await store.call<ProcessFigures>('figures');
      const fig: RunFigures = {
        gatewaySpansPerSec: spans / (gwMs / 1000),
        rawSpansPerSec: spans / (rawMs / 1000),
        gatewayCpuUsPerSpan: (cpu1.cpuUs - cpu0.cpuUs) / spans,
        floorUsPerSpan: floorUsPerSpan(gwBatches),
        rawClientCpuUsPerSpan: rawInsert.cpuUs / spans,
        storeCpuUsPerGatewaySpan: (store1.cpuUs - store0.cpuUs) / spans,
        storeCpuUsPerRawSpan: (store2.cpuUs - store1.cpuUs) / spans,
      };
      runs.push(fig);
      options.progress(
        `P1/P2 run ${r + 1}/${sz.runs}: gateway ${fig.gatewaySpansPerSec.toFixed(0)} spans/s, raw ${fig.rawSpansPerSec.toFixed(0)} spans/s; ` +
          `gateway CPU ${fig.gatewayCpuUsPerSpan.toFixed(1)} µs/span, floor ${fig.floorUsPerSpan.toFixed(2)} µs/span, raw client ${fig.rawClientCpuUsPerSpan.toFixed(1)} µs/span; ` +
          `store CPU ${fig.storeCpuUsPerGatewaySpan.toFixed(1)} µs/span for the gateway, ${fig.storeCpuUsPerRawSpan.toFixed(1)} for raw`,
      );
    }
    const p1Value = median(runs.map((f) => f.gatewaySpansPerSec / f.rawSpansPerSec));
    const p2Value = median(runs.map((f) => f.gatewayCpuUsPerSpan / f.floorUsPerSpan));
    const p1: ScenarioResult = {
      id: p1Ingest.id, title: p1Ingest.title, goal: p1Ingest.goal, value: p1Value, pass: p1Value >= P1_GOAL, conditions,
      details: {
        gatewaySpansPerSec: median(runs.map((f) => f.gatewaySpansPerSec)),
        rawSpansPerSec: median(runs.map((f) => f.rawSpansPerSec)),
        runRatios: runs.map((f) => round2(f.gatewaySpansPerSec / f.rawSpansPerSec)),
        // What the gateway's statements cost the store per span against the raw insert of the same spans: the
        // part of P1 the gateway's choice of statements decides, and less disturbed by load than throughput.
        storeCpuUsPerGatewaySpan: round2(median(runs.map((f) => f.storeCpuUsPerGatewaySpan))),
        storeCpuUsPerRawSpan: round2(median(runs.map((f) => f.storeCpuUsPerRawSpan))),
        storeCpuRatio: round2(median(runs.map((f) => f.storeCpuUsPerGatewaySpan / f.storeCpuUsPerRawSpan))),
      },
    };
    const p2: ScenarioResult = {
      id: p2IngestCpu.id, title: p2IngestCpu.title, goal: p2IngestCpu.goal, value: p2Value, pass: p2Value <= P2_GOAL,
      conditions: `the gateway runs of P1; gateway process.cpuUsage (user+system) delta ÷ spans stored; floor: process.cpuUsage of JSON.parse of each span's JSON text + BSON serialize of the parsed object, in the parent`,
      details: {
        gatewayCpuUsPerSpan: median(runs.map((f) => f.gatewayCpuUsPerSpan)),
        floorUsPerSpan: median(runs.map((f) => f.floorUsPerSpan)),
        runRatios: runs.map((f) => round2(f.gatewayCpuUsPerSpan / f.floorUsPerSpan)),
        // Reported, not judged: the raw side's client CPU per span (insertMany of the same documents at the same
        // concurrency, the documents built beforehand), and the gateway's CPU per span over it.
        rawClientCpuUsPerSpan: round2(median(runs.map((f) => f.rawClientCpuUsPerSpan))),
        rawClientCpuRatio: round2(median(runs.map((f) => f.gatewayCpuUsPerSpan / f.rawClientCpuUsPerSpan))),
      },
    };
    return { p1, p2 };
  } finally {
    agent.destroy();
    await client.close();
    await gateway?.stop();
    await store.stop();
  }
}

/**
 * The same concurrency of raw insertMany calls of the documents the gateway would write: wall time in ms, and this
 * process's CPU (user + system, µs) while they ran (the documents are built before).
 */
async function insertAll(coll: Collection, batches: readonly IngestBatch[]): Promise<{ ms: number; cpuUs: number }> {
  const receivedAt = new Date();
  const expireAt = new Date(receivedAt.getTime() + 86_400_000);
  const docs = batches.map((b) => {
    const { valid, rejected } = validateSpans(b.spans, DEFAULT_INGEST_LIMITS);
    if (rejected.length) throw new Error(`P1 raw baseline: ${rejected.length} demo spans failed validation: ${rejected[0].message}`);
    return valid.map((v) => toSpanDoc(v.record, receivedAt, expireAt) as unknown as Document);
  });
  let next = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < docs.length) {
        const batch = docs[next++];
        const res = await coll.insertMany(batch, { ordered: false });
        if (res.insertedCount !== batch.length) throw new Error(`P1 raw insertMany stored ${res.insertedCount} of ${batch.length}`);
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { ms: msSince(t0), cpuUs: cpu.user + cpu.system };
}

// Private: the floor of handling one span: parse its JSON text, serialize it as BSON. CPU time (like the
// gateway's figure), not wall time, so a descheduled parent does not inflate the floor.
function floorUsPerSpan(batches: readonly IngestBatch[]): number {
  const texts = batches.flatMap((b) => b.spans.map((s) => JSON.stringify(s)));
  const before = process.cpuUsage();
  let bytes = 0;
  for (const text of texts) bytes += serialize(JSON.parse(text) as Record<string, unknown>).length;
  const used = process.cpuUsage(before);
  if (bytes === 0) throw new Error('floor serialized nothing');
  return (used.user + used.system) / texts.length;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
