/**
 * P4: latency of `trace(id)` (every span field) through the gateway ÷ a raw driver `find` of the same trace's
 * span documents + `JSON.stringify`, for a trace of 10 and one of 1,000 spans, p50 and p99.
 *
 * Layout: store worker, gateway worker; sequential requests from the parent (one at a time: latency, not load).
 * Gateway and raw runs alternate.
 */
import { keepAliveAgent, postJson, TrafficGenerator } from '../../src/demo';
import { startGatewayFixture } from '../harness/fixture';
import { median, msSince, percentile } from '../harness/stats';
import type { RunOptions, Scenario, ScenarioResult } from '../harness/types';
import { bigTrace } from '../load/big-trace';

/** p50 ratio goal per trace size (spans); the 1,000-span ratio is the scenario's value. */
const P50_GOALS: Record<number, number> = { 10: 2, 1000: 1.5 };
const HEADLINE_SPANS = 1000;
const P99_GOAL = 2;

export const TRACE_QUERY = `query Trace($id: ID!) {
  trace(id: $id) {
    id spanCount errorCount status startTime endTime durationUs
    spans {
      spanId parentSpanId service { name } operation kind startTime endTime durationUs status
      result { status code message data } attributes { key value } metrics { name value unit } events { time name attributes { key value } }
    }
  }
}`;

interface Sizes {
  spans: number[];
  runs: number;
  perRun: (spans: number) => number;
  warmup: number;
}
const FULL: Sizes = { spans: [10, 1000], runs: 5, perRun: (n) => (n > 100 ? 15 : 100), warmup: 10 };
const QUICK: Sizes = { spans: [10, 1000], runs: 3, perRun: (n) => (n > 100 ? 4 : 20), warmup: 3 };

export const p4TraceLatency: Scenario = {
  id: 'P4',
  title: 'trace(id) p50 latency at 1,000 spans ÷ raw driver find + JSON.stringify (10 and 1,000 spans measured)',
  goal: `p50 ≤ ${P50_GOALS[1000]} at 1,000 spans (value) and ≤ ${P50_GOALS[10]} at 10; p99 ≤ ${P99_GOAL} at both`,
  run: runP4,
};

async function runP4(options: RunOptions): Promise<ScenarioResult> {
  const sz = options.quick ? QUICK : FULL;
  const conditions =
    `traces of ${sz.spans.join(' and ')} spans among 200 demo traces; sequential requests, ${sz.warmup} warm-up each, ${sz.runs} alternating runs of ` +
    `${sz.spans.map((n) => `${sz.perRun(n)} (${n} spans)`).join(' / ')} requests; median of per-run p50 and p99; raw: find({traceId}) of the gateway's ` +
    `span documents + JSON.stringify in the parent; store, gateway, client in 3 processes`;
  const fx = await startGatewayFixture('bench_p4', { cpuProfDir: options.cpuProfDir, label: 'P4' });
  const agent = keepAliveAgent(1);
  try {
    const startMs = Date.now() - 3_600_000;
    const gen = new TrafficGenerator({ seed: 'p4', startTimeMs: startMs - 60_000 });
    await fx.seed(gen.spans(200));
    const targets = sz.spans.map((n, i) => bigTrace(gen, n, startMs + i * 1000));
    for (const t of targets) await fx.seed(t.spans);
    const spansColl = fx.client.db(fx.dbName).collection('spans');
    const url = new URL(fx.gateway.ready.url);

    const details: Record<string, unknown> = {};
    let worstP50 = 0;
    let worstP99 = 0;
    let headline = Number.NaN;
    let pass = true;
    for (const t of targets) {
      const n = t.spans.length;
      const body = JSON.stringify({ query: TRACE_QUERY, variables: { id: t.traceId } });
      const viaGateway = async (): Promise<number> => {
        const t0 = process.hrtime.bigint();
        const reply = await postJson(url, body, agent, 60_000);
        const ms = msSince(t0);
        const parsed = JSON.parse(reply.body) as { data?: { trace: { spans: unknown[] } | null }; errors?: unknown[] };
        if (reply.status !== 200 || parsed.errors || parsed.data?.trace?.spans.length !== n) {
          throw new Error(`P4 trace(id) of ${n} spans answered wrongly (HTTP ${reply.status}): ${reply.body.slice(0, 300)}`);
        }
        return ms;
      };
      const raw = async (): Promise<number> => {
        const t0 = process.hrtime.bigint();
        const docs = await spansColl.find({ traceId: t.traceId }).toArray();
        const text = JSON.stringify(docs);
        const ms = msSince(t0);
        if (docs.length !== n || text.length === 0) throw new Error(`P4 raw find returned ${docs.length} of ${n} spans`);
        return ms;
      };
      for (let i = 0; i < sz.warmup; i++) {
        await viaGateway();
        await raw();
      }
      const p50s = { gw: [] as number[], raw: [] as number[] };
      const p99s = { gw: [] as number[], raw: [] as number[] };
      for (let r = 0; r < sz.runs; r++) {
        for (const [kind, fn] of [['gw', viaGateway], ['raw', raw]] as const) {
          const samples: number[] = [];
          for (let i = 0; i < sz.perRun(n); i++) samples.push(await fn());
          p50s[kind].push(percentile(samples, 50));
          p99s[kind].push(percentile(samples, 99));
        }
      }
      const gwP50 = median(p50s.gw);
      const rawP50 = median(p50s.raw);
      const gwP99 = median(p99s.gw);
      const rawP99 = median(p99s.raw);
      worstP50 = Math.max(worstP50, gwP50 / rawP50);
      worstP99 = Math.max(worstP99, gwP99 / rawP99);
      if (n === HEADLINE_SPANS) headline = gwP50 / rawP50;
      const p50Goal = P50_GOALS[n];
      if (p50Goal === undefined) throw new Error(`P4 has no p50 goal for a trace of ${n} spans; goals: ${JSON.stringify(P50_GOALS)}`);
      if (gwP50 / rawP50 > p50Goal || gwP99 / rawP99 > P99_GOAL) pass = false;
      Object.assign(details, {
        [`p50Ratio_${n}`]: gwP50 / rawP50,
        [`p99Ratio_${n}`]: gwP99 / rawP99,
        [`gatewayP50Ms_${n}`]: gwP50,
        [`rawP50Ms_${n}`]: rawP50,
        [`gatewayP99Ms_${n}`]: gwP99,
        [`rawP99Ms_${n}`]: rawP99,
      });
      options.progress(`P4 ${n} spans: gateway p50 ${gwP50.toFixed(2)} ms p99 ${gwP99.toFixed(2)} ms; raw p50 ${rawP50.toFixed(2)} ms p99 ${rawP99.toFixed(2)} ms`);
    }
    return {
      id: p4TraceLatency.id, title: p4TraceLatency.title, goal: p4TraceLatency.goal,
      value: headline,
      pass,
      conditions,
      details: { worstP50Ratio: worstP50, worstP99Ratio: worstP99, ...details },
    };
  } finally {
    agent.destroy();
    await fx.stop();
  }
}
