/**
 * Accumulated bucket figures and the `StatPoint` model built from them.
 */
import type { DDSketch } from '@datadog/sketches-js';
import { addBin, emptyBins, quantileOf, rankedBins, rankedQuantile, sketchOf, type Bins, type RankedBins } from './sketch';
import type { RollupFigures } from './documents';

/** Sums and extremes of one or more buckets. */
export interface Accumulator {
  calls: number;
  errors: number;
  sumUs: number;
  minUs: number;
  maxUs: number;
  bins: Bins;
}

export function emptyAccumulator(): Accumulator {
  return { calls: 0, errors: 0, sumUs: 0, minUs: Infinity, maxUs: -Infinity, bins: emptyBins() };
}

export function addDoc(acc: Accumulator, doc: Partial<RollupFigures>): void {
  acc.calls += doc.c ?? 0;
  acc.errors += doc.e ?? 0;
  acc.sumUs += doc.d ?? 0;
  if (typeof doc.lo === 'number') acc.minUs = Math.min(acc.minUs, doc.lo);
  if (typeof doc.hi === 'number') acc.maxUs = Math.max(acc.maxUs, doc.hi);
  addBin(acc.bins, null, doc.z ?? 0);
  for (const [bin, count] of Object.entries(doc.b ?? {})) addBin(acc.bins, Number(bin), count);
}

export function mergeInto(acc: Accumulator, other: Accumulator): void {
  acc.calls += other.calls;
  acc.errors += other.errors;
  acc.sumUs += other.sumUs;
  acc.minUs = Math.min(acc.minUs, other.minUs);
  acc.maxUs = Math.max(acc.maxUs, other.maxUs);
  addBin(acc.bins, null, other.bins.zeros);
  acc.bins.addAll(other.bins);
}

/** What a GraphQL `StatPoint` resolves from. */
export class StatPointModel {
  /** The bins ranked once for every quantile asked (null: nothing counted; undefined: not yet ranked). */
  private ranked: RankedBins | null | undefined;
  /** The sketch, for bins that cannot be ranked (an index that is not an integer). */
  private sketch: DDSketch | null | undefined;

  constructor(
    /** Bucket start (ms), or null for a total over a window. */
    readonly startMs: number | null,
    /** Length of the bucket or window, for the rate. */
    readonly seconds: number,
    readonly acc: Accumulator,
  ) {}

  get calls(): number {
    return this.acc.calls;
  }

  get errors(): number {
    return this.acc.errors;
  }

  get errorRate(): number {
    return this.acc.calls === 0 ? 0 : this.acc.errors / this.acc.calls;
  }

  get ratePerSec(): number {
    return this.seconds > 0 ? this.acc.calls / this.seconds : 0;
  }

  get maxUs(): number | null {
    return this.acc.calls === 0 ? null : this.acc.maxUs;
  }

  get minUs(): number | null {
    return this.acc.calls === 0 ? null : this.acc.minUs;
  }

  get meanUs(): number | null {
    return this.acc.calls === 0 ? null : this.acc.sumUs / this.acc.calls;
  }

  /** The q-quantile in µs (q in [0, 1]), null without calls. */
  quantile(q: number): number | null {
    if (this.acc.calls === 0) return null;
    if (this.ranked === undefined && this.sketch === undefined) {
      this.ranked = rankedBins(this.acc.bins);
      if (this.ranked === undefined) this.sketch = sketchOf(this.acc.bins);
    }
    if (this.ranked) return rankedQuantile(this.ranked, q, this.acc.minUs, this.acc.maxUs);
    if (this.ranked === null || !this.sketch) return null;
    return quantileOf(this.sketch, q, this.acc.minUs, this.acc.maxUs);
  }
}
