/**
 * P6: live delivery latency, p99 from the submission of a span to its receipt by each subscriber, at 100 and
 * 1,000 graphql-ws subscribers of one trace while demo traffic is ingested ÷ the same from a raw `ws` broadcast
 * server (trigger -> receipt of a message of the same shape by as many sockets). The gateway's figure includes
 * its store write and the change stream that reports it: that is the work the ratio prices.
 *
 * The baseline stores nothing, so a second raw side is measured next to it (reported, not judged): the
 * same raw server inserts the probe's span document into the same store with the raw driver (`insertMany`, as
 * the gateway inserts, into a collection with the gateway's span indexes) and broadcasts once the store
 * acknowledged it (`storedP99Ratio_N`). A third (reported, not judged) does the gateway's whole path by hand: the
 * raw server inserts the probe's span document into the gateway's own spans collection and broadcasts when its
 * own change stream on that collection (which reads back the background traffic too, as the gateway's does; open
 * only around its own probes, so that reading lands in no other side's figures) reports it (`streamedP99Ratio_N`): what is left between the gateway and it is the gateway's own code (HTTP and
 * GraphQL front, validation, graphql-ws) and what shares the gateway's process (the background ingest).
 *
 * Layout: store, gateway, raw ws server, and the subscribers of each kind in a worker of their own (so neither
 * side's client work lands in the other's latencies); probes and background traffic in the parent. Sending and
 * receipt are timed in different processes on the machine's monotonic clock (`nowMs`). Gateway and raw runs
 * alternate. From the acknowledgement (ack -> receipt, a receipt before the ack counting 0) is reported too.
 */
import { randomBytes } from 'node:crypto';
import { EJSON } from 'bson';
import { keepAliveAgent, postJson, SpanSubmitter, toIsoMicros, TrafficFeeder } from '../../src/demo';
import { DEFAULT_INGEST_LIMITS, validateSpans } from '../../src/domain';
// The gateway's own document mapping, so the stored baseline writes exactly the document the gateway writes.
import { toSpanDoc } from '../../src/store/mongo/documents';
import { forkWorker, type WorkerHandle } from '../harness/child';
import { startGatewayFixture } from '../harness/fixture';
import { median, percentile } from '../harness/stats';
import type { RunOptions, Scenario, ScenarioResult } from '../harness/types';
import { nowMs } from '../load/subscribers';
import type { GcFigures, ProcessFigures } from '../workers/protocol';
import type { CollectArgs, SubscribersArgs, SubscribersReady } from '../workers/subscribers';
import type { WsBroadcastArgs, WsBroadcastReady } from '../workers/ws-broadcast';

const GOAL = 1.5;
const DELIVERY_TIMEOUT_MS = 10_000;
const BACKGROUND_TRACES_PER_SEC = 10;
const RETENTION_MS = 7 * 24 * 3600 * 1000;

interface Sizes {
  subscribers: number[];
  runs: number;
  probesPerRun: number;
  warmupProbes: number;
}
const FULL: Sizes = { subscribers: [100, 1000], runs: 5, probesPerRun: 20, warmupProbes: 3 };
const QUICK: Sizes = { subscribers: [100], runs: 3, probesPerRun: 4, warmupProbes: 2 };

export const p6Live: Scenario = {
  id: 'P6',
  title: 'live delivery p99 (submit -> receipt) ÷ raw ws broadcast p99 (trigger -> receipt)',
  goal: `≤ ${GOAL} at 100 and at 1,000 subscribers`,
  run: runP6,
};

interface Run {
  /** Sent -> receipt. */
  p50: number;
  p99: number;
  /** Ack -> receipt, a receipt before the ack counting 0. */
  ackP99: number;
  /** Share of receipts that came before the ack. */
  beforeAck: number;
  lost: number;
  /** Sent -> first receipt of each probe (the path to the first subscriber): median and largest over the probes. */
  firstP50: number;
  firstMax: number;
  /** First -> last receipt of each probe (the fan-out and the subscribers' reading): largest over the probes. */
  spreadMax: number;
}

interface Probe {
  /** Receipt minus send, ms, one per subscriber; Infinity: never received. */
  fromSend: number[];
  /** Ack minus send, ms. */
  ackMs: number;
}

type Subscribers = WorkerHandle<SubscribersReady>;

async function runP6(options: RunOptions): Promise<ScenarioResult> {
  const sz = options.quick ? QUICK : FULL;
  const conditions =
    `${sz.subscribers.join(' and ')} subscribers, one graphql-ws connection each, traceUpdated(traceId) { spans { spanId } } on one trace; ` +
    `probe = one span submitted over HTTP (submitSpans), latency from sending it to each receipt; ${sz.warmupProbes} warm-up probes, ${sz.runs} alternating runs of ` +
    `${sz.probesPerRun} sequential probes; median of per-run p50/p99; background demo ingest ${BACKGROUND_TRACES_PER_SEC} traces/s throughout; ` +
    `raw: ws server acks POST /broadcast, then sends the same-shaped message to every socket, timed from sending the POST; ` +
    `raw stored (reported, not judged): the same server first inserts the probe's span document (the gateway's own mapping) with the raw driver's insertMany into the same store, then broadcasts; ` +
    `raw streamed (reported, not judged): the same server inserts that document into the gateway's own spans collection and broadcasts when its own change stream on that collection (open only during its own probes) reports it; ` +
    `per side, First = sending -> a probe's first receipt (per run: median and largest over the probes), SpreadMax = first -> last receipt of a probe (per run: largest), medians over the runs; ` +
    `value: the larger of the p99 ratios over the sizes; subscribers of each kind in a worker of their own, times on the machine's monotonic clock; ` +
    `reported, not judged: GC pauses (count, sum, largest, mark-compacts) of the gateway, store and raw server processes over each size's probes, their heap used at its end, and their CPU time over the probes (CpuS, seconds, every side's probes and the background ingest)`;
  const fx = await startGatewayFixture('bench_p6', { cpuProfDir: options.cpuProfDir, label: 'P6' });
  const rawArgs: WsBroadcastArgs = { storeUri: fx.store.ready.uri, dbName: 'bench_p6_raw', streamDb: fx.dbName };
  const raw = await forkWorker<WsBroadcastReady>('ws-broadcast', { args: rawArgs }).catch(async (e: unknown) => {
    await fx.stop();
    throw e;
  });
  const agent = keepAliveAgent(4);
  const submitter = new SpanSubmitter({ url: fx.gateway.ready.url, agent, maxAttempts: 10, baseDelayMs: 20 });
  const feeder = new TrafficFeeder(submitter, { rate: BACKGROUND_TRACES_PER_SEC, batch: 100, seed: 'p6', concurrency: 2 });
  const probeTrace = randomBytes(16).toString('hex');
  // The streamed side's probes go into the gateway's spans collection, in a trace nobody subscribes to.
  const streamedTrace = randomBytes(16).toString('hex');
  const wsUrl = fx.gateway.ready.url.replace(/^http/, 'ws');
  const details: Record<string, unknown> = {};
  const ratios: number[] = [];
  let lostAll = 0;
  try {
    feeder.start();
    for (const n of sz.subscribers) {
      const started: Subscribers[] = [];
      let probeAgent: ReturnType<typeof keepAliveAgent> | undefined;
      try {
        const fork = async (args: SubscribersArgs): Promise<Subscribers> => {
          const w = await forkWorker<SubscribersReady>('subscribers', { args, cpuProfDir: options.cpuProfDir, label: `P6-${args.kind}` });
          started.push(w);
          return w;
        };
        const gwSubs = await fork({ kind: 'graphql-ws', url: wsUrl, traceId: probeTrace, count: n });
        const rawSubs = await fork({ kind: 'raw', url: raw.ready.wsUrl, count: n });
        options.progress(`P6 ${n} subscribers of each kind connected`);
        // The raw probes' connections are opened after the subscribers connected: a kept-alive one left idle
        // while they connect (seconds at 1,000) meets the raw server's keep-alive timeout, and a probe sent on it
        // as the server closes it fails with "socket hang up". (The gateway's probes retry through the submitter.)
        const probes = (probeAgent = keepAliveAgent(2));
        const gwProbe = (): Promise<Probe> => probeGateway(submitter, probeTrace, gwSubs);
        const rawProbe = (): Promise<Probe> => probeRaw(raw.ready.httpUrl, probes, rawSubs);
        const storedProbe = (): Promise<Probe> => probeRawStored(raw.ready.storeHttpUrl!, probes, rawSubs, probeTrace);
        const streamedProbe = (): Promise<Probe> => probeRawStored(raw.ready.streamHttpUrl!, probes, rawSubs, streamedTrace);
        // The streamed side's change stream is open only around its own probes (see ws-broadcast.ts).
        const streamed = async <T>(probing: () => Promise<T>): Promise<T> => {
          await raw.call('openStream');
          try {
            return await probing();
          } finally {
            await raw.call('closeStream');
          }
        };
        // GC pauses of the gateway, the store and the raw server over this size's probes (reported, not judged).
        const watched = [['gateway', fx.gateway], ['store', fx.store], ['raw', raw]] as const;
        await Promise.all(watched.map(([, w]) => w.call('gcWatch')));
        const cpuAt = (): Promise<number[]> => Promise.all(watched.map(([, w]) => w.call<ProcessFigures>('figures').then((f) => f.cpuUs)));
        const cpuBefore = await cpuAt();
        for (let i = 0; i < sz.warmupProbes; i++) {
          await gwProbe();
          await rawProbe();
          await storedProbe();
          await streamed(streamedProbe);
        }
        const gwRuns: Run[] = [];
        const rawRuns: Run[] = [];
        const storedRuns: Run[] = [];
        const streamedRuns: Run[] = [];
        for (let r = 0; r < sz.runs; r++) {
          gwRuns.push(await run(gwProbe, sz.probesPerRun));
          rawRuns.push(await run(rawProbe, sz.probesPerRun));
          storedRuns.push(await run(storedProbe, sz.probesPerRun));
          streamedRuns.push(await streamed(() => run(streamedProbe, sz.probesPerRun)));
          options.progress(
            `P6 ${n} subscribers run ${r + 1}/${sz.runs}: submit->receipt p99 gateway ${gwRuns[r]!.p99.toFixed(1)} ms, raw ${rawRuns[r]!.p99.toFixed(1)} ms, ` +
              `raw stored ${storedRuns[r]!.p99.toFixed(1)} ms, raw streamed ${streamedRuns[r]!.p99.toFixed(1)} ms; ` +
              `ack->receipt p99 gateway ${gwRuns[r]!.ackP99.toFixed(1)} ms (${(gwRuns[r]!.beforeAck * 100).toFixed(0)}% before the ack), raw ${rawRuns[r]!.ackP99.toFixed(1)} ms`,
          );
        }
        const gcs = await Promise.all(watched.map(([, w]) => w.call<GcFigures>('gcFigures')));
        const cpuAfter = await cpuAt();
        const med = (runs: Run[], k: keyof Run): number => median(runs.map((x) => x[k]));
        const lost = [...gwRuns, ...rawRuns, ...storedRuns, ...streamedRuns].reduce((a, x) => a + x.lost, 0);
        lostAll += lost;
        const ratio = med(gwRuns, 'p99') / med(rawRuns, 'p99');
        ratios.push(ratio);
        Object.assign(details, {
          [`p99Ratio_${n}`]: ratio,
          [`gatewayP50Ms_${n}`]: med(gwRuns, 'p50'),
          [`gatewayP99Ms_${n}`]: med(gwRuns, 'p99'),
          [`rawP50Ms_${n}`]: med(rawRuns, 'p50'),
          [`rawP99Ms_${n}`]: med(rawRuns, 'p99'),
          [`lostDeliveries_${n}`]: lost,
          [`ackP99Ratio_${n}`]: med(gwRuns, 'ackP99') / med(rawRuns, 'ackP99'),
          [`gatewayAckP99Ms_${n}`]: med(gwRuns, 'ackP99'),
          [`rawAckP99Ms_${n}`]: med(rawRuns, 'ackP99'),
          [`gatewayShareBeforeAck_${n}`]: med(gwRuns, 'beforeAck'),
          [`runP99Ratios_${n}`]: gwRuns.map((g, i) => Math.round((g.p99 / rawRuns[i]!.p99) * 100) / 100),
          [`storedP99Ratio_${n}`]: med(gwRuns, 'p99') / med(storedRuns, 'p99'),
          [`storedP50Ratio_${n}`]: med(gwRuns, 'p50') / med(storedRuns, 'p50'),
          [`rawStoredP50Ms_${n}`]: med(storedRuns, 'p50'),
          [`rawStoredP99Ms_${n}`]: med(storedRuns, 'p99'),
          [`streamedP99Ratio_${n}`]: med(gwRuns, 'p99') / med(streamedRuns, 'p99'),
          [`streamedP50Ratio_${n}`]: med(gwRuns, 'p50') / med(streamedRuns, 'p50'),
          [`rawStreamedP50Ms_${n}`]: med(streamedRuns, 'p50'),
          [`rawStreamedP99Ms_${n}`]: med(streamedRuns, 'p99'),
          ...Object.fromEntries(
            ([['gateway', gwRuns], ['raw', rawRuns], ['rawStreamed', streamedRuns]] as const).flatMap(([side, runs]) => [
              [`${side}FirstP50Ms_${n}`, med(runs, 'firstP50')],
              [`${side}FirstMaxMs_${n}`, med(runs, 'firstMax')],
              [`${side}SpreadMaxMs_${n}`, med(runs, 'spreadMax')],
            ]),
          ),
          [`runStreamedP99Ratios_${n}`]: gwRuns.map((g, i) => Math.round((g.p99 / streamedRuns[i]!.p99) * 100) / 100),
          ...Object.fromEntries(
            watched.flatMap(([side], i) => {
              const gc = gcs[i]!;
              return [
                [`${side}GcPauseSumMs_${n}`, Math.round(gc.pauseSumMs)],
                [`${side}GcPauseMaxMs_${n}`, Math.round(gc.pauseMaxMs * 10) / 10],
                [`${side}GcPauses_${n}`, gc.pauses],
                [`${side}MajorGcs_${n}`, gc.majors],
                [`${side}HeapUsedMb_${n}`, Math.round(gc.heapUsedBytes / 1e5) / 10],
                [`${side}CpuS_${n}`, Math.round((cpuAfter[i]! - cpuBefore[i]!) / 1e4) / 100],
              ];
            }),
          ),
        });
      } finally {
        probeAgent?.destroy();
        for (const w of started) await w.stop();
      }
    }
    const fed = await feeder.stop();
    details.backgroundSpansStored = fed.accepted;
    const value = Math.max(...ratios);
    const pass = lostAll === 0 && fed.failed + fed.rejected + fed.dropped === 0 && value <= GOAL;
    return { id: p6Live.id, title: p6Live.title, goal: p6Live.goal, value, pass, conditions, details };
  } finally {
    await feeder.stop();
    agent.destroy();
    await raw.stop();
    await fx.stop();
  }
}

async function run(probe: () => Promise<Probe>, probes: number): Promise<Run> {
  const fromSend: number[] = [];
  const fromAck: number[] = [];
  const firsts: number[] = [];
  const spreads: number[] = [];
  let lost = 0;
  for (let i = 0; i < probes; i++) {
    const p = await probe();
    const received = p.fromSend.filter((x) => Number.isFinite(x));
    if (received.length > 0) {
      firsts.push(Math.min(...received));
      spreads.push(Math.max(...received) - Math.min(...received));
    }
    for (const x of p.fromSend) {
      if (!Number.isFinite(x)) lost++;
      else {
        fromSend.push(x);
        fromAck.push(x - p.ackMs);
      }
    }
  }
  if (fromSend.length === 0) throw new Error('P6: no probe was delivered to any subscriber');
  return {
    p50: percentile(fromSend, 50),
    p99: percentile(fromSend, 99),
    ackP99: percentile(fromAck.map((x) => Math.max(0, x)), 99),
    beforeAck: fromAck.filter((x) => x < 0).length / fromAck.length,
    lost,
    firstP50: percentile(firsts, 50),
    firstMax: Math.max(...firsts),
    spreadMax: Math.max(...spreads),
  };
}

/** One span into the probe trace, timed from sending the request to every subscriber's receipt. */
async function probeGateway(submitter: SpanSubmitter, traceId: string, subs: Subscribers): Promise<Probe> {
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
  return { fromSend: await collect(subs, spanId, sent), ackMs: ack - sent };
}

async function probeRaw(url: string, agent: ReturnType<typeof keepAliveAgent>, subs: Subscribers): Promise<Probe> {
  const probe = randomBytes(8).toString('hex');
  // The shape graphql-ws sends for the gateway probe, with the probe id where the subscriber can find it.
  const message = JSON.stringify({ probe, id: randomBytes(16).toString('hex'), type: 'next', payload: { data: { traceUpdated: { spans: [{ spanId: probe }] } } } });
  const sent = nowMs();
  const reply = await postJson(new URL(url), message, agent, 10_000);
  const ack = nowMs();
  if (reply.status !== 200) throw new Error(`P6 raw broadcast trigger answered HTTP ${reply.status}`);
  return { fromSend: await collect(subs, probe, sent), ackMs: ack - sent };
}

/**
 * The raw side plus the store write: the probe span's document as the gateway would store it (validated
 * and mapped by the gateway's own code, here in the parent, outside the timing), inserted by the raw server with
 * the raw driver; it broadcasts once the store acknowledged the insert (`url` = /store-broadcast) or once its
 * change stream on the gateway's spans collection reported it (/stream-broadcast).
 */
async function probeRawStored(url: string, agent: ReturnType<typeof keepAliveAgent>, subs: Subscribers, traceId: string): Promise<Probe> {
  const probe = randomBytes(8).toString('hex');
  const nowUs = Date.now() * 1000;
  const span = {
    traceId, spanId: probe, service: 'bench-probe-raw', operation: 'probe', kind: 'INTERNAL' as const,
    startTime: toIsoMicros(nowUs - 1000), endTime: toIsoMicros(nowUs), status: 'OK' as const,
  };
  const { valid } = validateSpans([span], DEFAULT_INGEST_LIMITS);
  const receivedAt = new Date();
  const docs = valid.map((v) => toSpanDoc(v.record, receivedAt, new Date(receivedAt.getTime() + RETENTION_MS)));
  if (docs.length !== 1) throw new Error('P6: the stored or streamed baseline\'s probe span did not validate');
  const message = JSON.stringify({ probe, id: randomBytes(16).toString('hex'), type: 'next', payload: { data: { traceUpdated: { spans: [{ spanId: probe }] } } } });
  const body = EJSON.stringify({ docs, message }, { relaxed: true });
  const sent = nowMs();
  const reply = await postJson(new URL(url), body, agent, 10_000);
  const ack = nowMs();
  if (reply.status !== 200) throw new Error(`P6 raw broadcast ${url} answered HTTP ${reply.status}: ${reply.body.slice(0, 200)}`);
  return { fromSend: await collect(subs, probe, sent), ackMs: ack - sent };
}

/** Receipt minus send for each subscriber; Infinity for each one that never got the probe. */
async function collect(subs: Subscribers, probe: string, sent: number): Promise<number[]> {
  const args: CollectArgs = { probe, timeoutMs: DELIVERY_TIMEOUT_MS };
  const got = await subs.call<number[]>('collect', args);
  const latencies = got.map((at) => at - sent);
  while (latencies.length < subs.ready.count) latencies.push(Number.POSITIVE_INFINITY);
  return latencies;
}
