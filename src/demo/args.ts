/**
 * `npm run demo -- [--url URL] [--rate traces/s] [--batch spans] [--seed S] [--duration seconds] [--concurrency N]
 * [--port P]`: without --url the demo starts its own gateway (embedded store, in memory) on 127.0.0.1.
 */
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
  const out: DemoArgs = { ...DEMO_DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const raw = argv[i + 1];
    const value = (): string => {
      i++;
      if (raw === undefined || raw.startsWith('--')) throw new Error(`${flag} expects a value, but got: ${raw ?? 'nothing'}\n${DEMO_USAGE}`);
      return raw;
    };
    switch (flag) {
      case '--url': {
        const v = value();
        if (!/^http:\/\/[^/]+/.test(v)) throw new Error(`--url expects an http:// URL of the GraphQL endpoint, but got: ${v}`);
        out.url = v;
        break;
      }
      case '--rate': out.rate = number(flag, value(), { min: 0, exclusive: true }); break;
      case '--batch': out.batch = number(flag, value(), { min: 1, integer: true, max: 5000 }); break;
      case '--seed': out.seed = value(); break;
      case '--duration': out.durationSec = number(flag, value(), { min: 0, exclusive: true }); break;
      case '--concurrency': out.concurrency = number(flag, value(), { min: 1, integer: true, max: 64 }); break;
      case '--port': out.port = number(flag, value(), { min: 0, integer: true, max: 65535 }); break;
      default: throw new Error(`unknown argument ${JSON.stringify(flag)}\n${DEMO_USAGE}`);
    }
  }
  return out;
}

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
