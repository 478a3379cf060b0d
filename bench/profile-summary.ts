/**
 * `node dist/bench/profile-summary.js FILE.cpuprofile [top]`: where a worker's CPU went, from a V8 CPU profile
 * written by `npm run bench -- --cpu-prof-dir DIR`. Prints self time by function and by module (package or
 * project folder), so a shortfall is explained by a profile rather than a guess.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  byFunction: [string, number][];
  byModule: [string, number][];
  /** Time with the function anywhere on the stack (project code only: dist/src), counted once per sample. */
  inclusiveProject: [string, number][];
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    const m = moduleOf(url, functionName);
    mod.set(m, (mod.get(m) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)?.callFrame;
      if (!f || !/\/dist\/src\//.test(f.url)) continue;
      const k = `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  });
  const sorted = (m: Map<string, number>): [string, number][] => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / 1000]);
  return { totalMs: total / 1000, byFunction: sorted(fn), byModule: sorted(mod), inclusiveProject: sorted(inclusive) };
}

// Private: node_modules/<pkg> or the project folder (dist/src/graphql -> src/graphql), else V8's own category.
function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const project = /dist\/((?:src|bench)\/[^/]+)/.exec(url);
  if (project) return project[1];
  if (url.startsWith('node:')) return url.split('/')[0];
  return shortUrl(url);
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '');
}

function main(): void {
  const [file, topText] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js FILE.cpuprofile [top]\n');
    process.exit(2);
  }
  const top = Number(topText ?? 15);
  const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const pct = (ms: number): string => `${((ms / s.totalMs) * 100).toFixed(1)}%`;
  process.stdout.write(`${file}: ${s.totalMs.toFixed(0)} ms sampled\n\nself time by module:\n`);
  for (const [k, ms] of s.byModule.slice(0, top)) process.stdout.write(`  ${pct(ms).padStart(6)}  ${ms.toFixed(0).padStart(7)} ms  ${k}\n`);
  process.stdout.write('\nself time by function:\n');
  for (const [k, ms] of s.byFunction.slice(0, top)) process.stdout.write(`  ${pct(ms).padStart(6)}  ${ms.toFixed(0).padStart(7)} ms  ${k}\n`);
  process.stdout.write('\ninclusive time of project functions (on the stack):\n');
  for (const [k, ms] of s.inclusiveProject.slice(0, top)) process.stdout.write(`  ${pct(ms).padStart(6)}  ${ms.toFixed(0).padStart(7)} ms  ${k}\n`);
}

if (require.main === module) main();
