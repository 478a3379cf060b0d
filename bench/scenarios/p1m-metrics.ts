/**
 * P1M: ingest spans/s through `submitSpans` with metrics collected (`TRACEGATE_METRICS=on`, the default) ÷ the same
 * with metrics off: what `/metrics` costs on the P1 workload. Beside it, the gateway's CPU per span on vs off
 * (`process.cpuUsage` of the gateway worker over each run), which other load on the machine disturbs less than
 * throughput.
 *
 * Layout: one store worker, two gateway workers on it (one per setting, each its own database), load generator in
 * the parent. Each run pair sends fresh demo spans to both, the order alternating between pairs so drift in the
 * machine's load hits both sides alike; ratios are taken per pair and their medians reported.
 */
import { keepAliveAgent, SpanSubmitter, TrafficGenerator } from '../../src/demo';
import { forkWorker, type WorkerHandle } from '../harness/child';
import { median } from '../harness/stats';
import type { RunOptions, Scenario, ScenarioResult } from '../harness/types';
import { ingestBatches } from '../load/span-bodies';
import type { GatewayArgs, GatewayReady } from '../workers/gateway';
import type { ProcessFigures } from '../workers/protocol';
import type { StoreReady } from '../workers/store';
import { sendAll } from './p1-p2-ingest';

const BATCH = 500;
const GOAL = 0.97;

interface Sizes {
  batchesPerRun: number;
  runs: number;
  warmupBatches: number;
}
const FULL: Sizes = { batchesPerRun: 20, runs: 8, warmupBatches: 6 };
const QUICK: Sizes = { batchesPerRun: 4, runs: 2, warmupBatches: 2 };

export const p1Metrics: Scenario = {
  id: 'P1M',
  title: 'ingest spans/s via submitSpans, metrics on ÷ metrics off',
  goal: `≥ ${GOAL}`,
  run: runMetrics,
};

interface Side {
  name: 'on' | 'off';
  gateway: WorkerHandle<GatewayReady>;
  submitter: SpanSubmitter;
}

async function runMetrics(options: RunOptions): Promise<ScenarioResult> {
  const sz = options.quick ? QUICK : FULL;
  const conditions =
    `${sz.runs} run pairs of ${sz.batchesPerRun} x ${BATCH} fresh demo spans per side, 8 concurrent clients, order alternating, ` +
    `warm-up ${sz.warmupBatches} batches each; two gateway workers (TRACEGATE_METRICS=on, TRACEGATE_METRICS=off) on one store worker ` +
    `(separate databases), load generator in the parent (4 processes); CPU: gateway process.cpuUsage (user+system) delta ÷ spans stored`;
  const store = await forkWorker<StoreReady>('store', { maxOldSpaceMb: 8192, cpuProfDir: options.cpuProfDir, label: 'P1M' });
  const agent = keepAliveAgent(16);
  const gateways: WorkerHandle<GatewayReady>[] = [];
  try {
    const start = async (name: 'on' | 'off'): Promise<Side> => {
      const args: GatewayArgs = { storeUri: store.ready.uri, dbName: `bench_p1m_${name}`, env: { TRACEGATE_METRICS: name } };
      const gateway = await forkWorker<GatewayReady>('gateway', { args, cpuProfDir: options.cpuProfDir, label: `P1M-${name}` });
      gateways.push(gateway);
      return { name, gateway, submitter: new SpanSubmitter({ url: gateway.ready.url, agent, maxAttempts: 20, baseDelayMs: 20 }) };
    };
    const on = await start('on');
    const off = await start('off');
    const gen = new TrafficGenerator({ seed: 'p1m' });
    const startMs = Date.now() - 3_600_000;
    for (const side of [on, off]) await sendAll(side.submitter, ingestBatches(gen, sz.warmupBatches, BATCH, startMs));
    options.progress('P1M warm-up done');

    const spans = sz.batchesPerRun * BATCH;
    const measure = async (side: Side): Promise<{ spansPerSec: number; cpuUsPerSpan: number }> => {
      const batches = ingestBatches(gen, sz.batchesPerRun, BATCH, startMs);
      const before = await side.gateway.call<ProcessFigures>('figures');
      const ms = await sendAll(side.submitter, batches);
      const after = await side.gateway.call<ProcessFigures>('figures');
      return { spansPerSec: spans / (ms / 1000), cpuUsPerSpan: (after.cpuUs - before.cpuUs) / spans };
    };
    const rateRatios: number[] = [];
    const cpuRatios: number[] = [];
    const figures = { on: [] as { spansPerSec: number; cpuUsPerSpan: number }[], off: [] as { spansPerSec: number; cpuUsPerSpan: number }[] };
    for (let r = 0; r < sz.runs; r++) {
      for (const side of r % 2 === 0 ? [on, off] : [off, on]) figures[side.name].push(await measure(side));
      const a = figures.on[r]!;
      const b = figures.off[r]!;
      rateRatios.push(a.spansPerSec / b.spansPerSec);
      cpuRatios.push(a.cpuUsPerSpan / b.cpuUsPerSpan);
      options.progress(
        `P1M run ${r + 1}/${sz.runs}: on ${a.spansPerSec.toFixed(0)} spans/s ${a.cpuUsPerSpan.toFixed(1)} µs/span, ` +
          `off ${b.spansPerSec.toFixed(0)} spans/s ${b.cpuUsPerSpan.toFixed(1)} µs/span`,
      );
    }
    const value = median(rateRatios);
    return {
      id: p1Metrics.id, title: p1Metrics.title, goal: p1Metrics.goal, value, pass: value >= GOAL, conditions,
      details: {
        onSpansPerSec: Math.round(median(figures.on.map((f) => f.spansPerSec))),
        offSpansPerSec: Math.round(median(figures.off.map((f) => f.spansPerSec))),
        onCpuUsPerSpan: round2(median(figures.on.map((f) => f.cpuUsPerSpan))),
        offCpuUsPerSpan: round2(median(figures.off.map((f) => f.cpuUsPerSpan))),
        cpuOnOverOff: round2(median(cpuRatios)),
        runRatios: rateRatios.map(round2),
        cpuRunRatios: cpuRatios.map(round2),
      },
    };
  } finally {
    agent.destroy();
    for (const g of gateways) await g.stop();
    await store.stop();
  }
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
