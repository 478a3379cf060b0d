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

/**
 * Bins of merged buckets: bin index -> count, and the count of zero durations. Held without a `Map` while that is
 * possible: a minute's point has a few bins, kept as two arrays in the order first counted and searched in place;
 * past `SPARSE_UP_TO` bins (an hour's bucket, a window's total) the counts are kept by bin in one array from the
 * lowest bin on (the sketch's own layout), which lists them in ascending order as it is. A `Map` holds them only
 * for bins that layout cannot: an index that is not an integer, or a range wider than `DENSE_UP_TO`.
 */
export class Bins {
  zeros = 0;
  /** Few bins: their indexes, each once, in the order first counted, and their counts. */
  private keys: number[] = [];
  private counts: number[] = [];
  /** Many bins: the count of bin `base + i` at `i` (0 where none was counted). */
  private dense: number[] | null = null;
  private base = 0;
  /** Bins the arrays cannot hold, with every other bin. */
  private map: Map<number, number> | null = null;

  /** Adds `count` to bin `bin`. */
  add(bin: number, count: number): void {
    if (this.dense !== null) {
      const at = bin - this.base;
      // `(at | 0) === at`: an integer position inside the array (a bin that is not an integer goes to addOutside).
      if ((at | 0) === at && at >= 0 && at < this.dense.length) this.dense[at]! += count;
      else this.addOutside(bin, count);
      return;
    }
    if (this.map !== null) {
      this.map.set(bin, (this.map.get(bin) ?? 0) + count);
      return;
    }
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === bin) {
        this.counts[i]! += count;
        return;
      }
    }
    if (!Number.isInteger(bin)) {
      this.toMap();
      this.map!.set(bin, count);
      return;
    }
    keys.push(bin);
    this.counts.push(count);
    if (keys.length > SPARSE_UP_TO) this.toDense();
  }

  /** The count of bin `bin`: undefined when none was counted (or, with many bins, 0). */
  get(bin: number): number | undefined {
    if (this.dense !== null) {
      const count = this.dense[bin - this.base];
      return count === 0 ? undefined : count;
    }
    if (this.map !== null) return this.map.get(bin);
    const at = this.keys.indexOf(bin);
    return at < 0 ? undefined : this.counts[at];
  }

  /** Calls `fn` with each bin and its count (with many bins, ascending and without the bins whose count is 0). */
  forEach(fn: (bin: number, count: number) => void): void {
    if (this.dense !== null) {
      const dense = this.dense;
      for (let i = 0; i < dense.length; i++) if (dense[i] !== 0) fn(this.base + i, dense[i]!);
    } else if (this.map !== null) {
      for (const [bin, count] of this.map) fn(bin, count);
    } else {
      for (let i = 0; i < this.keys.length; i++) fn(this.keys[i]!, this.counts[i]!);
    }
  }

  /** [bin, count] pairs, as `forEach` gives them. */
  entries(): [number, number][] {
    const out: [number, number][] = [];
    this.forEach((bin, count) => out.push([bin, count]));
    return out;
  }

  /** The few bins' arrays (in the order first counted), or null once there are many or a Map holds them. */
  get few(): { readonly keys: readonly number[]; readonly counts: readonly number[] } | null {
    return this.dense === null && this.map === null ? { keys: this.keys, counts: this.counts } : null;
  }

  /** The many bins' counts from the lowest bin on, or null. */
  get many(): { readonly base: number; readonly counts: readonly number[] } | null {
    return this.dense === null ? null : { base: this.base, counts: this.dense };
  }

  // Private: the few bins moved to the dense array (or to a Map, when their range is too wide).
  private toDense(): void {
    let low = Infinity;
    let high = -Infinity;
    for (const k of this.keys) {
      if (k < low) low = k;
      if (k > high) high = k;
    }
    if (high - low >= DENSE_UP_TO) {
      this.toMap();
      return;
    }
    // Room for the bins next to the ones counted, on both sides.
    const base = low - DENSE_MARGIN;
    const dense = new Array<number>(high - base + 1 + DENSE_MARGIN).fill(0);
    for (let i = 0; i < this.keys.length; i++) dense[this.keys[i]! - base]! += this.counts[i]!;
    this.dense = dense;
    this.base = base;
    this.keys = [];
    this.counts = [];
  }

  // Private: a bin outside the dense array's range: the array widened (by at least half its length on that side,
  // so a range that keeps growing is copied a few times only), or every bin moved to a Map.
  private addOutside(bin: number, count: number): void {
    if (!Number.isInteger(bin) || !this.widen(bin, bin)) {
      if (this.map === null) this.denseToMap();
      this.map!.set(bin, (this.map!.get(bin) ?? 0) + count);
      return;
    }
    this.dense![bin - this.base]! += count;
  }

  // Private: the dense array widened to hold the bins from `low` to `high` (integers), with room on the side it
  // grows (exactly to the range when the room would make it too wide); false when that range would be too wide
  // (nothing changed).
  private widen(low: number, high: number): boolean {
    const dense = this.dense!;
    const top = this.base + dense.length - 1;
    if (low >= this.base && high <= top) return true;
    const lowest = Math.min(low, this.base);
    const highest = Math.max(high, top);
    if (highest - lowest >= DENSE_UP_TO) return false;
    const room = Math.max(DENSE_MARGIN, dense.length >> 1);
    const from = low < this.base ? Math.min(low, this.base - room) : this.base;
    const to = high > top ? Math.max(high, top + room) : top;
    if (to - from < DENSE_UP_TO) this.copyDense(from, to);
    else this.copyDense(lowest, highest);
    return true;
  }

  // Private: the dense array copied into one for the bins from `from` to `to`.
  private copyDense(from: number, to: number): void {
    const dense = this.dense!;
    const wider = new Array<number>(to - from + 1).fill(0);
    const shift = this.base - from;
    for (let i = 0; i < dense.length; i++) wider[shift + i] = dense[i]!;
    this.dense = wider;
    this.base = from;
  }

  /** Adds every bin of `other` whose count is not 0 (`addBin` adds nothing for a count of 0 either). */
  addAll(other: Bins): void {
    if (other.dense !== null) {
      const source = other.dense;
      if (this.dense === null && this.map === null && this.keys.length === 0) {
        this.dense = source.slice();
        this.base = other.base;
        return;
      }
      if (this.dense !== null && this.widen(other.base, other.base + source.length - 1)) {
        const dense = this.dense;
        const shift = other.base - this.base;
        for (let i = 0; i < source.length; i++) dense[shift + i]! += source[i]!;
        return;
      }
      for (let i = 0; i < source.length; i++) if (source[i] !== 0) this.add(other.base + i, source[i]!);
      return;
    }
    if (other.map !== null) {
      for (const [bin, count] of other.map) if (count !== 0) this.add(bin, count);
      return;
    }
    for (let i = 0; i < other.keys.length; i++) if (other.counts[i] !== 0) this.add(other.keys[i]!, other.counts[i]!);
  }

  // Private: the few bins moved to a Map.
  private toMap(): void {
    const map = new Map<number, number>();
    for (let i = 0; i < this.keys.length; i++) map.set(this.keys[i]!, this.counts[i]!);
    this.map = map;
    this.keys = [];
    this.counts = [];
  }

  // Private: the dense array's bins moved to a Map.
  private denseToMap(): void {
    const map = new Map<number, number>();
    this.forEach((bin, count) => map.set(bin, count));
    this.map = map;
    this.dense = null;
  }
}

/** Up to this many bins are kept as arrays searched in place; more, by bin in one array. */
const SPARSE_UP_TO = 32;
/** The widest range of bins kept by bin in one array (the sketch's bins of 1 µs to 10^9 µs span ~1,050). */
const DENSE_UP_TO = 8192;
/** Bins of room left on each side when the array by bin is made or widened. */
const DENSE_MARGIN = 16;

export function emptyBins(): Bins {
  return new Bins();
}

export function addBin(target: Bins, bin: number | null, count: number): void {
  if (count === 0) return;
  if (bin === null) target.zeros += count;
  else target.add(bin, count);
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
  const few = source.few;
  const many = source.many;
  if (few !== null) {
    // A minute's few bins: each inserted in place (no comparator calls, no second pass).
    const sourceKeys = few.keys;
    const sourceCounts = few.counts;
    for (let j = 0; j < sourceKeys.length; j++) {
      const count = sourceCounts[j]!;
      if (count <= 0) continue;
      const bin = sourceKeys[j]!;
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
  } else if (many !== null) {
    // Many bins, by bin: ascending as they are.
    const dense = many.counts;
    for (let i = 0; i < dense.length; i++) {
      const count = dense[i]!;
      if (count <= 0) continue;
      keys.push(many.base + i);
      counts.push(count);
      total += count;
    }
  } else {
    const pairs: [number, number][] = [];
    let integers = true;
    source.forEach((bin, count) => {
      if (count <= 0) return;
      if (!Number.isInteger(bin)) integers = false;
      pairs.push([bin, count]);
      total += count;
    });
    if (!integers) return undefined;
    pairs.sort((a, b) => a[0] - b[0]);
    for (const [bin, count] of pairs) {
      keys.push(bin);
      counts.push(count);
    }
  }
  const zeros = source.zeros > 0 ? source.zeros : 0;
  if (total + zeros <= 0) return null;
  return { keys, counts, zeros, count: total + zeros };
}

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
  source.forEach((bin, count) => {
    if (count <= 0) return;
    sketch.store.add(bin, count);
    sketch.count += count;
  });
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
