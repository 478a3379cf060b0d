/** Self time: the part of a span's duration not covered by any of its children (clipped to the span). */
import type { SpanRecord } from '../domain';

export function selfTimeUs(span: SpanRecord, children: readonly SpanRecord[]): number {
  const intervals: [number, number][] = [];
  for (const child of children) {
    const start = Math.max(child.startUs, span.startUs);
    const end = Math.min(child.endUs, span.endUs);
    if (end > start) intervals.push([start, end]);
  }
  intervals.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let runStart = -Infinity;
  let runEnd = -Infinity;
  for (const [start, end] of intervals) {
    if (start > runEnd) {
      if (runEnd > runStart) covered += runEnd - runStart;
      runStart = start;
      runEnd = end;
    } else runEnd = Math.max(runEnd, end);
  }
  if (runEnd > runStart) covered += runEnd - runStart;
  return span.durationUs - covered;
}
