/**
 * `node dist/bench/p4-pair.js [--other DIR] [--trials N] [--flags-a "..."] [--flags-b "..."]`: two fresh gateways
 * side by side in P4's judged window, for comparing two builds (this checkout's `dist/` as A, DIR's `dist/` as B)
 * or two sets of Node options on one build. Not a judged benchmark: a way to tell a change of the gateway's
 * warm-up from the load of a shared machine, which moves P4's own 10-span figures by ±0.4 from run to run.
 *
 * One store and one seeding gateway are set up as P4 sets them up (200 demo traces and a 10-span and a 1,000-span
 * trace). Each trial forks gateway A and gateway B (the order alternating between trials), lets each ingest 100
 * new demo traces (as P4's gateway has ingested its seeding before it is read), sends 10 warm-up `trace(id)`
 * requests of the 10-span trace to each, then 5 blocks of 100 more to each, A's and B's alternating request by
 * request: both are in the same window of their warm-up under the same load. Per trial: each gateway's p50
 * (median of the blocks'), its process CPU per request (all threads: its compiler threads included) and its
 * main thread's CPU per request (Linux `schedstat`); at the end the per-trial ratios B / A and their medians.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { keepAliveAgent, postJson, SpanSubmitter, TrafficGenerator } from '../src/demo';
import { forkWorker, type WorkerHandle } from './harness/child';
import { startGatewayFixture } from './harness/fixture';
import { median, msSince, percentile } from './harness/stats';
import { bigTrace } from './load/big-trace';
import { TRACE_QUERY } from './scenarios/p4-trace-latency';
import type { GatewayArgs, GatewayReady } from './workers/gateway';
import type { ProcessFigures } from './workers/protocol';

export interface PairOptions {
  other: string;
  trials: number;
  flags: { A: string[]; B: string[] };
}

type Side = 'A' | 'B';
const SIDES: readonly Side[] = ['A', 'B'];
const BLOCKS = 5;
const PER_BLOCK = 100;
const WARMUP = 10;

/** The command line's options; `--other` defaults to this checkout, so that only `--flags-a` / `--flags-b` differ. */
export function parsePairArgs(argv: readonly string[]): PairOptions {
  const out: PairOptions = { other: path.join(__dirname, '..', '..'), trials: 6, flags: { A: [], B: [] } };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${name}: expected a value, received nothing`);
    if (name === '--other') out.other = path.resolve(value);
    else if (name === '--trials') out.trials = Number(value);
    else if (name === '--flags-a') out.flags.A = value.split(' ').filter(Boolean);
    else if (name === '--flags-b') out.flags.B = value.split(' ').filter(Boolean);
    else throw new Error(`unknown option ${name}: expected one of --other DIR, --trials N, --flags-a "...", --flags-b "..."`);
  }
  if (!Number.isInteger(out.trials) || out.trials < 1) throw new Error(`--trials: expected a positive integer, received ${out.trials}`);
  return out;
}

// Private: CPU time of a process's main thread so far, in µs; undefined where /proc has no schedstat.
function mainThreadUs(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  } catch {
    return undefined;
  }
}

interface Figures {
  p50: number;
  cpuUs: number;
  mainUs: number | undefined;
}

async function main(): Promise<void> {
  const options = parsePairArgs(process.argv.slice(2));
  const benchDirs: Record<Side, string> = { A: path.join(__dirname), B: path.join(options.other, 'dist', 'bench') };
  const fx = await startGatewayFixture('bench_p4_pair');
  const results: Record<Side, Figures[]> = { A: [], B: [] };
  try {
    const startMs = Date.now() - 3_600_000;
    const gen = new TrafficGenerator({ seed: 'p4', startTimeMs: startMs - 60_000 });
    await fx.seed(gen.spans(200));
    const targets = [10, 1000].map((n, i) => bigTrace(gen, n, startMs + i * 1000));
    for (const t of targets) await fx.seed(t.spans);
    const body = JSON.stringify({ query: TRACE_QUERY, variables: { id: targets[0]!.traceId } });
    for (let trial = 0; trial < options.trials; trial++) {
      const order: Side[] = trial % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
      const gateways = {} as Record<Side, WorkerHandle<GatewayReady>>;
      const agents = { A: keepAliveAgent(1), B: keepAliveAgent(1) };
      try {
        for (const side of order) {
          const args: GatewayArgs = { storeUri: fx.store.ready.uri, dbName: fx.dbName };
          gateways[side] = await forkWorker<GatewayReady>('gateway', { args, benchDir: benchDirs[side], nodeOptions: options.flags[side] });
        }
        for (const side of order) {
          const submitter = new SpanSubmitter({ url: gateways[side].ready.url, agent: agents[side], maxAttempts: 20, baseDelayMs: 20 });
          const spans = gen.spans(100);
          for (let i = 0; i < spans.length; i += 500) {
            const outcome = await submitter.submit(spans.slice(i, i + 500));
            if (outcome.kind !== 'stored') throw new Error(`gateway ${side} did not store its seeding: ${JSON.stringify(outcome).slice(0, 300)}`);
          }
        }
        const request = async (side: Side): Promise<number> => {
          const t0 = process.hrtime.bigint();
          const reply = await postJson(new URL(gateways[side].ready.url), body, agents[side], 60_000);
          const ms = msSince(t0);
          const spans = (JSON.parse(reply.body) as { data?: { trace?: { spans?: unknown[] } } }).data?.trace?.spans;
          if (reply.status !== 200 || spans?.length !== 10) throw new Error(`gateway ${side} answered trace(id) wrongly (HTTP ${reply.status}): ${reply.body.slice(0, 300)}`);
          return ms;
        };
        for (let i = 0; i < WARMUP; i++) for (const side of order) await request(side);
        const p50s: Record<Side, number[]> = { A: [], B: [] };
        const cpu: Record<Side, number> = { A: 0, B: 0 };
        const mainCpu: Record<Side, number | undefined> = { A: 0, B: 0 };
        for (let block = 0; block < BLOCKS; block++) {
          const before = {} as Record<Side, { cpuUs: number; mainUs: number | undefined }>;
          for (const side of order) before[side] = { cpuUs: (await gateways[side].call<ProcessFigures>('figures')).cpuUs, mainUs: mainThreadUs(gateways[side].pid) };
          const samples: Record<Side, number[]> = { A: [], B: [] };
          for (let i = 0; i < PER_BLOCK; i++) for (const side of i % 2 === 0 ? order : [...order].reverse()) samples[side].push(await request(side));
          for (const side of order) {
            cpu[side] += (await gateways[side].call<ProcessFigures>('figures')).cpuUs - before[side].cpuUs;
            const mainNow = mainThreadUs(gateways[side].pid);
            const mainBefore = before[side].mainUs;
            mainCpu[side] = mainNow === undefined || mainBefore === undefined || mainCpu[side] === undefined ? undefined : mainCpu[side]! + mainNow - mainBefore;
            p50s[side].push(percentile(samples[side], 50));
          }
        }
        for (const side of SIDES) {
          const main = mainCpu[side];
          results[side].push({ p50: median(p50s[side]), cpuUs: cpu[side] / (BLOCKS * PER_BLOCK), mainUs: main === undefined ? undefined : main / (BLOCKS * PER_BLOCK) });
        }
        const fmt = (f: Figures): string => `p50 ${f.p50.toFixed(2)} ms, CPU ${f.cpuUs.toFixed(0)} µs (main thread ${f.mainUs?.toFixed(0) ?? '?'})`;
        console.log(`trial ${trial + 1}: A ${fmt(results.A[trial]!)}; B ${fmt(results.B[trial]!)}; load average ${loadAverage()}`);
      } finally {
        for (const side of order) {
          agents[side].destroy();
          await gateways[side]?.stop();
        }
      }
    }
  } finally {
    await fx.stop();
  }
  const ratios = (pick: (f: Figures) => number | undefined): string => {
    const each = results.A.map((a, i) => {
      const [x, y] = [pick(a), pick(results.B[i]!)];
      return x === undefined || y === undefined ? Number.NaN : y / x;
    });
    return `${each.map((r) => r.toFixed(3)).join(' ')} (median ${median(each).toFixed(3)})`;
  };
  console.log(`B / A per trial: p50 ${ratios((f) => f.p50)}; CPU ${ratios((f) => f.cpuUs)}; main thread ${ratios((f) => f.mainUs)}`);
}

function loadAverage(): string {
  return os.loadavg()[0]!.toFixed(1);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
