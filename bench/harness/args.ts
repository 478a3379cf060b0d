/** `npm run bench -- [--quick] [--json FILE] [--only P1,P7] [--cpu-prof-dir DIR]`. */
export interface BenchArgs {
  quick: boolean;
  json?: string;
  only?: string[];
  /** When set, child processes under test write V8 CPU profiles here (for explaining a shortfall). */
  cpuProfDir?: string;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const out: BenchArgs = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} expects a value, but got: ${v ?? 'nothing'}`);
      return v;
    };
    switch (a) {
      case '--quick': out.quick = true; break;
      case '--json': out.json = value(); break;
      case '--only': out.only = value().split(',').map((s) => s.trim().toUpperCase()).filter(Boolean); break;
      case '--cpu-prof-dir': out.cpuProfDir = value(); break;
      default: throw new Error(`unknown argument ${JSON.stringify(a)}; expected --quick, --json FILE, --only P1,P7 or --cpu-prof-dir DIR`);
    }
  }
  return out;
}
