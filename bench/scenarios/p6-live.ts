/**
 * P6 (live-updates issue): delivery latency of a submitted span to each subscriber, p50 and p99, timed from the
 * submitSpans acknowledgement (the definition, the headline) and from the request,
 * at 100 and 1,000 graphql-ws subscribers of one trace, while demo traffic is ingested;
 * next to a raw `ws` broadcast of a message of the same shape to as many sockets, acknowledged the same way.
 *
 * Layout: store, gateway, raw ws server and the subscribers each in a worker; probes and background traffic in
 * the parent. Acknowledgement and receipt are timed on the machine-wide clock (performance.timeOrigin + now).
 * Gateway and raw runs alternate.
 */
import { randomBytes } from 'node:crypto';
import { keepAliveAgent, postJson, SpanSubmitter, toIsoMicros, TrafficFeeder } from '../../src/demo';
import { forkWorker, type WorkerHandle } from '../harness/child';
import { startGatewayFixture } from '../harness/fixture';
import { median, percentile } from '../harness/stats';
import type { RunOptions, Scenario, ScenarioResult } from '../harness/types';
import { nowMs } from '../load/subscribers';
import type { CollectArgs, SubscribersArgs } from '../workers/subscribers';
import type { WsBroadcastReady } from '../workers/ws-broadcast';

const GOAL = 1.5;
const DELIVERY_TIMEOUT_MS = 10_000;
const BACKGROUND_TRACES_PER_SEC = 10;

interface Sizes {
  subscribers: number[];
  runs: number;
  probesPerRun: number;
  warmupProbes: number;
}
const FULL: Sizes = { subscribers: [100, 1000], runs: 5, probesPerRun: 10, warmupProbes: 3 };
const QUICK: Sizes = { subscribers: [100], runs: 3, probesPerRun: 4, warmupProbes: 2 };

export const p6Live: Scenario = {
  id: 'P6',
  title: 'live delivery p99 (ack -> receipt) ÷ raw ws broadcast p99',
  goal: `≤ ${GOAL} at 1,000 subscribers`,
  run: runP6,
};

interface Run {
  /** Ack -> receipt, a receipt before the ack counting as 0 (the data was there when the ack came). */
  p50: number;
  p99: number;
  /** Request sent -> receipt (includes the store write for the gateway). */
  e2eP99: number;
  /** Share of receipts that came before the ack. */
  beforeAck: number;
  lost: number;
}

interface Probe {
  /** Receipt minus ack, ms; may be negative. Infinity: never received. */
  fromAck: number[];
  /** Ack minus request start, ms. */
  ackMs: number;
}

async function runP6(options: RunOptions): Promise<ScenarioResult> {
  const sz = options.quick ? QUICK : FULL;
  const conditions =
    `${sz.subscribers.join(' and ')} subscribers, one graphql-ws connection each, traceUpdated(traceId) { spans { spanId } } on one trace; ` +
    `probe = one span submitted over HTTP, latency from its ack to each receipt (a receipt before the ack counts 0; send->receipt also reported); ${sz.warmupProbes} warm-up probes, ${sz.runs} alternating runs of ` +
    `${sz.probesPerRun} sequential probes; median of per-run p50/p99; background demo ingest ${BACKGROUND_TRACES_PER_SEC} traces/s throughout; ` +
    `raw: ws server acks POST /broadcast then sends the same-shaped message to every socket; subscribers (both kinds) in their own worker`;
  const fx = await startGatewayFixture('bench_p6', { cpuProfDir: options.cpuProfDir, label: 'P6' });
  const raw = await forkWorker<WsBroadcastReady>('ws-broadcast').catch(async (e: unknown) => {
    await fx.stop();
    throw e;
  });
  const agent = keepAliveAgent(4);
  const submitter = new SpanSubmitter({ url: fx.gateway.ready.url, agent, maxAttempts: 10, baseDelayMs: 20 });
  const feeder = new TrafficFeeder(submitter, { rate: BACKGROUND_TRACES_PER_SEC, batch: 100, seed: 'p6', concurrency: 2 });
  const probeTrace = randomBytes(16).toString('hex');
  const wsUrl = fx.gateway.ready.url.replace(/^http/, 'ws');
  const details: Record<string, unknown> = {};
  let headline = Number.NaN;
  let pass = false;
  try {
    feeder.start();
    for (const n of sz.subscribers) {
      const subsArgs: SubscribersArgs = { gatewayWsUrl: wsUrl, traceId: probeTrace, rawWsUrl: raw.ready.wsUrl, count: n };
      const subs = await forkWorker<{ count: number }>('subscribers', { args: subsArgs });
      try {
        options.progress(`P6 ${n} subscribers connected`);
        const gwProbe = (): Promise<Probe> => probeGateway(submitter, probeTrace, subs);
        const rawProbe = (): Promise<Probe> => probeRaw(raw.ready.httpUrl, agent, subs);
        for (let i = 0; i < sz.warmupProbes; i++) {
          await gwProbe();
          await rawProbe();
        }
        const gwRuns: Run[] = [];
        const rawRuns: Run[] = [];
        for (let r = 0; r < sz.runs; r++) {
          gwRuns.push(await run(gwProbe, sz.probesPerRun));
          rawRuns.push(await run(rawProbe, sz.probesPerRun));
          options.progress(
            `P6 ${n} subscribers run ${r + 1}/${sz.runs}: submit->receipt p99 gateway ${gwRuns[r].e2eP99.toFixed(1)} ms, raw ${rawRuns[r].e2eP99.toFixed(1)} ms; ` +
              `ack->receipt p99 gateway ${gwRuns[r].p99.toFixed(1)} ms (${(gwRuns[r].beforeAck * 100).toFixed(0)}% before the ack), raw ${rawRuns[r].p99.toFixed(1)} ms`,
          );
        }
        const summary = (runs: Run[]) => ({
          p50: median(runs.map((x) => x.p50)),
          p99: median(runs.map((x) => x.p99)),
          e2eP99: median(runs.map((x) => x.e2eP99)),
          beforeAck: median(runs.map((x) => x.beforeAck)),
        });
        const g = summary(gwRuns);
        const w = summary(rawRuns);
        const lost = gwRuns.reduce((a, x) => a + x.lost, 0) + rawRuns.reduce((a, x) => a + x.lost, 0);
        Object.assign(details, {
          [`p99Ratio_${n}`]: g.p99 / w.p99,
          [`gatewayP50Ms_${n}`]: g.p50,
          [`gatewayP99Ms_${n}`]: g.p99,
          [`rawP50Ms_${n}`]: w.p50,
          [`rawP99Ms_${n}`]: w.p99,
          [`lostDeliveries_${n}`]: lost,
          [`gatewayShareBeforeAck_${n}`]: g.beforeAck,
          [`gatewayE2eP99Ms_${n}`]: g.e2eP99,
          [`rawE2eP99Ms_${n}`]: w.e2eP99,
          [`e2eP99Ratio_${n}`]: g.e2eP99 / w.e2eP99,
        });
        // The definition: from the ack. A receipt before the ack counts as 0, so when nearly every update
        // beats the ack the ratio says nothing; that is flagged and not a pass. Submit -> receipt (which also
        // charges the gateway its store write) is reported next to it.
        headline = g.p99 / w.p99;
        const degenerate = g.beforeAck >= 0.99;
        if (degenerate) details[`degenerate_${n}`] = 'every update reached its subscribers before the ack: ack -> receipt is 0';
        pass = n >= 1000 && lost === 0 && !degenerate && headline <= GOAL;
      } finally {
        await subs.stop();
      }
    }
    const fed = await feeder.stop();
    details.backgroundSpansStored = fed.accepted;
    if (fed.failed + fed.rejected + fed.dropped > 0) pass = false;
    return { id: p6Live.id, title: p6Live.title, goal: p6Live.goal, value: headline, pass, conditions, details };
  } finally {
    await feeder.stop();
    agent.destroy();
    await raw.stop();
    await fx.stop();
  }
}

async function run(probe: () => Promise<Probe>, probes: number): Promise<Run> {
  const fromAck: number[] = [];
  const fromSend: number[] = [];
  let lost = 0;
  for (let i = 0; i < probes; i++) {
    const p = await probe();
    for (const x of p.fromAck) {
      if (!Number.isFinite(x)) lost++;
      else {
        fromAck.push(x);
        fromSend.push(x + p.ackMs);
      }
    }
  }
  if (fromAck.length === 0) throw new Error('P6: no probe was delivered to any subscriber');
  const clamped = fromAck.map((x) => Math.max(0, x));
  return {
    p50: percentile(clamped, 50),
    p99: percentile(clamped, 99),
    e2eP99: percentile(fromSend, 99),
    beforeAck: fromAck.filter((x) => x < 0).length / fromAck.length,
    lost,
  };
}

/** One span into the probe trace, timed from the request and from its ack to every subscriber's receipt. */
async function probeGateway(submitter: SpanSubmitter, traceId: string, subs: WorkerHandle<{ count: number }>): Promise<Probe> {
  const spanId = randomBytes(8).toString('hex');
  const nowUs = Date.now() * 1000;
  const span = {
    traceId, spanId, service: 'bench-probe', operation: 'probe', kind: 'INTERNAL' as const,
    startTime: toIsoMicros(nowUs - 1000), endTime: toIsoMicros(nowUs), status: 'OK' as const,
  };
  const sent = nowMs();
  const outcome = await submitter.submit([span]);
  const ack = nowMs();
  if (outcome.kind !== 'stored' || outcome.accepted !== 1) throw new Error(`P6 probe not stored: ${JSON.stringify(outcome).slice(0, 300)}`);
  return { fromAck: await collect(subs, 'gateway', spanId, ack), ackMs: ack - sent };
}

async function probeRaw(url: string, agent: ReturnType<typeof keepAliveAgent>, subs: WorkerHandle<{ count: number }>): Promise<Probe> {
  const probe = randomBytes(8).toString('hex');
  // The shape graphql-ws sends for the gateway probe, with the probe id where the subscriber can find it.
  const message = JSON.stringify({ probe, id: randomBytes(16).toString('hex'), type: 'next', payload: { data: { traceUpdated: { spans: [{ spanId: probe }] } } } });
  const sent = nowMs();
  const reply = await postJson(new URL(url), message, agent, 10_000);
  const ack = nowMs();
  if (reply.status !== 200) throw new Error(`P6 raw broadcast trigger answered HTTP ${reply.status}`);
  return { fromAck: await collect(subs, 'raw', probe, ack), ackMs: ack - sent };
}

/** Receipt minus ack for each subscriber; Infinity for each one that never got the probe. */
async function collect(subs: WorkerHandle<{ count: number }>, side: CollectArgs['side'], probe: string, ack: number): Promise<number[]> {
  const args: CollectArgs = { side, probe, timeoutMs: DELIVERY_TIMEOUT_MS };
  const got = await subs.call<number[]>('collect', args);
  const latencies = got.map((at) => at - ack);
  while (latencies.length < subs.ready.count) latencies.push(Number.POSITIVE_INFINITY);
  return latencies;
}
