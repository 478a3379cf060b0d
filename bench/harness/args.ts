/** `npm run bench -- [--quick] [--json FILE] [--only P1,P7] [--cpu-prof-dir DIR]`. */
import { parseOptions } from '../../src/cli-args';

export interface BenchArgs {
  quick: boolean;
  json?: string;
  only?: string[];
  /** When set, child processes under test write V8 CPU profiles here (for explaining a shortfall). */
  cpuProfDir?: string;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const flags = parseOptions(argv, {
    quick: { type: 'boolean' },
    json: { type: 'string' },
    only: { type: 'string' },
    'cpu-prof-dir': { type: 'string' },
  });
  const out: BenchArgs = { quick: flags.quick ?? false };
  if (flags.json !== undefined) out.json = flags.json;
  if (flags.only !== undefined) out.only = flags.only.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  if (flags['cpu-prof-dir'] !== undefined) out.cpuProfDir = flags['cpu-prof-dir'];
  return out;
}
