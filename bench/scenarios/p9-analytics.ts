/**
 * P9: cost of the stats queries as stored data grows: p50 latency of `serviceGraph` and of `Service.stats` over
 * 24 h with a large number of stored spans ÷ the same with 10k. The queries read rollup buckets, never spans.
 * P1A: ingest spans/s through `submitSpans` with analytics rollups on ÷ the same with rollups off.
 *
 * Layout: one store worker, gateway workers as `npm start` wires them (one per database / setting), load and
 * queries from the parent. Query samples alternate between the two sizes; ingest runs alternate on and off.
 */
import { keepAliveAgent, SpanSubmitter, submitSpansBody, TrafficGenerator } from '../../src/demo';
import type { SpanInput } from '../../src/generated/graphql';
import { forkWorker, type WorkerHandle } from '../harness/child';
import { measureIngestOnOff } from '../harness/on-off';
import { msSince, percentile } from '../harness/stats';
import type { RunOptions, Scenario, ScenarioResult } from '../harness/types';
import { sendAll } from '../load/ingest';
import type { IngestBatch } from '../load/span-bodies';
import type { GatewayArgs, GatewayReady } from '../workers/gateway';
import type { StoreReady } from '../workers/store';

const P9_GOAL = 1.5;
const P1A_GOAL = 0.85;
const BATCH = 500;
const DAY_MS = 86_400_000;

interface Sizes {
  small: number;
  large: number;
  samples: number;
  runs: number;
  batchesPerRun: number;
}
// The scale is 1M ÷ 10k; the full run uses 100k ÷ 10k to fit a shared 2-core machine (the result says so).
const FULL: Sizes = { small: 10_000, large: 100_000, samples: 30, runs: 5, batchesPerRun: 20 };
const QUICK: Sizes = { small: 5_000, large: 20_000, samples: 8, runs: 2, batchesPerRun: 4 };

export const p9StatsQueries: Scenario = {
  id: 'P9',
  title: 'serviceGraph / Service.stats over 24 h: p50 with many stored spans ÷ with 10k',
  goal: `≤ ${P9_GOAL}`,
  run: runP9,
};

export const p1Analytics: Scenario = {
  id: 'P1A',
  title: 'ingest spans/s with analytics rollups on ÷ off',
  goal: `≥ ${P1A_GOAL}`,
  run: runP1A,
};

const GRAPH = `query($from: DateTime!, $to: DateTime!) { serviceGraph(from: $from, to: $to) { nodes { service { name } stats { calls errors p50Us p99Us } } edges { source { name } target { name } stats { calls errors p99Us } } } }`;
// `order` is in every demo trace (one call each, between the edge and the services it calls, with the declined and
// timed-out outcomes among its errors), so its minute buckets are as dense as the traffic: at 100k spans every
// minute of the 24 h has calls, at 10k about 1,000 of the 1,440.
const STATS_SERVICE = 'order';
const STATS = `query($from: DateTime!, $to: DateTime!) { service(name: "${STATS_SERVICE}") { stats(from: $from, to: $to) { totals { calls p99Us } series { start calls errors p99Us } } } }`;

interface GraphReply {
  serviceGraph?: { nodes: { stats: { calls: number } }[] } | null;
}
interface StatsReply {
  service?: { stats: { totals: { calls: number }; series: unknown[] } } | null;
}

async function runP9(options: RunOptions): Promise<ScenarioResult> {
  const sz = options.quick ? QUICK : FULL;
  const store = await forkWorker<StoreReady>('store', { maxOldSpaceMb: 8192, cpuProfDir: options.cpuProfDir, label: 'P9' });
  const gateways: WorkerHandle<GatewayReady>[] = [];
  const agent = keepAliveAgent(8);
  try {
    const endMs = Math.floor(Date.now() / 60_000) * 60_000;
    const fromMs = endMs - DAY_MS;
    const load = async (spans: number, db: string): Promise<string> => {
      const gw = await forkWorker<GatewayReady>('gateway', { args: { storeUri: store.ready.uri, dbName: db, maxCost: 100_000 } satisfies GatewayArgs, cpuProfDir: options.cpuProfDir, label: `P9-${db}` });
      gateways.push(gw);
      const submitter = new SpanSubmitter({ url: gw.ready.url, agent, maxAttempts: 20, baseDelayMs: 20 });
      const gen = new TrafficGenerator({ seed: `p9-${db}` });
      const spaced = spreadBatches(gen, spans, BATCH, fromMs, DAY_MS);
      for (let i = 0; i < spaced.length; i += 40) {
        await sendAll(submitter, spaced.slice(i, i + 40));
        options.progress(`P9 ${db}: ${Math.min(spans, (i + 40) * BATCH)} of ${spans} spans stored`);
      }
      return gw.ready.url;
    };
    const smallUrl = await load(sz.small, 'bench_p9_small');
    const largeUrl = await load(sz.large, 'bench_p9_large');
    const variables = { from: new Date(fromMs).toISOString(), to: new Date(endMs).toISOString() };
    const points = (endMs - fromMs) / 60_000;
    const statsCalls: Record<string, number> = {};
    // Every reply is checked after its time is taken: a query that finds nothing is never measured.
    const timed = async (url: string, query: string, size: string): Promise<number> => {
      const t0 = process.hrtime.bigint();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as { data?: GraphReply & StatsReply; errors?: { message: string }[] };
      const ms = msSince(t0);
      if (body.errors) throw new Error(`P9 query failed: ${body.errors[0]!.message}`);
      if (query === STATS) statsCalls[size] = checkStats(body.data, size, points);
      else checkGraph(body.data, size);
      return ms;
    };
    const samples: Record<string, number[]> = { graphSmall: [], graphLarge: [], statsSmall: [], statsLarge: [] };
    for (const [url, size] of [[smallUrl, 'small'], [largeUrl, 'large']] as const) for (const q of [GRAPH, STATS]) await timed(url, q, size); // warm-up
    for (let i = 0; i < sz.samples; i++) {
      samples.graphSmall!.push(await timed(smallUrl, GRAPH, 'small'));
      samples.graphLarge!.push(await timed(largeUrl, GRAPH, 'large'));
      samples.statsSmall!.push(await timed(smallUrl, STATS, 'small'));
      samples.statsLarge!.push(await timed(largeUrl, STATS, 'large'));
    }
    const p50 = (k: string) => percentile(samples[k]!, 50);
    const graphRatio = p50('graphLarge') / p50('graphSmall');
    const statsRatio = p50('statsLarge') / p50('statsSmall');
    const value = Math.max(graphRatio, statsRatio);
    return {
      id: p9StatsQueries.id,
      title: p9StatsQueries.title,
      goal: p9StatsQueries.goal,
      value,
      pass: value <= P9_GOAL,
      conditions:
        `${sz.large} ÷ ${sz.small} demo spans stored through the gateway (rollups on), start times spread over the last 24 h; ` +
        `${sz.samples} alternating samples per query and size after one warm-up each; serviceGraph (nodes and edges with calls, errors, p50, p99) ` +
        `and service(${STATS_SERVICE}).stats(stepSeconds 60: ${points} points, totals and series; every reply checked to hold the service with calls); ` +
        `value = the larger of the two p50 ratios; store and gateways in their own processes`,
      details: {
        graphRatio: round2(graphRatio),
        statsRatio: round2(statsRatio),
        statsCallsSmall: statsCalls.small,
        statsCallsLarge: statsCalls.large,
        p50Ms: Object.fromEntries(Object.keys(samples).map((k) => [k, round2(p50(k))])),
      },
    };
  } finally {
    agent.destroy();
    for (const gw of gateways) await gw.stop();
    await store.stop();
  }
}

async function runP1A(options: RunOptions): Promise<ScenarioResult> {
  const sz = options.quick ? QUICK : FULL;
  const m = await measureIngestOnOff(
    { label: 'P1A', on: { TRACEGATE_STATS: 'on' }, off: { TRACEGATE_STATS: 'off' }, dbPrefix: 'bench_p1a', seed: 'p1a', runs: sz.runs, batchesPerRun: sz.batchesPerRun, warmupBatches: 4 },
    options,
  );
  return {
    id: p1Analytics.id, title: p1Analytics.title, goal: p1Analytics.goal, value: m.ratio, pass: m.ratio >= P1A_GOAL,
    conditions: `on: TRACEGATE_STATS=on (rollups written); off: TRACEGATE_STATS=off; ${m.conditions}`,
    details: m.details,
  };
}

// Private: the `service(...).stats` reply of the `size` database checked to name the service with calls over
// `points` points; its total calls.
function checkStats(data: StatsReply | undefined, size: string, points: number): number {
  const stats = data?.service?.stats;
  if (!stats) {
    throw new Error(`P9: expected service "${STATS_SERVICE}" in the ${size} database's stats reply, received ${JSON.stringify(data?.service ?? null)}`);
  }
  if (!(stats.totals.calls > 0)) {
    throw new Error(`P9: expected calls of service "${STATS_SERVICE}" over the 24 h in the ${size} database, received totals.calls = ${stats.totals.calls}`);
  }
  if (stats.series.length !== points) {
    throw new Error(`P9: expected ${points} series points of service "${STATS_SERVICE}" in the ${size} database, received ${stats.series.length}`);
  }
  return stats.totals.calls;
}

// Private: the serviceGraph reply of the `size` database checked to hold services with calls.
function checkGraph(data: GraphReply | undefined, size: string): void {
  const nodes = data?.serviceGraph?.nodes ?? [];
  if (!nodes.some((n) => n.stats.calls > 0)) {
    throw new Error(`P9: expected services with calls in the ${size} database's serviceGraph reply, received ${nodes.length} nodes and no calls`);
  }
}

// Private: batches of `size` spans from traces whose starts are spread evenly over [fromMs, fromMs + spanMs).
function spreadBatches(gen: TrafficGenerator, spans: number, size: number, fromMs: number, spanMs: number): IngestBatch[] {
  // Demo traces average about 10 spans; the estimate only sets the spacing, the count is exact.
  const spacing = spanMs / Math.max(1, spans / 10);
  const pool: SpanInput[] = [];
  let t = fromMs;
  while (pool.length < spans) {
    pool.push(...gen.nextTrace(t).spans);
    t = Math.min(t + spacing, fromMs + spanMs - 60_000);
  }
  const out: IngestBatch[] = [];
  for (let i = 0; i < spans; i += size) {
    const batch = pool.slice(i, Math.min(i + size, spans));
    out.push({ spans: batch, body: submitSpansBody(batch) });
  }
  return out;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
