/**
 * Latency sketches as stored integer bins. DDSketch (`@datadog/sketches-js`) with 1% relative accuracy maps a
 * duration to a bin index; a rollup bucket keeps `{binIndex: count}` plus a count of zero durations, all
 * written with `$inc`, so buckets merge by adding bins in any order. A quantile read back from merged bins is
 * within 1% (relative) of the exact quantile of the same durations (DDSketch's guarantee; the rank is
 * `q * (count - 1)`, lower value, as DDSketch computes it).
 */
import { DDSketch } from '@datadog/sketches-js';

/** The sketches' relative accuracy: every quantile is within this fraction of the exact one. */
export const RELATIVE_ACCURACY = 0.01;

const mapping = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY }).mapping;

/** The bin of a duration (µs), or null for a duration the sketch counts as zero. */
export function binOf(durationUs: number): number | null {
  return durationUs > mapping.minPossible ? mapping.key(durationUs) : null;
}

/** Bins of merged buckets: bin index -> count, and the count of zero durations. */
export interface Bins {
  readonly bins: Map<number, number>;
  zeros: number;
}

export function emptyBins(): Bins {
  return { bins: new Map(), zeros: 0 };
}

export function addBin(target: Bins, bin: number | null, count: number): void {
  if (count === 0) return;
  if (bin === null) target.zeros += count;
  else target.bins.set(bin, (target.bins.get(bin) ?? 0) + count);
}

/** A sketch to read quantiles from (null when empty). */
export function sketchOf(source: Bins): DDSketch | null {
  const sketch = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
  for (const [bin, count] of source.bins) {
    if (count <= 0) continue;
    sketch.store.add(bin, count);
    sketch.count += count;
  }
  if (source.zeros > 0) {
    sketch.zeroCount += source.zeros;
    sketch.count += source.zeros;
  }
  return sketch.count > 0 ? sketch : null;
}

/** The q-quantile (0..1) of a sketch, clamped to the exact [min, max] of the same durations. */
export function quantileOf(sketch: DDSketch, q: number, minUs: number, maxUs: number): number {
  const value = sketch.getValueAtQuantile(q);
  return Math.min(maxUs, Math.max(minUs, value));
}
