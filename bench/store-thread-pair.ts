/**
 * `node dist/bench/store-thread-pair.js [--rounds N]`: `npm start`'s layout (the embedded store on disk in the
 * gateway's process) with the store on a thread of its own (`TRACEGATE_STORE_THREAD=own`, the default) against the
 * store on the gateway's thread (`shared`), side by side. Not part of `npm run bench`: the suite's scenarios run
 * the store in a process of its own, as a MongoDB server would be.
 *
 * Two gateway processes of this checkout's `dist/` run at once, each with a fresh data directory. Each round
 * loads one, then the other (the order alternating between rounds): 30 batches of 500 fresh demo spans through
 * 8 concurrent clients (as P1 loads), while a monitoring client reads one stored demo trace with
 * `trace(id)` over and over (one request at a time, 5 ms apart) until the load is done. Per side: spans/s (median
 * of the rounds), the reads' latency over every round (p50, p90, p99) and count, and the process's CPU (all
 * threads) per stored span; at the end the ratios own ÷ shared.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { keepAliveAgent, postJson, SpanSubmitter, TrafficGenerator } from '../src/demo';
import { median, percentile } from './harness/stats';
import { INGEST_CONCURRENCY, sendAll } from './load/ingest';
import { ingestBatches } from './load/span-bodies';

type Side = 'own' | 'shared';
const SIDES: readonly Side[] = ['own', 'shared'];
const BATCHES = 30;
const BATCH_SPANS = 500;
const WARMUP_BATCHES = 10;
const READ_GAP_MS = 5;
const START_TIMEOUT_MS = 60_000;
const READ_TIMEOUT_MS = 60_000;
const ROOT = resolve(__dirname, '../..');

interface Gateway {
  proc: ChildProcess;
  url: string;
  dataDir: string;
}

// Private: `npm start` (dist/src/main.js) with the embedded store in a fresh data directory; resolves once it listens.
function startGateway(side: Side): Promise<Gateway> {
  const dataDir = mkdtempSync(join(tmpdir(), `tg-thread-${side}-`));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', TRACEGATE_OTLP_GRPC_PORT: '0', TRACEGATE_LOG_LEVEL: 'info', TRACEGATE_DATA_DIR: dataDir, TRACEGATE_STORE_THREAD: side };
  delete env.MONGODB_URI;
  const proc = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolveStart, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`gateway (${side}) did not start within ${START_TIMEOUT_MS} ms:\n${text}`)), START_TIMEOUT_MS);
    proc.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /Tracegate listening on (http:\/\/\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolveStart({ proc, url: m[1]!, dataDir });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway (${side}) exited (${code}) before it listened:\n${text}`));
    });
  });
}

// Private: the process's CPU seconds so far (every thread), from /proc.
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  const roundsAt = process.argv.indexOf('--rounds');
  const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 6;
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`--rounds takes a whole number >= 1, got ${process.argv[roundsAt + 1]}`);
  const gateways = {} as Record<Side, Gateway>;
  for (const side of SIDES) gateways[side] = await startGateway(side);
  try {
    const submitters = {} as Record<Side, SpanSubmitter>;
    const gens = {} as Record<Side, TrafficGenerator>;
    const readers = {} as Record<Side, Agent>;
    const urls = {} as Record<Side, URL>;
    const reads = {} as Record<Side, string>;
    let t = Date.now() - 3_600_000;
    for (const side of SIDES) {
      submitters[side] = new SpanSubmitter({ url: gateways[side].url, agent: keepAliveAgent(INGEST_CONCURRENCY), maxAttempts: 20, baseDelayMs: 20 });
      gens[side] = new TrafficGenerator({ seed: `thread-${side}` });
      readers[side] = keepAliveAgent(1);
      urls[side] = new URL(gateways[side].url);
      await sendAll(submitters[side], ingestBatches(gens[side], WARMUP_BATCHES, BATCH_SPANS, t));
      // The trace the monitoring client reads: stored before the rounds, and checked once.
      const trace = gens[side].nextTrace(t).spans;
      const outcome = await submitters[side].submit(trace);
      if (outcome.kind !== 'stored' || outcome.accepted !== trace.length) throw new Error(`the read trace was not stored whole on ${side}`);
      reads[side] = JSON.stringify({ query: `{ trace(id: "${trace[0]!.traceId}") { id spans { spanId operation service { name } } } }` });
      const reply = await postJson(urls[side], reads[side], readers[side], READ_TIMEOUT_MS);
      const got = (JSON.parse(reply.body) as { data?: { trace?: { spans?: unknown[] } } }).data?.trace?.spans?.length;
      if (got !== trace.length) throw new Error(`trace(id) on ${side} answered ${got} spans, expected ${trace.length}: ${reply.body.slice(0, 200)}`);
    }
    const rates: Record<Side, number[]> = { own: [], shared: [] };
    const latencies: Record<Side, number[]> = { own: [], shared: [] };
    const cpu: Record<Side, number> = { own: 0, shared: 0 };
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? SIDES : [...SIDES].reverse()) {
        const batches = ingestBatches(gens[side], BATCHES, BATCH_SPANS, (t += 60_000));
        let loading = true;
        const reader = (async () => {
          while (loading) {
            const t0 = performance.now();
            const reply = await postJson(urls[side], reads[side], readers[side], READ_TIMEOUT_MS);
            if (reply.status !== 200 || reply.body.includes('"errors"')) throw new Error(`trace(id) on ${side} failed during the load: ${reply.status} ${reply.body.slice(0, 200)}`);
            latencies[side].push(performance.now() - t0);
            await new Promise((r) => setTimeout(r, READ_GAP_MS));
          }
        })();
        reader.catch(() => undefined); // awaited below, after the load
        const cpu0 = cpuSeconds(gateways[side].proc.pid!);
        const ms = await sendAll(submitters[side], batches);
        cpu[side] += cpuSeconds(gateways[side].proc.pid!) - cpu0;
        loading = false;
        await reader;
        rates[side].push((BATCHES * BATCH_SPANS) / (ms / 1000));
      }
    }
    const spans = rounds * BATCHES * BATCH_SPANS;
    const figure = (side: Side) => ({
      spansPerSec: median(rates[side]),
      reads: latencies[side].length,
      readP50Ms: percentile(latencies[side], 50),
      readP90Ms: percentile(latencies[side], 90),
      readP99Ms: percentile(latencies[side], 99),
      cpuUsPerSpan: (cpu[side] / spans) * 1e6,
    });
    const own = figure('own');
    const shared = figure('shared');
    for (const [side, f] of [['own', own], ['shared', shared]] as const) {
      console.log(`${side.padEnd(6)} spans/s ${f.spansPerSec.toFixed(0)} (rounds ${rates[side].map((r) => r.toFixed(0)).join(' ')}); trace(id) during the load: ${f.reads} reads, p50 ${f.readP50Ms.toFixed(1)} ms, p90 ${f.readP90Ms.toFixed(1)}, p99 ${f.readP99Ms.toFixed(1)}; process CPU ${f.cpuUsPerSpan.toFixed(0)} µs per stored span (the reads' CPU included)`);
    }
    console.log(
      `own ÷ shared: spans/s ${(own.spansPerSec / shared.spansPerSec).toFixed(2)}, read p50 ${(own.readP50Ms / shared.readP50Ms).toFixed(2)}, p90 ${(own.readP90Ms / shared.readP90Ms).toFixed(2)}, p99 ${(own.readP99Ms / shared.readP99Ms).toFixed(2)}, reads served ${(own.reads / shared.reads).toFixed(2)}, CPU per span ${(own.cpuUsPerSpan / shared.cpuUsPerSpan).toFixed(2)}`,
    );
  } finally {
    for (const side of SIDES) {
      const { proc } = gateways[side];
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(gateways[side].dataDir, { recursive: true, force: true });
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
