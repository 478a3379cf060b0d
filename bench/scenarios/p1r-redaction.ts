/**
 * P1R: ingest spans/s through `submitSpans` with the default redaction rules ÷ the same with redaction off
 * (`TRACEGATE_REDACTION=off`): what redaction at ingest costs on the P1 workload.
 *
 * Layout: one store worker, two gateway workers on it (one per setting, each its own database), load generator
 * in the parent. Each run pair sends fresh demo spans to both, the order alternating between pairs so drift
 * in the machine's load hits both sides alike; the ratio is taken per pair and its median reported.
 */
import { keepAliveAgent, SpanSubmitter, TrafficGenerator } from '../../src/demo';
import { forkWorker, type WorkerHandle } from '../harness/child';
import { median, msSince } from '../harness/stats';
import type { RunOptions, Scenario, ScenarioResult } from '../harness/types';
import { ingestBatches, type IngestBatch } from '../load/span-bodies';
import type { GatewayArgs, GatewayReady } from '../workers/gateway';
import type { StoreReady } from '../workers/store';

const BATCH = 500;
const CONCURRENCY = 8;
const GOAL = 0.9;

interface Sizes {
  batchesPerRun: number;
  runs: number;
  warmupBatches: number;
}
const FULL: Sizes = { batchesPerRun: 20, runs: 5, warmupBatches: 6 };
const QUICK: Sizes = { batchesPerRun: 4, runs: 3, warmupBatches: 2 };

export const p1Redaction: Scenario = {
  id: 'P1R',
  title: 'ingest spans/s via submitSpans, default redaction rules ÷ redaction off',
  goal: `≥ ${GOAL}`,
  run: runRedaction,
};

async function runRedaction(options: RunOptions): Promise<ScenarioResult> {
  const sz = options.quick ? QUICK : FULL;
  const conditions =
    `${sz.runs} run pairs of ${sz.batchesPerRun} x ${BATCH} fresh demo spans per side, ${CONCURRENCY} concurrent clients, order alternating, ` +
    `warm-up ${sz.warmupBatches} batches each; two gateway workers (default rules, no key: masking; TRACEGATE_REDACTION=off) ` +
    `on one store worker, load generator in the parent (4 processes)`;
  const store = await forkWorker<StoreReady>('store', { maxOldSpaceMb: 8192, cpuProfDir: options.cpuProfDir, label: 'P1R' });
  const gateways: WorkerHandle<GatewayReady>[] = [];
  const agent = keepAliveAgent(CONCURRENCY * 2);
  try {
    const start = (dbName: string, env: Record<string, string>) =>
      forkWorker<GatewayReady>('gateway', { args: { storeUri: store.ready.uri, dbName, env } satisfies GatewayArgs, cpuProfDir: options.cpuProfDir, label: 'P1R' });
    const redacting = await start('bench_redaction_on', {});
    gateways.push(redacting);
    const plain = await start('bench_redaction_off', { TRACEGATE_REDACTION: 'off' });
    gateways.push(plain);
    const on = new SpanSubmitter({ url: redacting.ready.url, agent, maxAttempts: 20, baseDelayMs: 20 });
    const off = new SpanSubmitter({ url: plain.ready.url, agent, maxAttempts: 20, baseDelayMs: 20 });
    const gen = new TrafficGenerator({ seed: 'p1r' });
    const startMs = Date.now() - 3_600_000;

    await sendAll(on, ingestBatches(gen, sz.warmupBatches, BATCH, startMs));
    await sendAll(off, ingestBatches(gen, sz.warmupBatches, BATCH, startMs));
    options.progress('P1R warm-up done');

    const ratios: number[] = [];
    const onRates: number[] = [];
    const offRates: number[] = [];
    const spans = sz.batchesPerRun * BATCH;
    for (let r = 0; r < sz.runs; r++) {
      const onBatches = ingestBatches(gen, sz.batchesPerRun, BATCH, startMs);
      const offBatches = ingestBatches(gen, sz.batchesPerRun, BATCH, startMs);
      let onMs: number;
      let offMs: number;
      if (r % 2 === 0) {
        onMs = await sendAll(on, onBatches);
        offMs = await sendAll(off, offBatches);
      } else {
        offMs = await sendAll(off, offBatches);
        onMs = await sendAll(on, onBatches);
      }
      const onRate = spans / (onMs / 1000);
      const offRate = spans / (offMs / 1000);
      onRates.push(onRate);
      offRates.push(offRate);
      ratios.push(onRate / offRate);
      options.progress(`P1R run ${r + 1}/${sz.runs}: default rules ${onRate.toFixed(0)} spans/s, redaction off ${offRate.toFixed(0)} spans/s`);
    }
    const value = median(ratios);
    return {
      id: p1Redaction.id, title: p1Redaction.title, goal: p1Redaction.goal, value, pass: value >= GOAL, conditions,
      details: { redactingSpansPerSec: median(onRates), plainSpansPerSec: median(offRates), runRatios: ratios.map((x) => Math.round(x * 100) / 100) },
    };
  } finally {
    agent.destroy();
    for (const g of gateways) await g.stop();
    await store.stop();
  }
}

/** Sends every batch once through `CONCURRENCY` clients; wall time in ms. Throws unless all spans were stored. */
async function sendAll(submitter: SpanSubmitter, batches: readonly IngestBatch[]): Promise<number> {
  let next = 0;
  let accepted = 0;
  let problem = '';
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches.length) {
        const b = batches[next++];
        const outcome = await submitter.submitBody(b.body);
        if (outcome.kind === 'stored') accepted += outcome.accepted;
        else problem ||= `${outcome.code}: ${outcome.message}`;
      }
    }),
  );
  const ms = msSince(t0);
  const expected = batches.reduce((n, b) => n + b.spans.length, 0);
  if (accepted !== expected) throw new Error(`P1R stored ${accepted} of ${expected} spans: ${problem || 'duplicates?'}`);
  return ms;
}
