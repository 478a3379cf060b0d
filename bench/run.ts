/**
 * `npm run bench [-- --quick] [--json FILE] [--only P1,P7] [--cpu-prof-dir DIR]`: runs every scenario in turn,
 * shows progress on stderr, prints the markdown table on stdout, and writes the JSON results when asked.
 * A scenario that throws is reported as "not measured" with its error; the suite carries on.
 */
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { markdownTable, msSince, notMeasured, parseBenchArgs, type ScenarioResult } from './harness';
import { SCENARIOS } from './scenarios';

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const started = process.hrtime.bigint();
  const progress = (message: string): void => {
    process.stderr.write(`[bench ${(msSince(started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
  };
  const selected = SCENARIOS.filter((s) => !args.only || args.only.includes(s.id));
  if (args.only && selected.length !== args.only.length) {
    const known = SCENARIOS.map((s) => s.id);
    throw new Error(`--only names unknown scenarios: ${args.only.filter((id) => !known.includes(id)).join(', ')}; known: ${known.join(', ')}`);
  }
  progress(`${selected.length} scenarios, ${args.quick ? 'quick smoke run (thresholds not enforced)' : 'full run'}`);
  // Other work on the machine competes with the processes under test; the load average says how much.
  const loadBefore = os.loadavg()[0];
  const results: ScenarioResult[] = [];
  for (const s of selected) {
    progress(`${s.id} ${s.title}: starting`);
    const t0 = process.hrtime.bigint();
    let r: ScenarioResult;
    try {
      r = await s.run({ quick: args.quick, progress, cpuProfDir: args.cpuProfDir });
    } catch (e) {
      const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
      progress(`${s.id} failed: ${e instanceof Error ? e.stack : String(e)}`);
      r = notMeasured(s, `failed: ${reason}`);
    }
    results.push(r);
    progress(`${s.id} done in ${(msSince(t0) / 1000).toFixed(1)} s (load average ${os.loadavg()[0].toFixed(1)}): ${r.notMeasured ? `not measured (${r.notMeasured})` : `${r.value} (${r.pass ? 'pass' : 'FAIL'})`}`);
  }
  const load = `load average ${loadBefore.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at end`;
  const machine = `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
  process.stdout.write(`\n${markdownTable(results, args.quick)}\n\nMachine: ${machine}; ${load}. Total ${(msSince(started) / 1000).toFixed(0)} s.\n`);
  if (args.json) {
    const body = { generatedAt: new Date().toISOString(), quick: args.quick, machine, load, scenarios: results.map(toJson) };
    writeFileSync(args.json, JSON.stringify(body, null, 2) + '\n');
    progress(`wrote ${args.json}`);
  }
}

// Private: NaN is not JSON; an unmeasured value is written as null next to its reason.
function toJson(r: ScenarioResult): Record<string, unknown> {
  const { details, ...rest } = r;
  return { ...rest, value: Number.isFinite(r.value) ? r.value : null, ...details };
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
