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

/**
 * Bins ready for quantiles: the bins with a positive count in ascending bin order, and the counts the sketch of
 * the same bins (`sketchOf`) would hold. Quantiles read from them (`rankedQuantile`) are the sketch's own, without
 * building it: DDSketch keeps every bin between the lowest and the highest in one array and walks it, where most
 * points of a minute series hold a few bins.
 */
export interface RankedBins {
  /** Bin indexes with a positive count, ascending. */
  readonly keys: readonly number[];
  /** Their counts, in the same order. */
  readonly counts: readonly number[];
  /** The zero durations counted (a negative remainder counts as none, as in the sketch). */
  readonly zeros: number;
  /** All durations counted: the counts and the zeros. */
  readonly count: number;
}

/**
 * The bins of `source` ranked, or null when they count nothing (the sketch would be empty); `undefined` when a bin
 * index is not an integer (only a hand-edited bucket holds one), for which only the sketch gives its answer.
 */
export function rankedBins(source: Bins): RankedBins | null | undefined {
  const keys: number[] = [];
  const counts: number[] = [];
  let total = 0;
  if (source.bins.size <= INSERTION_SORT_UP_TO) {
    // A minute's few bins: each inserted in place (no comparator calls, no second pass).
    for (const [bin, count] of source.bins) {
      if (count <= 0) continue;
      if (!Number.isInteger(bin)) return undefined;
      let i = keys.length;
      while (i > 0 && keys[i - 1]! > bin) {
        keys[i] = keys[i - 1]!;
        counts[i] = counts[i - 1]!;
        i -= 1;
      }
      keys[i] = bin;
      counts[i] = count;
      total += count;
    }
  } else {
    for (const [bin, count] of source.bins) {
      if (count <= 0) continue;
      if (!Number.isInteger(bin)) return undefined;
      keys.push(bin);
      total += count;
    }
    keys.sort((a, b) => a - b);
    for (const k of keys) counts.push(source.bins.get(k)!);
  }
  const zeros = source.zeros > 0 ? source.zeros : 0;
  if (total + zeros <= 0) return null;
  return { keys, counts, zeros, count: total + zeros };
}

/** Up to this many bins are ranked by insertion, more by a sort. */
const INSERTION_SORT_UP_TO = 32;

/**
 * The q-quantile (0..1) of ranked bins, clamped to the exact [min, max] of the same durations: what `quantileOf`
 * gives for the sketch of the same bins (rank `q * (count - 1)`; below the zeros 0, else the value of the first
 * bin whose running count passes the rank above them).
 */
export function rankedQuantile(ranked: RankedBins, q: number, minUs: number, maxUs: number): number {
  const rank = q * (ranked.count - 1);
  let value = 0;
  if (!(rank < ranked.zeros)) {
    const above = rank - ranked.zeros;
    const { keys, counts } = ranked;
    let key = keys[keys.length - 1]!;
    let running = 0;
    for (let i = 0; i < keys.length; i++) {
      running += counts[i]!;
      if (running > above) {
        key = keys[i]!;
        break;
      }
    }
    value = mapping.value(key);
  }
  return Math.min(maxUs, Math.max(minUs, value));
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
