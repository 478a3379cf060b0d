/** The benchmark harness's own arithmetic and argument handling (the scenarios themselves run in `npm run bench`). */
import { parseBenchArgs } from '../../bench/harness/args';
import { median, percentile, round } from '../../bench/harness/stats';
import { markdownTable } from '../../bench/harness/table';
import { notMeasured } from '../../bench/harness/types';
import { parsePairArgs } from '../../bench/p4-pair';
import { summarizeProfile } from '../../bench/profile-summary';

describe('bench stats', () => {
  it('takes nearest-rank percentiles and true medians', () => {
    const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 99)).toBe(10);
    expect(percentile(xs, 0)).toBe(1);
    expect(median(xs)).toBe(5.5);
    expect(median([3, 1, 2])).toBe(2);
    expect(() => percentile([], 50)).toThrow(/at least one sample/);
    expect(() => percentile([1], 101)).toThrow(/\[0, 100\].*101/);
  });

  it('rounds for display to three significant digits', () => {
    expect(round(0.123456)).toBe(0.123);
    expect(round(1234.56)).toBe(1235);
    expect(Number.isNaN(round(Number.NaN))).toBe(true);
  });
});

describe('bench arguments', () => {
  it('reads --quick, --json, --only and --cpu-prof-dir', () => {
    expect(parseBenchArgs(['--quick', '--json', 'out.json', '--only', 'p1, P7', '--cpu-prof-dir', '/tmp/p'])).toEqual({
      quick: true, json: 'out.json', only: ['P1', 'P7'], cpuProfDir: '/tmp/p',
    });
    expect(() => parseBenchArgs(['--json'])).toThrow('--json: expected a value, received nothing');
    expect(() => parseBenchArgs(['--fast'])).toThrow(/unknown option --fast: expected one of --quick, --json/);
    expect(() => parseBenchArgs(['--quick=yes'])).toThrow('--quick: expected no value (a switch), received one');
  });

  it('reads the side-by-side gateway tool\'s --other, --trials and Node options of each side', () => {
    const options = parsePairArgs(['--other', '/tmp/base', '--trials', '3', '--flags-b', '--max-semi-space-size=64  --no-lazy-feedback-allocation']);
    expect(options).toEqual({ other: '/tmp/base', trials: 3, flags: { A: [], B: ['--max-semi-space-size=64', '--no-lazy-feedback-allocation'] } });
    expect(parsePairArgs([]).trials).toBe(6);
    expect(() => parsePairArgs(['--trials'])).toThrow('--trials: expected a value, received nothing');
    expect(() => parsePairArgs(['--trials', '0'])).toThrow('--trials: expected a positive integer, received 0');
    expect(() => parsePairArgs(['--base', 'x'])).toThrow(/unknown option --base: expected one of --other DIR/);
  });
});

describe('bench table', () => {
  it('shows measured values, failures and unmeasured scenarios with their reason', () => {
    const table = markdownTable(
      [
        { id: 'P1', title: 'ingest', value: 0.712, goal: '≥ 0.65', pass: true, conditions: '5 runs', details: { rawSpansPerSec: 10234.4, perRun: [1, 2] } },
        { id: 'P4', title: 'trace', value: 2.5, goal: 'p50 ≤ 1.5', pass: false, conditions: 'a|b', details: {} },
        notMeasured({ id: 'P6', title: 'live', goal: '≤ 1.5' }, 'live updates not built'),
      ],
      false,
    );
    const lines = table.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[2]).toBe('| P1 | ingest | 0.712 | ≥ 0.65 | yes | rawSpansPerSec=10234 | 5 runs |');
    expect(lines[3]).toContain('| 2.5 | p50 ≤ 1.5 | NO |');
    expect(lines[3]).toContain('a\\|b');
    expect(lines[4]).toContain('| not measured | ≤ 1.5 | no: live updates not built |');
  });
});

describe('bench profile summary', () => {
  it('attributes sampled time to functions, modules and project callers', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 4] },
        { id: 2, callFrame: frame('handle', 'file:///w/dist/src/server/routes/graphql.js'), children: [3] },
        { id: 3, callFrame: frame('deserializeObject', 'file:///w/node_modules/bson/lib/bson.cjs') },
        { id: 4, callFrame: frame('(idle)', '') },
      ],
      samples: [3, 3, 2, 4],
      timeDeltas: [1000, 1000, 500, 2500],
    };
    const s = summarizeProfile(profile);
    expect(s.totalMs).toBe(5);
    expect(s.byModule).toEqual([['(idle)', 2.5], ['bson', 2], ['src/server', 0.5]]);
    expect(s.byFunction[1]).toEqual(['deserializeObject bson/lib/bson.cjs:1', 2]);
    expect(s.inclusiveProject).toEqual([['handle src/server/routes/graphql.js:1', 2.5]]);
  });
});
