/**
 * P5: requests/s of a nested query (traces -> spans -> service, parent, children) through the gateway ÷
 * requests/s of a hand-written REST endpoint serving the same page from the same store with the raw driver
 * (baselines/rest-traces.ts). A bare Apollo Server hello-world runs alongside; its ratio is reported, not judged.
 * So does the same REST endpoint reading its finds as find commands, as the gateway's store does
 * (`restCommandRatio`): the judged baseline reads them as a hand-written endpoint does, through the driver's
 * cursor, which costs more client CPU per document.
 *
 * Layout: the store, the gateway, the REST endpoint and the hello-world each in a worker process; the closed-loop
 * load generator (keep-alive http.Agent) in the parent. Before the timed runs one reply of the gateway and one
 * of each REST endpoint are compared: a baseline that serves other data is no baseline, so a difference fails
 * the scenario. Runs alternate gateway, REST, REST with command reads, hello-world; every reply is checked, and
 * errors fail the scenario.
 */
import { TrafficGenerator, keepAliveAgent, postJson } from '../../src/demo';
import { pageDifference } from '../baselines/rest-traces';
import { forkWorker, type WorkerHandle } from '../harness/child';
import { startGatewayFixture } from '../harness/fixture';
import { median, percentile } from '../harness/stats';
import type { RunOptions, Scenario, ScenarioResult } from '../harness/types';
import { graphqlOk, runLoad, type LoadResult } from '../load/http-load';
import type { HelloReady } from '../workers/hello';
import type { ProcessFigures } from '../workers/protocol';
import type { RestTracesArgs, RestTracesReady } from '../workers/rest-traces';
import { BENCH_MAX_COST, NESTED_QUERY } from './p3-commands';

const GOAL = 0.7;
const CONCURRENCY = 8;
const PAGE = 10;
const SEEDED_TRACES = 100;

interface Sizes {
  runs: number;
  durationMs: number;
  warmupMs: number;
}
const FULL: Sizes = { runs: 5, durationMs: 4_000, warmupMs: 1_000 };
const QUICK: Sizes = { runs: 3, durationMs: 1_000, warmupMs: 300 };

export const p5NestedRps: Scenario = {
  id: 'P5',
  title: 'nested-query req/s ÷ raw REST endpoint serving the same page',
  goal: `≥ ${GOAL}`,
  run: runP5,
};

interface Side {
  name: string;
  worker: WorkerHandle<unknown>;
  load(durationMs: number): Promise<LoadResult>;
  results: LoadResult[];
  cpuMsPerReq: number[];
}

async function runP5(options: RunOptions): Promise<ScenarioResult> {
  const sz = options.quick ? QUICK : FULL;
  const conditions =
    `${SEEDED_TRACES} demo traces stored; query traces(first: ${PAGE}) { pageInfo, nodes { id spans { spanId operation service { name } parent { spanId } children { spanId } } } } (~${PAGE * 8} spans per reply); ` +
    `baseline: node:http POST /traces in its own worker, raw driver on the same store: traces find (projection startUs, sort startUs/_id desc, limit ${PAGE + 1}) + spans find ` +
    `(traceId $in, projection of the 6 fields used), nested by hand, JSON.stringify, finds read through the driver's cursor (find().toArray()); ` +
    `reported too: the same endpoint reading its finds as find commands (db.command), as the gateway's store does; one reply of each compared before the runs; ` +
    `closed loop, ${CONCURRENCY} keep-alive clients, ${sz.warmupMs} ms warm-up each, ${sz.runs} alternating runs of ${sz.durationMs} ms each (gateway, REST, REST with command reads, hello-world); ` +
    `each server in its own process, load generator in the parent; query cost limit raised to ${BENCH_MAX_COST}`;
  const fx = await startGatewayFixture('bench_p5', { cpuProfDir: options.cpuProfDir, label: 'P5', maxCost: BENCH_MAX_COST });
  const started: WorkerHandle<unknown>[] = [];
  try {
    const restArgs: RestTracesArgs = { storeUri: fx.store.ready.uri, dbName: fx.dbName };
    const rest = await forkWorker<RestTracesReady>('rest-traces', { args: restArgs, cpuProfDir: options.cpuProfDir, label: 'P5' });
    started.push(rest);
    const restCommandArgs: RestTracesArgs = { ...restArgs, reads: 'command' };
    const restCommand = await forkWorker<RestTracesReady>('rest-traces', { args: restCommandArgs, cpuProfDir: options.cpuProfDir, label: 'P5' });
    started.push(restCommand);
    const hello = await forkWorker<HelloReady>('hello');
    started.push(hello);

    const startMs = Date.now() - 3_600_000;
    const gen = new TrafficGenerator({ seed: 'p5', startTimeMs: startMs });
    const spans = [];
    for (let i = 0; i < SEEDED_TRACES; i++) spans.push(...gen.nextTrace(startMs + i).spans);
    await fx.seed(spans);

    const nestedBody = JSON.stringify({ query: NESTED_QUERY, variables: { first: PAGE } });
    const restBody = JSON.stringify({ first: PAGE });
    const helloBody = JSON.stringify({ query: '{ hello }' });

    // The same page from both, compared once: the baseline must serve what the gateway serves.
    const agent = keepAliveAgent(1);
    let sameSpans: number;
    try {
      const gwReply = await postJson(new URL(fx.gateway.ready.url), nestedBody, agent, 30_000);
      const restReply = await postJson(new URL(rest.ready.url), restBody, agent, 30_000);
      const restCommandReply = await postJson(new URL(restCommand.ready.url), restBody, agent, 30_000);
      for (const [name, reply] of [['REST', restReply], ['REST with command reads', restCommandReply]] as const) {
        const problem = graphqlOk(gwReply) ?? (reply.status === 200 ? pageDifference(gwReply.body, reply.body) : `HTTP ${reply.status}: ${reply.body.slice(0, 200)}`);
        if (problem) throw new Error(`P5 baseline (${name}) does not serve the gateway's page: ${problem}`);
      }
      sameSpans = (JSON.parse(restReply.body) as { traces: { nodes: { spans: unknown[] }[] } }).traces.nodes.reduce((n, t) => n + t.spans.length, 0);
    } finally {
      agent.destroy();
    }

    const pageCheck = (nodes: (body: string) => unknown[]) => (reply: Parameters<typeof graphqlOk>[0]): string | undefined => {
      if (reply.status !== 200) return `HTTP ${reply.status}: ${reply.body.slice(0, 200)}`;
      const n = nodes(reply.body).length;
      return n === PAGE ? undefined : `expected ${PAGE} traces, received ${n}`;
    };
    const gatewayCheck = (reply: Parameters<typeof graphqlOk>[0]): string | undefined =>
      graphqlOk(reply) ?? pageCheck((b) => (JSON.parse(b) as { data: { traces: { nodes: unknown[] } } }).data.traces.nodes)(reply);
    const restCheck = pageCheck((b) => (JSON.parse(b) as { traces: { nodes: unknown[] } }).traces.nodes);
    const side = (name: string, worker: WorkerHandle<unknown>, url: string, body: string, check: (r: Parameters<typeof graphqlOk>[0]) => string | undefined): Side => ({
      name, worker, results: [], cpuMsPerReq: [],
      load: (durationMs) => runLoad({ url, bodies: [body], reuse: true, concurrency: CONCURRENCY, durationMs, warmupMs: 0, check }),
    });
    const sides = [
      side('gateway', fx.gateway, fx.gateway.ready.url, nestedBody, gatewayCheck),
      side('rest', rest, rest.ready.url, restBody, restCheck),
      side('rest-command', restCommand, restCommand.ready.url, restBody, restCheck),
      side('hello', hello, hello.ready.url, helloBody, graphqlOk),
    ];
    const [gw, rs, rc, hw] = sides as [Side, Side, Side, Side];
    for (const s of sides) await s.load(sz.warmupMs);
    // CPU of the server process per measured request; warm-ups run before, outside the CPU window.
    for (let r = 0; r < sz.runs; r++) {
      for (const s of sides) {
        const before = await s.worker.call<ProcessFigures>('figures');
        const result = await s.load(sz.durationMs);
        const after = await s.worker.call<ProcessFigures>('figures');
        s.results.push(result);
        s.cpuMsPerReq.push((after.cpuUs - before.cpuUs) / 1000 / Math.max(1, result.requests));
      }
      options.progress(`P5 run ${r + 1}/${sz.runs}: ${sides.map((s) => `${s.name} ${s.results[r]!.requestsPerSec.toFixed(0)} req/s`).join(', ')}`);
    }
    const all = sides.flatMap((s) => s.results);
    const errors = all.reduce((a, x) => a + x.errors, 0);
    const firstError = all.find((x) => x.firstError)?.firstError;
    const ratios = (over: Side): number[] => gw.results.map((g, i) => g.requestsPerSec / over.results[i]!.requestsPerSec);
    const value = median(ratios(rs));
    const rps = (s: Side): number => median(s.results.map((x) => x.requestsPerSec));
    const p99 = (s: Side): number => median(s.results.map((x) => percentile(x.latenciesMs, 99)));
    return {
      id: p5NestedRps.id, title: p5NestedRps.title, goal: p5NestedRps.goal,
      value,
      pass: errors === 0 && value >= GOAL,
      conditions,
      details: {
        nestedReqPerSec: rps(gw),
        restReqPerSec: rps(rs),
        helloReqPerSec: rps(hw),
        helloRatio: median(ratios(hw)),
        restCommandReqPerSec: rps(rc),
        restCommandRatio: median(ratios(rc)),
        restCommandCpuRatio: median(rc.cpuMsPerReq) / median(gw.cpuMsPerReq),
        nestedP99Ms: p99(gw),
        restP99Ms: p99(rs),
        helloP99Ms: p99(hw),
        nestedServerCpuMsPerReq: median(gw.cpuMsPerReq),
        restServerCpuMsPerReq: median(rs.cpuMsPerReq),
        // The REST endpoint's CPU per request ÷ the gateway's (reported, not judged): load on a shared machine
        // disturbs CPU time less than it disturbs a closed-loop throughput.
        cpuRatio: median(rs.cpuMsPerReq) / median(gw.cpuMsPerReq),
        restCommandServerCpuMsPerReq: median(rc.cpuMsPerReq),
        helloServerCpuMsPerReq: median(hw.cpuMsPerReq),
        spansPerReply: sameSpans,
        errors,
        ...(firstError ? { firstError } : {}),
        runRatios: ratios(rs).map((x) => Math.round(x * 1000) / 1000),
        restCommandRunRatios: ratios(rc).map((x) => Math.round(x * 1000) / 1000),
        helloRunRatios: ratios(hw).map((x) => Math.round(x * 10000) / 10000),
      },
    };
  } finally {
    for (const w of started.reverse()) await w.stop();
    await fx.stop();
  }
}
