import { criticalPath } from '../../src/analytics/critical-path';
import { selfTimeUs } from '../../src/analytics/self-time';
import type { SpanRecord } from '../../src/domain';

const T0 = 1_800_000_000_000_000;

function span(id: string, parent: string | null, start: number, end: number, service = 'svc'): SpanRecord {
  return {
    traceId: 'a'.repeat(32),
    spanId: id.padStart(16, '0'),
    parentSpanId: parent === null ? null : parent.padStart(16, '0'),
    service,
    operation: `op-${id}`,
    kind: 'INTERNAL',
    startUs: T0 + start,
    endUs: T0 + end,
    durationUs: end - start,
    startTime: T0 + start,
    endTime: T0 + end,
    status: 'OK',
    result: null,
    attributes: [],
    metrics: [],
    events: [],
    links: [],
  };
}

// The path as [spanId suffix, start, end] relative to T0.
function path(spans: SpanRecord[]): [string, number, number][] {
  return criticalPath(spans).map((s) => [s.span.spanId.replace(/^0+/, ''), s.startUs - T0, s.endUs - T0]);
}

function total(spans: SpanRecord[]): number {
  return criticalPath(spans).reduce((sum, s) => sum + (s.endUs - s.startUs), 0);
}

describe('criticalPath', () => {
  it('a single span is its own path', () => {
    expect(path([span('1', null, 0, 100)])).toEqual([['1', 0, 100]]);
  });

  it('sequential children: the obvious walk, gaps owned by the parent', () => {
    const spans = [span('1', null, 0, 100), span('2', '1', 10, 30), span('3', '1', 40, 90)];
    expect(path(spans)).toEqual([
      ['1', 0, 10],
      ['2', 10, 30],
      ['1', 30, 40],
      ['3', 40, 90],
      ['1', 90, 100],
    ]);
  });

  it('parallel children: only the last finishing one is on the path', () => {
    // 2 and 3 run side by side; 3 ends last, 2 overlaps 3's start so it cannot precede it.
    const spans = [span('1', null, 0, 100), span('2', '1', 10, 60), span('3', '1', 10, 80)];
    expect(path(spans)).toEqual([
      ['1', 0, 10],
      ['3', 10, 80],
      ['1', 80, 100],
    ]);
  });

  it('overlapping children: the walk picks the child that finished before the later one started', () => {
    // 4 ends last; 3 overlaps 4's start (skipped); 2 ended before 4 started (on the path).
    const spans = [span('1', null, 0, 100), span('2', '1', 5, 20), span('3', '1', 15, 50), span('4', '1', 40, 95)];
    expect(path(spans)).toEqual([
      ['1', 0, 5],
      ['2', 5, 20],
      ['1', 20, 40],
      ['4', 40, 95],
      ['1', 95, 100],
    ]);
  });

  it('nested: descends into grandchildren and climbs back', () => {
    const spans = [span('1', null, 0, 100), span('2', '1', 10, 90), span('3', '2', 20, 50), span('4', '2', 55, 80), span('5', '4', 60, 70)];
    expect(path(spans)).toEqual([
      ['1', 0, 10],
      ['2', 10, 20],
      ['3', 20, 50],
      ['2', 50, 55],
      ['4', 55, 60],
      ['5', 60, 70],
      ['4', 70, 80],
      ['2', 80, 90],
      ['1', 90, 100],
    ]);
  });

  it('a child that outlives its (non-root) parent is clipped to the parent', () => {
    const spans = [span('1', null, 0, 100), span('2', '1', 10, 50), span('3', '2', 30, 70)];
    expect(path(spans)).toEqual([
      ['1', 0, 10],
      ['2', 10, 30],
      ['3', 30, 50],
      ['1', 50, 100],
    ]);
  });

  it('a child that outlives the root sets the trace end (the root stands for the whole trace)', () => {
    const spans = [span('1', null, 0, 100), span('2', '1', 80, 150)];
    expect(path(spans)).toEqual([
      ['1', 0, 80],
      ['2', 80, 150],
    ]);
    expect(total(spans)).toBe(150);
  });

  it('clock-skewed children: clipped when they straddle the parent, dropped with their subtree when outside', () => {
    const spans = [
      span('1', null, 0, 100),
      span('2', '1', 10, 60),
      span('3', '2', 5, 25), // starts before its parent: clipped to [10, 25]
      span('4', '2', 70, 90), // entirely after its parent: dropped
      span('5', '4', 72, 88), // below a dropped span: dropped
    ];
    expect(path(spans)).toEqual([
      ['1', 0, 10],
      ['3', 10, 25],
      ['2', 25, 60],
      ['1', 60, 100],
    ]);
  });

  it('orphans count as children of the root; segments add up to the trace duration', () => {
    const spans = [span('1', null, 0, 100), span('9', 'ff', 90, 130), span('2', '1', 10, 20)];
    expect(path(spans)).toEqual([
      ['1', 0, 10],
      ['2', 10, 20],
      ['1', 20, 90],
      ['9', 90, 130],
    ]);
    expect(total(spans)).toBe(130);
  });

  it('segments tile the trace on random trees', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round += 1) {
      const spans = [span('1', null, 0, 1000)];
      for (let i = 2; i < 30; i += 1) {
        const parent = spans[Math.floor(rnd() * spans.length)]!;
        const start = parent.startUs - T0 + Math.floor(rnd() * 400) - 50;
        spans.push(span(i.toString(16), parent.spanId, start, start + Math.floor(rnd() * 500)));
      }
      const segments = criticalPath(spans);
      const traceStart = Math.min(...spans.map((s) => s.startUs));
      const traceEnd = Math.max(...spans.map((s) => s.endUs));
      expect(segments[0]!.startUs).toBe(traceStart);
      expect(segments.at(-1)!.endUs).toBe(traceEnd);
      for (let i = 1; i < segments.length; i += 1) expect(segments[i]!.startUs).toBe(segments[i - 1]!.endUs);
    }
  });

  it('an empty trace has no path', () => {
    expect(criticalPath([])).toEqual([]);
  });
});

describe('selfTimeUs', () => {
  it('subtracts the union of the children, clipped to the span', () => {
    const parent = span('1', null, 0, 100);
    expect(selfTimeUs(parent, [])).toBe(100);
    expect(selfTimeUs(parent, [span('2', '1', 10, 30), span('3', '1', 20, 50)])).toBe(60);
    expect(selfTimeUs(parent, [span('2', '1', -20, 10), span('3', '1', 90, 140)])).toBe(80);
    expect(selfTimeUs(parent, [span('2', '1', 0, 100), span('3', '1', 10, 20)])).toBe(0);
    expect(selfTimeUs(parent, [span('2', '1', 200, 300)])).toBe(100);
  });
});
