/** The suite's markdown table: one row per scenario, as pasted into docs/performance.md. */
import { round } from './stats';
import type { ScenarioResult } from './types';

export function markdownTable(results: readonly ScenarioResult[], quick: boolean): string {
  const head = ['id', 'scenario', 'value', 'goal', quick ? 'pass (quick: not enforced)' : 'pass', 'key figures', 'conditions'];
  const rows = results.map((r) => [
    r.id,
    r.title,
    r.notMeasured ? 'not measured' : String(round(r.value)),
    r.goal,
    r.notMeasured ? `no: ${r.notMeasured}` : r.pass ? 'yes' : 'NO',
    keyFigures(r.details),
    r.conditions,
  ]);
  const esc = (c: string): string => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.map(esc).join(' | ')} |`).join('\n');
}

// Private: the scalar details, compact; arrays of per-run values are left to the JSON.
function keyFigures(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
    .map(([k, v]) => `${k}=${typeof v === 'number' ? round(v) : v}`)
    .join(', ');
}
