/**
 * `npm run demo -- [--url URL] [--rate traces/s] [--batch spans] [--seed S] [--duration seconds] [--concurrency N]
 * [--port P]`: without --url the demo starts its own gateway (embedded store, in memory) on 127.0.0.1.
 */
import { parseOptions, type ParsedOptions } from '../cli-args';

export interface DemoArgs {
  /** An already running gateway's GraphQL endpoint; when absent the demo starts one in-process. */
  url?: string;
  rate: number;
  batch: number;
  seed: string;
  /** Seconds; undefined runs until interrupted. */
  durationSec?: number;
  concurrency: number;
  /** Port for the in-process gateway (0: any free port). */
  port: number;
}

export const DEMO_DEFAULTS: Readonly<DemoArgs> = Object.freeze({ rate: 20, batch: 200, seed: '1', concurrency: 4, port: 4000 });

export const DEMO_USAGE =
  'usage: npm run demo -- [--url http://host:port/graphql] [--rate traces/s] [--batch spans] [--seed S] [--duration seconds] [--concurrency N] [--port P]';

export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  let flags: ParsedOptions<typeof DEMO_OPTIONS>;
  try {
    flags = parseOptions(argv, DEMO_OPTIONS);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${DEMO_USAGE}`);
  }
  const out: DemoArgs = { ...DEMO_DEFAULTS };
  if (flags.url !== undefined) {
    if (!/^http:\/\/[^/]+/.test(flags.url)) throw new Error(`--url expects an http:// URL of the GraphQL endpoint, but got: ${flags.url}`);
    out.url = flags.url;
  }
  if (flags.rate !== undefined) out.rate = number('--rate', flags.rate, { min: 0, exclusive: true });
  if (flags.batch !== undefined) out.batch = number('--batch', flags.batch, { min: 1, integer: true, max: 5000 });
  if (flags.seed !== undefined) out.seed = flags.seed;
  if (flags.duration !== undefined) out.durationSec = number('--duration', flags.duration, { min: 0, exclusive: true });
  if (flags.concurrency !== undefined) out.concurrency = number('--concurrency', flags.concurrency, { min: 1, integer: true, max: 64 });
  if (flags.port !== undefined) out.port = number('--port', flags.port, { min: 0, integer: true, max: 65535 });
  return out;
}

const DEMO_OPTIONS = {
  url: { type: 'string' },
  rate: { type: 'string' },
  batch: { type: 'string' },
  seed: { type: 'string' },
  duration: { type: 'string' },
  concurrency: { type: 'string' },
  port: { type: 'string' },
} as const;

function number(flag: string, text: string, rule: { min: number; exclusive?: boolean; integer?: boolean; max?: number }): number {
  const n = Number(text);
  const ok =
    text.trim() !== '' && Number.isFinite(n) && (rule.exclusive ? n > rule.min : n >= rule.min) &&
    (rule.max === undefined || n <= rule.max) && (!rule.integer || Number.isInteger(n));
  if (!ok) {
    const range = `${rule.exclusive ? '>' : '>='} ${rule.min}${rule.max === undefined ? '' : ` and <= ${rule.max}`}`;
    throw new Error(`${flag} expects ${rule.integer ? 'an integer' : 'a number'} ${range}, but got: ${JSON.stringify(text)}`);
  }
  return n;
}
