/**
 * Exact equalities on an index's leading fields plus a range: the index's keys decide the equalities, and only the
 * range is tested, on the stored bytes when its value is a plain number or date (mingo otherwise). Seeded
 * differential tests against full scans with edge values in the range's field (int32, double, int64 within and
 * beyond 2^53, Decimal128, NaN, -0, infinities, dates, other types, null, missing, arrays), and the planner's
 * choice between candidate indexes without counting keys when one is narrowed by every bound the other is.
 */
import { Decimal128, deserialize, Double, Int32, Long, ObjectId, type Document } from 'bson';
import { Query } from 'mingo';
import { Engine, WriteUnit } from '../../src/embedded-mongo';
import { BSON_DECODE_OPTIONS, prefixRangeShape, type Collection } from '../../src/embedded-mongo/engine';
import { MINGO_OPTIONS, select, selectRawLazily } from '../../src/embedded-mongo/query';
import { prng } from '../helpers/prng';
import { conformanceSuite } from './fixture';

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

const BEYOND = Long.fromString('9007199254740993');
// NaN is left out here: an index range with a lower bound never holds it, while mingo's full scan matches it to
// `$gte` of any number (see the NaN test below).
const M_VALUES: unknown[] = [
  0, 5, 5.5, 7, 10, -0, -1, Infinity, -Infinity, 9007199254740992,
  new Int32(7), new Double(5), Long.fromNumber(10), BEYOND, Long.fromString('-9007199254740993'), Long.fromString('9007199254740991'),
  Decimal128.fromString('5.5'), Decimal128.fromString('7'), Decimal128.fromString('NaN'),
  new Date(5), new Date(10), new Date(-5), 'm', '7', true, null, { x: 1 }, new ObjectId('650000000000000000000001'),
];
const NUMBER_BOUNDS: unknown[] = [0, 5, 5.5, 7, 10, -1, -0, Infinity, -Infinity, 9007199254740992];
const DATE_BOUNDS: unknown[] = [new Date(0), new Date(5), new Date(10), new Date(-10)];
const S_VALUES: unknown[] = ['x', 'y', new ObjectId('650000000000000000000002'), true];

function randomRange(rnd: () => number): Document {
  const bounds = rnd() < 0.75 ? NUMBER_BOUNDS : rnd() < 0.8 ? DATE_BOUNDS : [...NUMBER_BOUNDS, ...DATE_BOUNDS, 'a'];
  const range: Document = {};
  if (rnd() < 0.7) range[pick(rnd, ['$gt', '$gte'])] = pick(rnd, bounds);
  if (rnd() < 0.7 || Object.keys(range).length === 0) range[pick(rnd, ['$lt', '$lte'])] = pick(rnd, bounds);
  return range;
}

function randomFilter(rnd: () => number): Document {
  const k = rnd() < 0.7 ? pick(rnd, ['a', 'b', 'c']) : { $in: [pick(rnd, ['a', 'b', 'c']), pick(rnd, ['a', 'b'])] };
  const s = rnd() < 0.8 ? pick(rnd, S_VALUES) : { $eq: pick(rnd, S_VALUES) };
  const r = rnd();
  if (r < 0.4) return { k, s, m: randomRange(rnd) };
  if (r < 0.6) return { k, m: randomRange(rnd) };
  if (r < 0.7) return { k, s };
  if (r < 0.8) return { s, k, m: randomRange(rnd) };
  if (r < 0.9) return { k, s, m: randomRange(rnd), x: 1 };
  return { k, s: { $in: [pick(rnd, S_VALUES), pick(rnd, S_VALUES)] }, m: randomRange(rnd) };
}

async function load(engine: Engine, coll: string, indexes: ReadonlyArray<readonly [string, Document]>, docs: Document[]): Promise<Collection> {
  await engine.write((unit: WriteUnit) => {
    unit.apply({ kind: 'createCollection', db: 'd', coll, options: {} });
    for (const [name, key] of indexes) unit.apply({ kind: 'createIndex', db: 'd', coll, spec: { v: 2, key, name } });
    for (const doc of docs) unit.apply({ kind: 'insert', db: 'd', coll, doc });
  });
  return engine.collection('d', coll)!;
}

function ids(docs: Iterable<Document>): unknown[] {
  return [...docs].map((d) => d._id).sort((a, b) => (a as number) - (b as number));
}

function rawIds(source: Iterator<Uint8Array> | undefined): unknown[] {
  const out: Document[] = [];
  for (let next = source!.next(); !next.done; next = source!.next()) out.push(deserialize(next.value, BSON_DECODE_OPTIONS));
  return ids(out);
}

test('equalities fixed by index keys and a range tested alone equal full scans (seeded, edge values in the range field)', async () => {
  const rnd = prng(20261202);
  const engine = Engine.open();
  const docs: Document[] = [];
  for (let i = 0; i < 500; i++) {
    const doc: Document = { _id: i, k: pick(rnd, ['a', 'b', 'c']), s: pick(rnd, S_VALUES) };
    if (rnd() < 0.95) doc.m = pick(rnd, M_VALUES);
    if (rnd() < 0.2) doc.x = pick(rnd, [1, 2]);
    docs.push(doc);
  }
  const multi = docs.map((d) => (rnd() < 0.2 ? { ...d, m: [pick(rnd, M_VALUES), pick(rnd, M_VALUES)] } : d));
  const indexes = [['km', { k: 1, m: 1 }], ['ksm', { k: 1, s: 1, m: 1 }], ['ksmDesc', { k: -1, s: 1, m: -1 }]] as const;
  const flat = await load(engine, 'flat', indexes, docs);
  const arrays = await load(engine, 'arrays', indexes, multi);
  const onlyDesc = await load(engine, 'desc', [['skmDesc', { s: -1, k: 1, m: -1 }]], docs);
  let residual = 0;
  let exact = 0;
  for (const coll of [flat, arrays, onlyDesc]) {
    const all = [...coll.scan()];
    for (let n = 0; n < 400; n++) {
      const filter = randomFilter(rnd);
      const query = new Query(filter, MINGO_OPTIONS);
      const expected = ids(all.filter((d) => query.test(d)));
      const plan = coll.plan(filter);
      if (plan.residualRange) residual += 1;
      if (plan.exact) exact += 1;
      if (coll === arrays) expect(plan.residualRange).toBeUndefined();
      expect({ filter, ids: ids(select(coll, filter).docs) }).toEqual({ filter, ids: expected });
      expect({ filter, ids: rawIds(selectRawLazily(coll, filter, undefined)) }).toEqual({ filter, ids: expected });
      expect({ filter, ids: rawIds(selectRawLazily(coll, filter, undefined, undefined, true)) }).toEqual({ filter, ids: expected });
    }
  }
  // The generator must reach the new plans, or this test proves nothing.
  expect(residual).toBeGreaterThan(250);
  expect(exact).toBeGreaterThan(20);
  await engine.close();
});

test('NaN in the range field: an upper bound alone reads it from the index, and it is tested as mingo tests it', async () => {
  const engine = Engine.open();
  const docs = [NaN, -Infinity, 0, 5, Decimal128.fromString('NaN'), new Double(NaN)].map((m, i) => ({ _id: i, k: 'a', s: 'x', m }));
  const coll = await load(engine, 'nan', [['ksm', { k: 1, s: 1, m: 1 }]], docs);
  const all = [...coll.scan()];
  for (const range of [{ $lte: 5 }, { $lt: 5 }, { $lt: -Infinity }, { $lte: -Infinity }, { $lte: Infinity }]) {
    const filter = { k: 'a', s: 'x', m: range };
    const query = new Query(filter, MINGO_OPTIONS);
    const expected = ids(all.filter((d) => query.test(d)));
    expect(coll.plan(filter).residualRange).toBeDefined();
    expect({ filter, ids: ids(select(coll, filter).docs) }).toEqual({ filter, ids: expected });
    expect({ filter, ids: rawIds(selectRawLazily(coll, filter, undefined, undefined, true)) }).toEqual({ filter, ids: expected });
  }
  await engine.close();
});

test('a candidate index narrowed by every bound another one is, and more, is chosen without counting keys', async () => {
  const engine = Engine.open();
  const docs = Array.from({ length: 300 }, (_, i) => ({ _id: i, k: i % 2 === 0 ? 'a' : 'b', s: `s${i % 5}`, m: i, t: i % 3 }));
  const coll = await load(engine, 'c', [['km', { k: 1, m: 1 }], ['ksm', { k: 1, s: 1, m: 1 }], ['kt', { k: 1, t: 1 }]], docs);
  const estimate = jest.spyOn(coll as unknown as { estimate: (...args: unknown[]) => number }, 'estimate');
  const filter = { k: 'a', s: 's2', m: { $gte: 10, $lt: 200 } };
  const plan = coll.plan(filter);
  expect(plan.indexName).toBe('ksm');
  // kt fixes k only and narrows nothing else: km and it are both narrowed less than ksm.
  expect(estimate).not.toHaveBeenCalled();
  expect(plan.residualRange).toEqual({ path: 'm', dates: false, lower: { value: 10, inclusive: true }, upper: { value: 200, inclusive: false } });
  const got = select(coll, filter);
  expect(ids(got.docs)).toEqual(docs.filter((d) => d.k === 'a' && d.s === 's2' && d.m >= 10 && d.m < 200).map((d) => d._id));
  expect(got.plan.keysExamined).toBe(got.docs.length);
  // Neither narrower than the other (t against s and m): counted, and the fewer keys win.
  estimate.mockClear();
  const both = { k: 'a', s: 's2', t: 1, m: { $gte: 10 } };
  expect(coll.plan(both).indexName).toBe('ksm');
  expect(estimate).toHaveBeenCalled();
  expect(ids(select(coll, both).docs)).toEqual(docs.filter((d) => d.k === 'a' && d.s === 's2' && d.t === 1 && d.m >= 10).map((d) => d._id));
  // An index made multikey is counted again.
  await engine.write((unit: WriteUnit) => unit.apply({ kind: 'insert', db: 'd', coll: 'c', doc: { _id: 1000, k: 'a', s: ['s2', 's3'], m: 50 } }));
  estimate.mockClear();
  coll.plan(filter);
  expect(estimate).toHaveBeenCalled();
  expect(coll.plan(filter).residualRange).toBeUndefined();
  expect(ids(select(coll, filter).docs)).toEqual([...docs.filter((d) => d.k === 'a' && d.s === 's2' && d.m >= 10 && d.m < 200).map((d) => d._id), 1000]);
  await engine.close();
});

test('prefixRangeShape: top-level exact equalities and one range of numbers or of dates, nothing else', () => {
  expect(prefixRangeShape({ k: 's', s: { $in: ['a', 'b'] }, m: { $gte: 1, $lt: 5 } })).toEqual({
    equalities: new Set(['k', 's']),
    range: { path: 'm', dates: false, lower: { value: 1, inclusive: true }, upper: { value: 5, inclusive: false } },
  });
  expect(prefixRangeShape({ k: 's', m: { $lte: new Date(7) } })).toEqual({ equalities: new Set(['k']), range: { path: 'm', dates: true, upper: { value: 7, inclusive: true } } });
  expect(prefixRangeShape({ k: 's', s: { $eq: new ObjectId('650000000000000000000002') } })?.range).toBeUndefined();
  for (const filter of [
    { m: { $gte: 1 } },
    { k: 1, m: { $gte: 1 } },
    { k: null, m: { $gte: 1 } },
    { 'a.b': 's', m: { $gte: 1 } },
    { k: 's', 'm.x': { $gte: 1 } },
    { k: 's', m: { $gte: 1, $gt: 0 } },
    { k: 's', m: { $gte: 1 }, n: { $lt: 2 } },
    { k: 's', m: { $gte: 1, $lt: new Date(5) } },
    { k: 's', m: { $gte: NaN } },
    { k: 's', m: { $gte: new Date(NaN) } },
    { k: 's', m: { $gte: Long.fromString('9007199254740993') } },
    { k: 's', m: { $gte: Decimal128.fromString('1') } },
    { k: 's', m: { $gte: 'a' } },
    { k: 's', m: { $gte: 1, $ne: 3 } },
    { k: 's', m: {} },
    { k: 's', m: { x: 1 } },
    { k: { $in: [] }, m: { $gte: 1 } },
    { k: { $in: ['a', 1] }, m: { $gte: 1 } },
    { k: 's', $or: [{ m: 1 }] },
    { k: /s/, m: { $gte: 1 } },
  ] as Document[]) {
    expect({ filter, shape: prefixRangeShape(filter) }).toEqual({ filter, shape: undefined });
  }
});

describe('a find with a projection on the stored bytes', () => {
  const { t } = conformanceSuite();

  test('returns every document intact across batches, whether the projection leaves something out or not', async () => {
    const coll = t.db.collection<{ _id: number } & Document>('projected');
    await coll.createIndex({ k: 1, s: 1, m: 1 });
    await coll.createIndex({ k: 1, m: 1 });
    const docs = Array.from({ length: 60 }, (_, i) => ({ _id: i, k: 's', s: i % 3 === 0 ? 'order' : 'other', m: i * 1000, o: { n: i, pad: 'x'.repeat(i * 7) }, ...(i % 4 === 0 ? { expireAt: new Date(i) } : {}) }));
    await coll.insertMany(docs);
    const filter = { k: 's', s: 'order', m: { $gte: 3000, $lt: 57_000 } };
    const matching = docs.filter((d) => d.s === 'order' && d.m >= 3000 && d.m < 57_000);
    const strip = (d: Document, fields: string[]): Document => Object.fromEntries(Object.entries(d).filter(([f]) => !fields.includes(f)));
    expect(await coll.find(filter, { projection: { _id: 0, expireAt: 0 }, batchSize: 4 }).toArray()).toEqual(matching.map((d) => strip(d, ['_id', 'expireAt'])));
    expect(await coll.find(filter, { projection: { absent: 0 }, batchSize: 3 }).toArray()).toEqual(matching);
    expect(await coll.find(filter, { projection: { m: 1, o: 1 }, batchSize: 5 }).toArray()).toEqual(matching.map((d) => ({ _id: d._id, m: d.m, o: d.o })));
    expect(await coll.find(filter, { projection: { _id: 1, k: 1, s: 1, m: 1, o: 1, expireAt: 1 }, batchSize: 2 }).toArray()).toEqual(matching);
    expect(await coll.find(filter, { projection: { _id: 0, expireAt: 0 }, skip: 2, limit: 7, batchSize: 3 }).toArray()).toEqual(matching.slice(2, 9).map((d) => strip(d, ['_id', 'expireAt'])));
  });
});
