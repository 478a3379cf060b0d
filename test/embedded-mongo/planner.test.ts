/**
 * Index-served reads must return exactly what a full scan returns. A seeded differential test: random documents
 * (scalars, arrays, nested arrays of documents, nulls, missing fields, mixed numeric forms) and random filters
 * (equality, $in, $eq, null, $and, $elemMatch), answered once through the read plan and once by scanning.
 */
import { deserialize, Long, ObjectId, serialize, type Document } from 'bson';
import { Query } from 'mingo';
import { Engine, WriteUnit } from '../../src/embedded-mongo';
import { filterFields, select, MINGO_OPTIONS } from '../../src/embedded-mongo/query';
import { BSON_DECODE_OPTIONS, compareValues, Index, keyOf } from '../../src/embedded-mongo/engine';
import { pickFields } from '../../src/embedded-mongo/raw-bson';
import { encodeValue, KeyWriter, valueKey } from '../../src/embedded-mongo/engine/keys';
import { prng } from '../helpers/prng';

const SCALARS: unknown[] = [1, 2, 2.0, 3.5, Long.fromNumber(2), 'x', 'y', '2', true, false, null, new Date(1000), new ObjectId('650000000000000000000001')];

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

function randomValue(rnd: () => number): unknown {
  const r = rnd();
  if (r < 0.55) return pick(rnd, SCALARS);
  if (r < 0.75) return [pick(rnd, SCALARS), pick(rnd, SCALARS)];
  if (r < 0.85) return [];
  return { k: pick(rnd, ['x', 'y']) };
}

function randomDoc(rnd: () => number, i: number): Document {
  const doc: Document = { _id: i };
  if (rnd() < 0.85) doc.a = randomValue(rnd);
  if (rnd() < 0.8) doc.b = { c: randomValue(rnd) };
  if (rnd() < 0.8) doc.attrs = Array.from({ length: Math.floor(rnd() * 3) }, () => ({ k: pick(rnd, ['x', 'y', 'z']), v: pick(rnd, SCALARS) }));
  return doc;
}

function randomCondition(rnd: () => number): unknown {
  const r = rnd();
  if (r < 0.4) return pick(rnd, SCALARS);
  if (r < 0.55) return { $eq: pick(rnd, SCALARS) };
  if (r < 0.75) return { $in: [pick(rnd, SCALARS), pick(rnd, SCALARS)] };
  if (r < 0.85) return [pick(rnd, SCALARS), pick(rnd, SCALARS)];
  return { k: pick(rnd, ['x', 'y']) };
}

function randomFilter(rnd: () => number): Document {
  const r = rnd();
  if (r < 0.3) return { a: randomCondition(rnd) };
  if (r < 0.45) return { 'b.c': randomCondition(rnd) };
  if (r < 0.6) return { $and: [{ a: randomCondition(rnd) }, { 'b.c': randomCondition(rnd) }] };
  if (r < 0.8) return { attrs: { $elemMatch: { k: pick(rnd, ['x', 'y', 'z']), v: randomCondition(rnd) } } };
  if (r < 0.9) return { 'attrs.k': randomCondition(rnd), a: { $exists: true } };
  return { _id: { $in: [1, 5, 'nope', 2.0] } };
}

test('index-served selections equal full scans (seeded, 600 filters over 300 documents)', async () => {
  const rnd = prng(20261126);
  const engine = Engine.open();
  await engine.write((unit: WriteUnit) => {
    unit.apply({ kind: 'createCollection', db: 'd', coll: 'c', options: {} });
    for (const [name, key] of [['a', { a: 1 }], ['bc', { 'b.c': 1 }], ['attrs', { 'attrs.k': 1, 'attrs.v': 1 }], ['ab', { a: -1, 'b.c': 1 }]] as const) {
      unit.apply({ kind: 'createIndex', db: 'd', coll: 'c', spec: { v: 2, key, name } });
    }
    for (let i = 0; i < 300; i++) unit.apply({ kind: 'insert', db: 'd', coll: 'c', doc: randomDoc(rnd, i) });
  });
  const coll = engine.collection('d', 'c')!;
  const all = [...coll.scan()];
  let indexed = 0;
  let exact = 0;
  for (let n = 0; n < 600; n++) {
    const filter = randomFilter(rnd);
    const query = new Query(filter, MINGO_OPTIONS);
    const expected = all.filter((d) => query.test(d)).map((d) => d._id).sort();
    const got = select(coll, filter);
    if (got.plan.stage !== 'COLLSCAN') indexed += 1;
    if (coll.plan(filter).exact) exact += 1;
    expect({ filter, ids: got.docs.map((d) => d._id).sort() }).toEqual({ filter, ids: expected });
  }
  // The generator must actually exercise the indexes, or this test proves nothing.
  expect(indexed).toBeGreaterThan(300);
  expect(exact).toBeGreaterThan(50);
  await engine.close();
});

test('a filter tested on only the top-level fields it reads matches exactly the documents it matches whole', () => {
  const rnd = prng(20261130);
  const docs = Array.from({ length: 200 }, (_, i) => randomDoc(rnd, i));
  let partial = 0;
  for (let n = 0; n < 300; n++) {
    const a = randomFilter(rnd);
    const b = randomFilter(rnd);
    const filter = pick(rnd, [a, { $or: [a, b] }, { $nor: [a] }, { $and: [a, { $or: [b, { a: { $exists: false } }] }] }, { $expr: { $eq: ['$a', 1] } }, { ...a, $comment: 'x' }]);
    const fields = filterFields(filter);
    if (!fields) continue;
    partial += 1;
    const query = new Query(filter, MINGO_OPTIONS);
    for (const doc of docs) {
      // As stored: the whole document decoded from its BSON, against only the filter's fields decoded.
      const bytes = serialize(doc);
      const whole = query.test(deserialize(bytes, BSON_DECODE_OPTIONS));
      expect({ filter, doc, matches: query.test(deserialize(pickFields(bytes, fields), BSON_DECODE_OPTIONS)) }).toEqual({ filter, doc, matches: whole });
    }
  }
  expect(partial).toBeGreaterThan(150);
  expect(filterFields({ $expr: { $eq: ['$a', 1] } })).toBeUndefined();
  expect(filterFields({ 'b.c': 1, $or: [{ a: 1 }, { 'attrs.k': 'x' }] })).toEqual(new Set(['b', 'a', 'attrs']));
});

test('keyOf: numeric forms are one key; types stay apart', () => {
  expect(keyOf(2)).toBe(keyOf(2.0));
  expect(keyOf(2)).toBe(keyOf(Long.fromNumber(2)));
  expect(keyOf(2)).not.toBe(keyOf('2'));
  expect(keyOf({ a: 1, b: 2 })).not.toBe(keyOf({ b: 2, a: 1 }));
  expect(keyOf(null)).toBe(keyOf(undefined));
});

test('compareValues: BSON type order, then value', () => {
  const sorted = [true, 'b', 3, null, { a: 1 }, [1], new Date(5), 'a', 1.5].sort(compareValues);
  expect(sorted).toEqual([null, 1.5, 3, 'a', 'b', { a: 1 }, [1], true, new Date(5)]);
});

test('equalities on leading fields and a range on the next field read only that key range, and equal full scans', async () => {
  const rnd = prng(20261130);
  const engine = Engine.open();
  const M_VALUES: unknown[] = [0, 5, 10, 15, 20, 2.5, Long.fromNumber(10), 'm', new Date(10), null];
  const bound = (): unknown => pick(rnd, [0, 5, 7.5, 10, 12, 20, 'a', 'z', new Date(5), new Date(20)]);
  await engine.write((unit: WriteUnit) => {
    unit.apply({ kind: 'createCollection', db: 'd', coll: 'flat', options: {} });
    unit.apply({ kind: 'createCollection', db: 'd', coll: 'multi', options: {} });
    for (const coll of ['flat', 'multi']) {
      for (const [name, key] of [['km', { k: 1, m: 1 }], ['ksm', { k: -1, s: 1, m: -1 }]] as const) {
        unit.apply({ kind: 'createIndex', db: 'd', coll, spec: { v: 2, key, name } });
      }
    }
    for (let i = 0; i < 400; i++) {
      const doc: Document = { _id: i, k: pick(rnd, ['a', 'b', 'c']), s: pick(rnd, ['x', 'y']), m: pick(rnd, M_VALUES) };
      unit.apply({ kind: 'insert', db: 'd', coll: 'flat', doc });
      // Arrays on every indexed path: the indexes are multikey, so a range narrows by one bound only.
      const arr: Document = { _id: i, k: rnd() < 0.3 ? [doc.k, pick(rnd, ['a', 'b'])] : doc.k, s: doc.s, m: rnd() < 0.3 ? [doc.m, pick(rnd, M_VALUES)] : doc.m };
      unit.apply({ kind: 'insert', db: 'd', coll: 'multi', doc: arr });
    }
  });
  let narrowed = 0;
  for (const name of ['flat', 'multi']) {
    const coll = engine.collection('d', name)!;
    const all = [...coll.scan()];
    for (let n = 0; n < 300; n++) {
      const range: Document = {};
      if (rnd() < 0.7) range[pick(rnd, ['$gt', '$gte'])] = bound();
      if (rnd() < 0.7 || Object.keys(range).length === 0) range[pick(rnd, ['$lt', '$lte'])] = bound();
      const k = rnd() < 0.6 ? pick(rnd, ['a', 'b', 'c']) : { $in: [pick(rnd, ['a', 'b', 'c']), pick(rnd, ['a', 'b', 'c'])] };
      const filter: Document = rnd() < 0.5 ? { k, m: range } : { k, s: pick(rnd, ['x', 'y']), m: range };
      const query = new Query(filter, MINGO_OPTIONS);
      const expected = all.filter((d) => query.test(d)).map((d) => d._id).sort();
      const got = select(coll, filter);
      expect(got.plan.stage).toBe('IXSCAN');
      expect({ filter, ids: got.docs.map((d) => d._id).sort() }).toEqual({ filter, ids: expected });
      // Without arrays and with inclusive numeric bounds, every index key read must be a match.
      const numericInclusive = Object.entries(range).every(([op, v]) => (op === '$gte' || op === '$lte') && typeof v === 'number');
      if (name === 'flat' && numericInclusive) {
        expect({ filter, keysExamined: got.plan.keysExamined }).toEqual({ filter, keysExamined: expected.length });
        narrowed += 1;
      }
    }
  }
  expect(narrowed).toBeGreaterThan(30);
  await engine.close();
});

test('element keys: bounds on several fields of one array narrow together only inside one $elemMatch, and equal full scans', async () => {
  const rnd = prng(20261201);
  const engine = Engine.open();
  const K = ['x', 'y', 'z'];
  const element = (): unknown => {
    const r = rnd();
    // Non-document elements: ones mingo's $elemMatch cannot mistake for a document holding k or v.
    if (r < 0.08) return pick(rnd, [true, false, null]);
    const e: Document = {};
    if (r < 0.92) e.k = rnd() < 0.15 ? [pick(rnd, K), pick(rnd, K)] : pick(rnd, K);
    if (rnd() < 0.9) e.v = rnd() < 0.15 ? [pick(rnd, SCALARS), pick(rnd, SCALARS)] : pick(rnd, SCALARS);
    return e;
  };
  await engine.write((unit: WriteUnit) => {
    unit.apply({ kind: 'createCollection', db: 'd', coll: 'c', options: {} });
    unit.apply({ kind: 'createIndex', db: 'd', coll: 'c', spec: { v: 2, key: { 'attrs.k': 1, 'attrs.v': -1 }, name: 'kv' } });
    for (let i = 0; i < 300; i++) {
      const r = rnd();
      const attrs = r < 0.75 ? Array.from({ length: Math.floor(rnd() * 4) }, element) : r < 0.9 ? element() : undefined;
      unit.apply({ kind: 'insert', db: 'd', coll: 'c', doc: attrs === undefined ? { _id: i } : { _id: i, attrs } });
    }
  });
  const coll = engine.collection('d', 'c')!;
  expect(coll.indexes.get('kv')!.elementArray).toBe('attrs');
  const all = [...coll.scan()];
  const v = (): unknown => (rnd() < 0.7 ? pick(rnd, SCALARS.filter((s) => s !== null)) : { $gte: pick(rnd, [1, 2, 'x']) });
  let combined = 0;
  for (let n = 0; n < 500; n++) {
    const k = pick(rnd, K);
    const filter: Document = pick(rnd, [
      { attrs: { $elemMatch: { k, v: v() } } },
      { 'attrs.k': k, 'attrs.v': v() },
      { $and: [{ attrs: { $elemMatch: { k } } }, { attrs: { $elemMatch: { v: v() } } }] },
      { attrs: { $elemMatch: { k } }, 'attrs.v': v() },
      { $and: [{ 'attrs.k': k }, { attrs: { $elemMatch: { k, v: v() } } }] },
    ]);
    const query = new Query(filter, MINGO_OPTIONS);
    const expected = all.filter((d) => query.test(d)).map((d) => d._id).sort();
    const got = select(coll, filter);
    expect(got.plan.stage).toBe('IXSCAN');
    expect({ filter, ids: got.docs.map((d) => d._id).sort() }).toEqual({ filter, ids: expected });
    // One $elemMatch giving both fields: the read is narrowed to matching elements' keys.
    if ('attrs' in filter && !('attrs.v' in filter) && got.plan.keysExamined < all.length / 3) combined += 1;
  }
  expect(combined).toBeGreaterThan(50);
  await engine.close();
});

test('an index stored before element keys keeps its combination keys', () => {
  const doc = { _id: 1, attrs: [{ k: 'a', v: 1 }, { k: 'b', v: 2 }] };
  const element = new Index(7, { v: 2, key: { 'attrs.k': 1, 'attrs.v': 1 }, name: 'kv' });
  const combination = new Index(7, { v: 2, key: { 'attrs.k': 1, 'attrs.v': 1 }, name: 'kv' }, true, false);
  expect(element.valueTuples(doc)).toEqual([['a', 1], ['b', 2]]);
  expect(combination.valueTuples(doc)).toEqual([['a', 1], ['a', 2], ['b', 1], ['b', 2]]);
  // Fields in different arrays, or a single field: one key per combination / element either way.
  const apart = new Index(8, { v: 2, key: { k: 1, 'attrs.v': 1 }, name: 'apart' });
  expect(apart.elementArray).toBeUndefined();
  expect(apart.valueTuples({ k: ['p', 'q'], attrs: [{ v: 1 }] })).toEqual([['p', 1], ['q', 1]]);
});

test('string keys: UTF-8 with NUL escaped, terminated, long strings cut and marked (the stored key format)', () => {
  const hex = (s: string): string => {
    const w = new KeyWriter();
    encodeValue(w, s);
    return `${w.toBuffer().toString('hex')}${w.truncated ? ' cut' : ''}`;
  };
  expect(hex('ab')).toBe('1461620000');
  expect(hex('a\u0000b')).toBe('146100ff620000');
  expect(hex('é')).toBe('14c3a90000');
  expect(hex('')).toBe('140000');
  expect(hex('x'.repeat(300))).toBe(`14${'78'.repeat(256)}0001 cut`);
  expect(hex(`${'é'.repeat(200)}`)).toBe(`14${'c3a9'.repeat(128)}0001 cut`);
  const rnd = prng(7);
  const strings = Array.from({ length: 300 }, () => Array.from({ length: Math.floor(rnd() * 6) }, () => pick(rnd, ['a', 'b', '\u0000', 'é', '\uFFFD', '\u{1F600}', 'z'])).join(''));
  const byKey = [...strings].sort((a, b) => Buffer.compare(valueKey(a), valueKey(b)));
  const byUtf8 = [...strings].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  expect(byKey).toEqual(byUtf8);
});
