/**
 * Unit tests of the directly applied update operators (src/embedded-mongo/query/fast-update.ts): which updates they
 * take and which they leave to the general path, that the input document is never changed, and the changed paths
 * they report (what index maintenance relies on). Their results are tested through the driver in
 * update-operators.test.ts.
 */
import { Long } from 'bson';
import { applyOperatorsDirectly, comparePaths, compareUtf8, pathSortKey } from '../../src/embedded-mongo/query/fast-update';

// Private: 250 dotted paths of 1-3 names of 1-3 characters of `alphabet`, the same every run for a seed (a linear
// congruential generator).
function seededPaths(seed: number, alphabet: readonly string[]): string[] {
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const part = (): string => Array.from({ length: 1 + next(3) }, () => alphabet[next(alphabet.length)]).join('');
  return Array.from({ length: 250 }, () => Array.from({ length: 1 + next(3) }, part).join('.'));
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    for (const child of Object.values(v as object)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

describe('applyOperatorsDirectly', () => {
  test('leaves the input untouched and shares what it did not change', () => {
    const before = deepFreeze({ _id: 1, a: { b: 1, keep: { deep: true } }, list: [1], other: { x: 1 } });
    const out = applyOperatorsDirectly(before, { $inc: { 'a.b': 1 }, $addToSet: { list: 2 }, $set: { 'n.m': 1 } }, false)!;
    expect(out.doc).toEqual({ _id: 1, a: { b: 2, keep: { deep: true } }, list: [1, 2], other: { x: 1 }, n: { m: 1 } });
    expect(before).toEqual({ _id: 1, a: { b: 1, keep: { deep: true } }, list: [1], other: { x: 1 } });
    expect(out.doc.other).toBe(before.other);
    expect(out.doc.a.keep).toBe(before.a.keep);
    expect(out.changed).toEqual(['a.b', 'list', 'n.m']);
  });

  test('reports no changed path for a no-op', () => {
    const before = { _id: 1, a: 1, s: ['x'], lo: 1, z: 5 };
    expect(applyOperatorsDirectly(before, { $set: { a: 1 }, $inc: { a2: 0, z: 0 }, $addToSet: { s: 'x' }, $min: { lo: 2 }, $unset: { none: '' } }, false)).toEqual({
      doc: { _id: 1, a: 1, s: ['x'], lo: 1, z: 5, a2: 0 },
      changed: ['a2'],
    });
    expect(applyOperatorsDirectly(before, { $max: { lo: 1 }, $unset: { 'x.y': '' } }, false)?.changed).toEqual([]);
  });

  test('$setOnInsert applies only when inserting', () => {
    expect(applyOperatorsDirectly({ _id: 1 }, { $setOnInsert: { a: 1 }, $set: { b: 1 } }, true)?.doc).toEqual({ _id: 1, a: 1, b: 1 });
    expect(applyOperatorsDirectly({ _id: 1 }, { $setOnInsert: { a: 1 }, $set: { b: 1 } }, false)?.doc).toEqual({ _id: 1, b: 1 });
  });

  test('updates existing fields in place and appends the new ones after them in path order, whatever the update\'s order', () => {
    const before = deepFreeze({ _id: 1, o: { b: { x2: 1, x5: 1 }, c: 1 }, z: 0 });
    const out = applyOperatorsDirectly(before, { $inc: { 'o.b.x9': 1, 'o.b.x5': 1, 'n.k': 1, 'o.b.x1': 1, 'o.c': 1, 'o.a': 1 }, $max: { z: 3, m: 2 } }, false)!;
    expect(JSON.stringify(out.doc)).toBe('{"_id":1,"o":{"b":{"x2":1,"x5":2,"x1":1,"x9":1},"c":2,"a":1},"z":3,"m":2,"n":{"k":1}}');
    expect([...out.changed].sort()).toEqual(['m', 'n.k', 'o.a', 'o.b.x1', 'o.b.x5', 'o.b.x9', 'o.c', 'z']);
  });

  test.each([
    ['a path inside a later one', { $inc: { 'o.n.m': 1, 'o.x': 1 }, $set: { 'o.n': 1 } }],
    ['a path inside a later one, several parts up', { $inc: { 'a.b.c.d': 1 }, $unset: { a: '' } }],
    ['the same path under two operators, apart', { $inc: { 'o.x': 1, 'o.y': 1 }, $max: { 'o.x': 2 } }],
  ])('leaves %s to the general path too', (_what, update) => {
    const before = deepFreeze({ _id: 1, o: { x: 0 } });
    expect(applyOperatorsDirectly(before, update, false)).toBeUndefined();
  });

  test.each([
    ['another operator', { $push: { l: 1 } }],
    ['a positional path', { $set: { 'l.$': 1 } }],
    ['the _id field', { $set: { _id: 1 } }],
    ['an _id sub-field', { $set: { '_id.x': 1 } }],
    ['an empty path part', { $set: { 'a..b': 1 } }],
    ['the same path twice', { $set: { a: 1 }, $inc: { a: 1 } }],
    ['a path inside another', { $set: { o: {} }, $inc: { 'o.n': 1 } }],
    ['a $setOnInsert path inside another', { $setOnInsert: { o: {} }, $inc: { 'o.n': 1 } }],
    ['a path through an array', { $set: { 'l.0': 2 } }],
    ['a path through a scalar', { $set: { 'a.b': 2 } }],
    ['$inc with a BSON number class', { $inc: { a: Long.fromNumber(1) } }],
    ['$inc of a BSON number class', { $inc: { big: 1 } }],
    ['$min with a document', { $min: { o: { x: 1 } } }],
    ['$max of a document', { $max: { o: 1 } }],
    ['$addToSet to a non-array', { $addToSet: { a: 1 } }],
    ['$addToSet with $each and more', { $addToSet: { l: { $each: [1], $slice: 1 } } }],
    ['$addToSet with a non-array $each', { $addToSet: { l: { $each: 1 } } }],
    ['$set of undefined', { $set: { a: undefined } }],
  ])('leaves %s to the general path', (_what, update) => {
    const before = deepFreeze({ _id: 1, a: 1, l: [1], o: { x: 0 }, big: Long.fromString('9007199254740993') });
    expect(applyOperatorsDirectly(before, update, false)).toBeUndefined();
  });
});

describe('compareUtf8', () => {
  test('orders strings by their UTF-8 bytes', () => {
    expect(compareUtf8('a', 'b')).toBeLessThan(0);
    expect(compareUtf8('ab', 'a')).toBeGreaterThan(0);
    expect(compareUtf8('same', 'same')).toBe(0);
    // UTF-16 puts the surrogate pair (D83D) before U+FFFD; UTF-8 (F0 vs EF) after it.
    expect(compareUtf8('\u{1F600}', '\uFFFD')).toBeGreaterThan(0);
    expect(compareUtf8('x\uE000', 'x\u{10000}')).toBeLessThan(0);
  });
});

describe('comparePaths', () => {
  // MongoDB's order of update paths as its definition reads: part by part, all-digit names of different lengths
  // the shorter first, other names by their UTF-8 bytes; a path before the paths inside it.
  function byDefinition(a: string, b: string): number {
    const pa = a.split('.');
    const pb = b.split('.');
    for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
      const x = pa[i]!;
      const y = pb[i]!;
      if (x === y) continue;
      if (x.length !== y.length && /^[0-9]+$/.test(x) && /^[0-9]+$/.test(y)) return x.length - y.length;
      return Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
    }
    return pa.length - pb.length;
  }

  test('orders paths as the definition does, without splitting them', () => {
    const paths = seededPaths(7, ['0', '1', '9', 'a', 'b', '-', ' ', 'é', '\uFFFD', '\u{1F600}', '\uE000']);
    const differ: string[] = [];
    let compared = 0;
    for (const a of paths) {
      for (const b of paths) {
        compared += 1;
        if (Math.sign(comparePaths(a, b)) !== Math.sign(byDefinition(a, b))) differ.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }
    }
    expect(compared).toBe(62_500);
    expect(differ).toEqual([]);
  });

  test('sort keys order paths as the definition does, where a path has one', () => {
    const paths = seededPaths(11, ['0', '1', '9', 'a', 'b', 'z', '-', 'é', '~', '\uFFFD', '\u{1F600}']);
    const keyed = paths.filter((p) => pathSortKey(p) !== undefined);
    // Names with a surrogate pair, or not all digits yet starting with one or '-', have no key.
    expect(pathSortKey('a.\u{1F600}')).toBeUndefined();
    expect(pathSortKey('a.1b')).toBeUndefined();
    expect(pathSortKey('a.-b')).toBeUndefined();
    expect(keyed.length).toBeGreaterThan(40);
    const differ: string[] = [];
    for (const a of keyed) {
      for (const b of keyed) {
        const ka = pathSortKey(a)!;
        const kb = pathSortKey(b)!;
        if (Math.sign(ka < kb ? -1 : ka > kb ? 1 : 0) !== Math.sign(byDefinition(a, b))) differ.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }
    }
    expect(differ).toEqual([]);
  });

  test('new fields are appended in that order, parents shared by consecutive paths included', () => {
    const out = applyOperatorsDirectly({ _id: 1 }, { $inc: { 'o.b.x10': 1, 'o.b.x9': 1, 'o.c': 1, 'o.b-y': 1, 'o.b.a': 1, 'o.a.z': 1 }, $max: { 'o.b.x1': 2 } }, true)!;
    expect(JSON.stringify(out.doc)).toBe('{"_id":1,"o":{"a":{"z":1},"b":{"a":1,"x1":2,"x10":1,"x9":1},"b-y":1,"c":1}}');
    expect(out.changed).toEqual(['o.a.z', 'o.b.a', 'o.b.x1', 'o.b.x10', 'o.b.x9', 'o.b-y', 'o.c']);
  });
});
