/**
 * What a gateway feature costs at ingest: two gateway workers on one store worker, one with the feature on and
 * one with it off (each its own database, each with its own env-style settings), fed P1's load (batches of 500
 * fresh demo spans, 8 concurrent clients) in run pairs whose order alternates, so a drift in the machine's load
 * hits both sides alike. The value is the median of the per-pair ratios spans/s on ÷ off; next to it, each
 * gateway's own CPU per span (process.cpuUsage of its worker) and the store's CPU per span while each side
 * stored its run, which the machine's load disturbs less.
 *
 * P1R (redaction), P1A (analytics rollups) and P1M (metrics) are this measurement with other settings.
 */
import { keepAliveAgent, SpanSubmitter, TrafficGenerator } from '../../src/demo';
import { INGEST_CONCURRENCY, sendAll } from '../load/ingest';
import { ingestBatches } from '../load/span-bodies';
import type { GatewayArgs, GatewayReady } from '../workers/gateway';
import type { ProcessFigures } from '../workers/protocol';
import type { StoreReady } from '../workers/store';
import { forkWorker, type WorkerHandle } from './child';
import { median } from './stats';
import type { RunOptions } from './types';

const BATCH = 500;

export interface OnOffIngestOptions {
  /** Scenario id: progress lines and profile file names. */
  label: string;
  /** Env-style settings of the gateway with the feature on, e.g. {} for the defaults. */
  on: Record<string, string>;
  /** Env-style settings of the gateway with the feature off, e.g. { TRACEGATE_STATS: 'off' }. */
  off: Record<string, string>;
  /** The two databases are `<dbPrefix>_on` and `<dbPrefix>_off`. */
  dbPrefix: string;
  /** Seed of the demo traffic. */
  seed: string;
  runs: number;
  batchesPerRun: number;
  warmupBatches: number;
}

export interface OnOffIngestResult {
  /** Median of the per-pair ratios spans/s on ÷ off. */
  ratio: number;
  /** The figures behind it, for a scenario's details. */
  details: {
    onSpansPerSec: number;
    offSpansPerSec: number;
    onCpuUsPerSpan: number;
    offCpuUsPerSpan: number;
    /** Median of the per-pair ratios of gateway CPU per span on ÷ off. */
    cpuRatio: number;
    /** The store process's CPU per span while each side stored its run, and the median of the per-pair ratios on ÷ off. */
    onStoreCpuUsPerSpan: number;
    offStoreCpuUsPerSpan: number;
    storeCpuRatio: number;
    runRatios: number[];
  };
  /** The run conditions in the suite's words (the scenario adds what on and off mean). */
  conditions: string;
}

interface Side {
  gateway: WorkerHandle<GatewayReady>;
  submitter: SpanSubmitter;
  rates: number[];
  cpuUsPerSpan: number[];
  storeCpuUsPerSpan: number[];
}

export async function measureIngestOnOff(o: OnOffIngestOptions, run: RunOptions): Promise<OnOffIngestResult> {
  const store = await forkWorker<StoreReady>('store', { maxOldSpaceMb: 8192, cpuProfDir: run.cpuProfDir, label: o.label });
  const agent = keepAliveAgent(INGEST_CONCURRENCY * 2);
  const gateways: WorkerHandle<GatewayReady>[] = [];
  try {
    const start = async (which: 'on' | 'off'): Promise<Side> => {
      const args: GatewayArgs = { storeUri: store.ready.uri, dbName: `${o.dbPrefix}_${which}`, env: o[which] };
      const gateway = await forkWorker<GatewayReady>('gateway', { args, cpuProfDir: run.cpuProfDir, label: `${o.label}-${which}` });
      gateways.push(gateway);
      return { gateway, submitter: new SpanSubmitter({ url: gateway.ready.url, agent, maxAttempts: 20, baseDelayMs: 20 }), rates: [], cpuUsPerSpan: [], storeCpuUsPerSpan: [] };
    };
    const on = await start('on');
    const off = await start('off');
    const gen = new TrafficGenerator({ seed: o.seed });
    const startMs = Date.now() - 3_600_000;
    for (const side of [on, off]) await sendAll(side.submitter, ingestBatches(gen, o.warmupBatches, BATCH, startMs));
    run.progress(`${o.label} warm-up done`);

    const spans = o.batchesPerRun * BATCH;
    const timed = async (side: Side): Promise<void> => {
      const batches = ingestBatches(gen, o.batchesPerRun, BATCH, startMs);
      const [before, storeBefore] = await Promise.all([side.gateway.call<ProcessFigures>('figures'), store.call<ProcessFigures>('figures')]);
      const ms = await sendAll(side.submitter, batches);
      const [after, storeAfter] = await Promise.all([side.gateway.call<ProcessFigures>('figures'), store.call<ProcessFigures>('figures')]);
      side.rates.push(spans / (ms / 1000));
      side.cpuUsPerSpan.push((after.cpuUs - before.cpuUs) / spans);
      side.storeCpuUsPerSpan.push((storeAfter.cpuUs - storeBefore.cpuUs) / spans);
    };
    for (let r = 0; r < o.runs; r++) {
      for (const side of r % 2 === 0 ? [on, off] : [off, on]) await timed(side);
      run.progress(
        `${o.label} run ${r + 1}/${o.runs}: on ${on.rates[r]!.toFixed(0)} spans/s (${on.cpuUsPerSpan[r]!.toFixed(0)} µs CPU/span, store ${on.storeCpuUsPerSpan[r]!.toFixed(0)}), ` +
          `off ${off.rates[r]!.toFixed(0)} spans/s (${off.cpuUsPerSpan[r]!.toFixed(0)} µs CPU/span, store ${off.storeCpuUsPerSpan[r]!.toFixed(0)})`,
      );
    }
    const runRatios = on.rates.map((x, i) => x / off.rates[i]!);
    return {
      ratio: median(runRatios),
      details: {
        onSpansPerSec: median(on.rates),
        offSpansPerSec: median(off.rates),
        onCpuUsPerSpan: median(on.cpuUsPerSpan),
        offCpuUsPerSpan: median(off.cpuUsPerSpan),
        cpuRatio: median(on.cpuUsPerSpan.map((x, i) => x / off.cpuUsPerSpan[i]!)),
        onStoreCpuUsPerSpan: Math.round(median(on.storeCpuUsPerSpan) * 10) / 10,
        offStoreCpuUsPerSpan: Math.round(median(off.storeCpuUsPerSpan) * 10) / 10,
        storeCpuRatio: Math.round(median(on.storeCpuUsPerSpan.map((x, i) => x / off.storeCpuUsPerSpan[i]!)) * 100) / 100,
        runRatios: runRatios.map((x) => Math.round(x * 100) / 100),
      },
      conditions:
        `${o.runs} run pairs of ${o.batchesPerRun} x ${BATCH} fresh demo spans per side, ${INGEST_CONCURRENCY} concurrent clients, order alternating, ` +
        `warm-up ${o.warmupBatches} batches each; two gateway workers on one store worker (one database each), load generator in the parent; ` +
        `value: median of per-pair spans/s ratios on ÷ off; cpuRatio: median of per-pair gateway CPU µs/span ratios on ÷ off; ` +
        `storeCpuRatio: the same of the store process's CPU per span`,
    };
  } finally {
    agent.destroy();
    for (const g of gateways) await g.stop();
    await store.stop();
  }
}
