/** Order statistics for benchmark samples. Percentiles use the nearest-rank method (no interpolation). */

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError(`percentile needs at least one sample, but got none (p=${p})`);
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile p must be in [0, 100], but got: ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('median needs at least one sample, but got none');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mean(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('mean needs at least one sample, but got none');
  return samples.reduce((a, b) => a + b, 0) / samples.length;
}

/** Rounds for display and JSON: 3 significant digits, integers above 1000 kept whole. */
export function round(x: number): number {
  if (!Number.isFinite(x)) return x;
  if (Math.abs(x) >= 1000) return Math.round(x);
  return Number(x.toPrecision(3));
}

/** Elapsed wall time in milliseconds since `start` (a `process.hrtime.bigint()` value). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
