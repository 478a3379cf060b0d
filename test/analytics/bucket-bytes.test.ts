/**
 * Rollup documents read from their stored bytes: the head and the figures are what the decoded document gives
 * (`addDoc` over its own figures and each operation's), for every number type the store may hold a figure in.
 */
import { BSON, Double, Int32, Long } from 'bson';
import { addBucketBytes, bucketHead } from '../../src/analytics/bucket-bytes';
import type { RollupDoc, RollupFigures } from '../../src/analytics/documents';
import { addDoc, emptyAccumulator, type Accumulator } from '../../src/analytics/stat-point';

// Private: the accumulator `addDoc` makes from the decoded document (its own figures, then each operation's).
function decoded(bytes: Uint8Array): { acc: Accumulator; called: boolean } {
  const doc = BSON.deserialize(bytes) as RollupDoc;
  const acc = emptyAccumulator();
  let called = false;
  for (const figures of [doc as Partial<RollupFigures>, ...Object.values(doc.o ?? {})]) {
    addDoc(acc, figures);
    if ((figures.c ?? 0) > 0) called = true;
  }
  return { acc, called };
}

function fromBytes(bytes: Uint8Array): { acc: Accumulator; called: boolean } {
  const acc = emptyAccumulator();
  const called = addBucketBytes(acc, bytes);
  return { acc, called };
}

describe('rollup documents read from their bytes', () => {
  it('reads an edge hour bucket: head, sums, extremes, zeros and bins', () => {
    const bytes = BSON.serialize({
      _id: '["E","a","b",1764586800000]',
      c: 7,
      d: new Double(1234.5),
      e: new Int32(2),
      z: 1,
      b: { '-3': 1, '0': 2, '512': 3 },
      expireAt: new Date(0),
      lo: 0,
      hi: new Long(900_000, 0),
      k: 'E',
      s: 'a',
      x: 'b',
      m: 1_764_586_800_000,
    });
    expect(bucketHead(bytes)).toEqual({ k: 'E', s: 'a', x: 'b', m: 1_764_586_800_000 });
    const got = fromBytes(bytes);
    expect(got).toEqual(decoded(bytes));
    expect(got.acc).toMatchObject({ calls: 7, errors: 2, sumUs: 1234.5, minUs: 0, maxUs: 900_000 });
    expect([...got.acc.bins.entries()].sort((p, q) => p[0] - q[0])).toEqual([[-3, 1], [0, 2], [512, 3]]);
    expect(got.acc.bins.zeros).toBe(1);
  });

  it("adds up a service minute's operations (names with escapes, a part without calls) and reads an int64 start", () => {
    const bytes = BSON.serialize({
      k: 's',
      s: 'checkout',
      m: Long.fromNumber(1_764_586_860_000),
      o: {
        'GET %2Fa': { c: 3, d: 30, lo: 5, hi: 15, b: { '160': 2, '273': new Long(1, 0) } },
        '%': { c: new Long(2, 0), e: 1, d: new Double(7), lo: new Double(2.5), hi: 4, b: { '92': 1, '160': 1 } },
        idle: { c: 0, d: 0, b: {} },
      },
    });
    expect(bucketHead(bytes)).toEqual({ k: 's', s: 'checkout', x: undefined, m: 1_764_586_860_000 });
    const got = fromBytes(bytes);
    expect(got).toEqual(decoded(bytes));
    expect(got.acc.calls).toBe(5);
    expect(got.acc.bins.get(160)).toBe(3);
  });

  it('adds nothing from a bucket without calls, and counts subtracted bins as stored', () => {
    const empty = BSON.serialize({ k: 'e', s: 'a', x: 'b', m: 60_000, c: 0, d: 0, b: { '7': 0, '8': -2 } });
    const got = fromBytes(empty);
    expect(got).toEqual(decoded(empty));
    expect(got.called).toBe(false);
    expect(got.acc.bins.get(8)).toBe(-2);
  });

  it('reads names beyond ASCII or long, negative and fractional doubles', () => {
    for (const s of ['zahlungsdienst-ü', '服务', 'a'.repeat(40), 'tab\tand\u0000nul', '']) {
      const bytes = BSON.serialize({ k: 's', s, x: `${s}→`, m: -60_000.5, o: { op: { c: 2, d: new Double(-0.25), lo: new Double(-1.5), hi: new Double(1e300), b: { '5': new Double(0.5), '-7': 1 } } } });
      expect(bucketHead(bytes)).toEqual({ k: 's', s, x: `${s}→`, m: -60_000.5 });
      const got = fromBytes(bytes);
      expect(got).toEqual(decoded(bytes));
      expect(got.acc).toMatchObject({ calls: 2, errors: 0, sumUs: -0.25, minUs: -1.5, maxUs: 1e300 });
    }
  });
});
