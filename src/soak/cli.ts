/**
 * `npm run soak -- --url http://host:port/graphql [--duration 15m] [--rate 2000] [--batch 100] [--token T]
 * [--metrics-url URL]`: the soak canary against a running gateway (see run.ts). Prints progress, then the report as
 * one JSON object on stdout; exits 1 when anything acknowledged is missing or duplicated, 2 on a bad command line.
 * The token may also come from TRACEGATE_SOAK_TOKEN (it needs the ingest and read scopes).
 */
import { CommandLineError, parseOptions } from '../cli-args';
import { duration } from '../config';
import { runSoak } from './run';

const USAGE = 'usage: npm run soak -- --url http://host:port/graphql [--duration 15m] [--rate spans/s] [--batch spans] [--token T] [--metrics-url URL]';

async function main(): Promise<void> {
  let options: Parameters<typeof runSoak>[0];
  try {
    const flags = parseOptions(process.argv.slice(2), {
      url: { type: 'string' },
      duration: { type: 'string' },
      rate: { type: 'string' },
      batch: { type: 'string' },
      token: { type: 'string' },
      'metrics-url': { type: 'string' },
    } as const);
    if (!flags.url || !/^https?:\/\/[^/]+/.test(flags.url)) throw new CommandLineError(`--url: expected the gateway's http(s):// GraphQL endpoint, received ${JSON.stringify(flags.url ?? '')}`);
    const rate = Number(flags.rate ?? '2000');
    const batch = Number(flags.batch ?? '100');
    if (!(rate > 0)) throw new CommandLineError(`--rate: expected spans per second above 0, received ${JSON.stringify(flags.rate)}`);
    if (!Number.isInteger(batch) || batch < 1 || batch > 5000) throw new CommandLineError(`--batch: expected an integer from 1 to 5000, received ${JSON.stringify(flags.batch)}`);
    let durationMs: number;
    try {
      durationMs = duration(1000)(flags.duration ?? '15m', '--duration');
    } catch (error) {
      throw new CommandLineError((error as Error).message);
    }
    const token = flags.token ?? process.env.TRACEGATE_SOAK_TOKEN;
    options = { url: flags.url, durationMs, rate, batch, ...(token ? { token } : {}), ...(flags['metrics-url'] ? { metricsUrl: flags['metrics-url'] } : {}) };
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    process.stderr.write(`soak: ${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const report = await runSoak({ ...options, progress: (line) => process.stderr.write(`soak: ${line}\n`) });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.stderr.write(
    `soak: ${report.ok ? 'OK' : 'FAILED'}: ${report.acknowledged} spans acknowledged; missing by id ${report.missingById}, by search ${report.missingBySearch} traces, live ${report.missingLive}; late ${report.lateLive}; duplicated ${report.duplicated}; p99 ingest ${report.p99IngestMs} ms, read ${report.p99ReadMs} ms, live ${report.p99LiveMs} ms\n`,
  );
  process.exit(report.ok ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`soak: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
