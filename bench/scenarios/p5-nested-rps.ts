/**
 * P5: requests/s of a nested query (traces -> spans -> service, parent, children) through the gateway ÷
 * requests/s of a bare Apollo Server hello-world, same layout and load.
 *
 * Layout: each server in its own worker process (the gateway's store in a third); the closed-loop load
 * generator (keep-alive http.Agent) in the parent. Gateway and hello-world runs alternate; every reply is
 * checked, and a run with errors fails the scenario.
 */
import { TrafficGenerator } from '../../src/demo';
import { forkWorker } from '../harness/child';
import { startGatewayFixture } from '../harness/fixture';
import { median, percentile } from '../harness/stats';
import type { RunOptions, Scenario, ScenarioResult } from '../harness/types';
import { graphqlOk, runLoad, type LoadResult } from '../load/http-load';
import type { HelloReady } from '../workers/hello';
import type { ProcessFigures } from '../workers/protocol';
import { BENCH_MAX_COST, NESTED_QUERY } from './p3-commands';

const GOAL = 0.2;
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
  title: 'nested-query req/s ÷ bare Apollo hello-world req/s',
  goal: `≥ ${GOAL}`,
  run: runP5,
};

async function runP5(options: RunOptions): Promise<ScenarioResult> {
  const sz = options.quick ? QUICK : FULL;
  const conditions =
    `${SEEDED_TRACES} demo traces stored; query traces(first: ${PAGE}) { spans { service, parent, children } } (~${PAGE * 8} spans per reply); ` +
    `closed loop, ${CONCURRENCY} keep-alive clients, ${sz.warmupMs} ms warm-up each, ${sz.runs} alternating runs of ${sz.durationMs} ms each; ` +
    `each server in its own process, load generator in the parent; query cost limit raised to ${BENCH_MAX_COST}`;
  const fx = await startGatewayFixture('bench_p5', { cpuProfDir: options.cpuProfDir, label: 'P5', maxCost: BENCH_MAX_COST });
  const hello = await forkWorker<HelloReady>('hello').catch(async (e: unknown) => {
    await fx.stop();
    throw e;
  });
  try {
    const startMs = Date.now() - 3_600_000;
    const gen = new TrafficGenerator({ seed: 'p5', startTimeMs: startMs });
    const spans = [];
    for (let i = 0; i < SEEDED_TRACES; i++) spans.push(...gen.nextTrace(startMs + i).spans);
    await fx.seed(spans);

    const nestedBody = JSON.stringify({ query: NESTED_QUERY, variables: { first: PAGE } });
    const helloBody = JSON.stringify({ query: '{ hello }' });
    const nestedCheck = (reply: Parameters<typeof graphqlOk>[0]): string | undefined => {
      const problem = graphqlOk(reply);
      if (problem) return problem;
      const n = (JSON.parse(reply.body) as { data: { traces: { nodes: unknown[] } } }).data.traces.nodes.length;
      return n === PAGE ? undefined : `expected ${PAGE} traces, received ${n}`;
    };
    const gw: LoadResult[] = [];
    const hw: LoadResult[] = [];
    const gwCpuMsPerReq: number[] = [];
    const hwCpuMsPerReq: number[] = [];
    // CPU of the server process per measured request; warm-ups run before, outside the CPU window.
    const timed = async (worker: { call<T>(c: string): Promise<T> }, load: () => Promise<LoadResult>, into: LoadResult[], cpu: number[]): Promise<void> => {
      const before = await worker.call<ProcessFigures>('figures');
      const result = await load();
      const after = await worker.call<ProcessFigures>('figures');
      into.push(result);
      cpu.push((after.cpuUs - before.cpuUs) / 1000 / Math.max(1, result.requests));
    };
    const nested = (durationMs: number): Promise<LoadResult> =>
      runLoad({ url: fx.gateway.ready.url, bodies: [nestedBody], reuse: true, concurrency: CONCURRENCY, durationMs, warmupMs: 0, check: nestedCheck });
    const helloLoad = (durationMs: number): Promise<LoadResult> =>
      runLoad({ url: hello.ready.url, bodies: [helloBody], reuse: true, concurrency: CONCURRENCY, durationMs, warmupMs: 0, check: graphqlOk });
    await nested(sz.warmupMs);
    await helloLoad(sz.warmupMs);
    for (let r = 0; r < sz.runs; r++) {
      await timed(fx.gateway, () => nested(sz.durationMs), gw, gwCpuMsPerReq);
      await timed(hello, () => helloLoad(sz.durationMs), hw, hwCpuMsPerReq);
      options.progress(`P5 run ${r + 1}/${sz.runs}: nested ${gw[r].requestsPerSec.toFixed(0)} req/s, hello ${hw[r].requestsPerSec.toFixed(0)} req/s`);
    }
    const errors = [...gw, ...hw].reduce((a, x) => a + x.errors, 0);
    const firstError = [...gw, ...hw].find((x) => x.firstError)?.firstError;
    const value = median(gw.map((g, i) => g.requestsPerSec / hw[i].requestsPerSec));
    return {
      id: p5NestedRps.id, title: p5NestedRps.title, goal: p5NestedRps.goal,
      value,
      pass: errors === 0 && value >= GOAL,
      conditions,
      details: {
        nestedReqPerSec: median(gw.map((x) => x.requestsPerSec)),
        helloReqPerSec: median(hw.map((x) => x.requestsPerSec)),
        nestedP99Ms: median(gw.map((x) => percentile(x.latenciesMs, 99))),
        helloP99Ms: median(hw.map((x) => percentile(x.latenciesMs, 99))),
        nestedServerCpuMsPerReq: median(gwCpuMsPerReq),
        helloServerCpuMsPerReq: median(hwCpuMsPerReq),
        errors,
        ...(firstError ? { firstError } : {}),
        runRatios: gw.map((g, i) => Math.round((g.requestsPerSec / hw[i].requestsPerSec) * 1000) / 1000),
      },
    };
  } finally {
    await hello.stop();
    await fx.stop();
  }
}
