/**
 * A point's bins held as arrays (few bins searched in place, many by bin from the lowest on, a Map only for bins
 * those cannot hold) count what a Map keyed by bin counts, and rank as the sketch of the same bins does.
 */
import { addBin, Bins, quantileOf, rankedBins, rankedQuantile, sketchOf } from '../../src/analytics/sketch';

// Private: a seeded sequence in [0, 1).
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
}

// Private: the bins with a count other than 0, ascending, from a Bins and from the Map reference.
function nonZero(entries: Iterable<[number, number]>): [number, number][] {
  return [...entries].filter(([, c]) => c !== 0).sort((a, b) => a[0] - b[0]);
}

describe('bins held as arrays', () => {
  it('count what a Map keyed by bin counts: few bins, many (widened below and above), counts subtracted, merged', () => {
    for (const [seed, spread, n] of [
      [1, 10, 20],
      [2, 40, 200],
      [3, 600, 3000],
      [4, 1500, 500],
    ] as const) {
      const next = random(seed);
      const bins = new Bins();
      const reference = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        // Bins wander outwards from the middle, so the array by bin is widened on both sides.
        const bin = Math.round((next() - 0.5) * spread * (i / n + 0.05)) + 300;
        const count = next() < 0.1 ? -1 : 1 + Math.floor(next() * 3);
        addBin(bins, bin, count);
        reference.set(bin, (reference.get(bin) ?? 0) + count);
      }
      expect(nonZero(bins.entries())).toEqual(nonZero(reference));
      for (const [bin, count] of reference) if (count !== 0) expect(bins.get(bin)).toBe(count);
      const sketch = sketchOf(bins);
      const ranked = rankedBins(bins);
      expect(ranked === null).toBe(sketch === null);
      if (ranked && sketch) for (const q of [0, 0.25, 0.5, 0.9, 0.99, 1]) expect(rankedQuantile(ranked, q, 0, 1e12)).toBe(quantileOf(sketch, q, 0, 1e12));
    }
  });

  it('move to a Map for an index that is not an integer or a range too wide for one array, counting the same', () => {
    const odd = new Bins();
    for (let i = 0; i < 40; i++) addBin(odd, i, 1);
    addBin(odd, 2.5, 2);
    addBin(odd, 3, 1);
    expect(odd.get(2.5)).toBe(2);
    expect(odd.get(3)).toBe(2);
    expect(rankedBins(odd)).toBeUndefined();
    const wide = new Bins();
    for (let i = 0; i < 40; i++) addBin(wide, i, 1);
    addBin(wide, 1_000_000, 5);
    addBin(wide, 7, 1);
    expect(nonZero(wide.entries())).toEqual([...Array.from({ length: 40 }, (_, i) => [i, i === 7 ? 2 : 1] as [number, number]), [1_000_000, 5]]);
    expect(rankedBins(wide)?.keys).toEqual([...Array.from({ length: 40 }, (_, i) => i), 1_000_000]);
  });

  it('merge (addAll) into what adding every bin one at a time gives, whatever each side holds', () => {
    const next = random(7);
    const make = (kind: number): Bins => {
      const b = new Bins();
      const n = kind === 0 ? 5 : 60;
      for (let i = 0; i < n; i++) addBin(b, Math.round(next() * (kind === 2 ? 400 : 40)) + kind * 150 - 100, 1 + Math.floor(next() * 4));
      if (kind === 3) addBin(b, 0.5, 1);
      return b;
    };
    for (let round = 0; round < 20; round++) {
      const parts = Array.from({ length: 6 }, () => make(Math.floor(next() * 4)));
      const merged = new Bins();
      const reference = new Map<number, number>();
      for (const part of parts) {
        merged.addAll(part);
        part.forEach((bin, count) => reference.set(bin, (reference.get(bin) ?? 0) + count));
      }
      expect(nonZero(merged.entries())).toEqual(nonZero(reference));
    }
  });
});
