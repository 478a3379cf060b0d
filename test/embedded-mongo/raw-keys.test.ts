/**
 * An insert whose documents arrive with their `_id` first is indexed from its BSON bytes (the embedded store reads
 * the index keys without decoding the document); any other insert is decoded first. Both must index alike: the
 * same documents go into two collections with the same indexes, one inserted with `_id` first, one with `_id`
 * last, and every indexed query (equality, ranges, `$elemMatch`, sorts an index may give) answers the same in
 * both. Runs unchanged against a real MongoDB.
 */
import { Double, Int32, Long, ObjectId, type Collection, type Document } from 'mongodb';
import { conformanceSuite } from './fixture';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDoc = any;

const { t } = conformanceSuite();

const oid = new ObjectId('65a1b2c3d4e5f60718293a4b');
// Values the store reads from the bytes, and arrays of them.
const scalars: unknown[] = [
  'a',
  'héllo',
  'nul\u0000in',
  'x'.repeat(256),
  '',
  1,
  1.0,
  new Double(1),
  new Int32(7),
  2.5,
  -0,
  -4,
  Long.fromString('9007199254740993'),
  Long.fromNumber(-5),
  new Date('1960-01-01T00:00:00Z'),
  new Date('2026-11-30T12:00:00Z'),
  true,
  false,
  null,
  oid,
];
const readable: unknown[] = [...scalars, [], [1, 1.0, 2], ['a', 'b', 'a'], [null], [0, 3]];
// Values it decodes the document for: long strings (cut in keys), embedded documents, nested arrays.
const decodedShapes: unknown[] = ['x'.repeat(257), 'é'.repeat(129), [[1], 2], { b: 1 }, [{ b: 2 }, 3], ['x'.repeat(300), 'y'], [1, 2]];

// Each document: an indexed scalar or array `a`, a scalar `c`, and `attrs` pairs.
function docs(shapes: readonly unknown[], extra: readonly Document[]): Document[] {
  // An array as `k` is a shape the store decodes for: only where the shapes are such already.
  const k = (a: unknown): unknown => (Array.isArray(a) && shapes === readable ? 'array' : a);
  const out: Document[] = shapes.map((a, i) => ({ _id: i, a, c: i % 3, attrs: [{ k: 'k', v: scalars[i % scalars.length] }, { k: k(a), v: 'w' }, { v: 1 }] }));
  return [...out, ...extra.map((d, i) => ({ _id: shapes.length + i, ...d }))];
}

// The same fields with `_id` last.
function idLast(doc: Document): Document {
  const { _id, ...rest } = doc;
  return { ...rest, _id };
}

const INDEXES: Array<{ key: Record<string, 1 | -1> }> = [
  { key: { a: 1 } },
  { key: { c: 1, a: -1 } },
  { key: { 'attrs.k': 1, 'attrs.v': 1 } },
  { key: { 'attrs.v': -1 } },
  // Element keys followed by top-level fields of the document.
  { key: { 'attrs.k': 1, 'attrs.v': 1, c: -1, a: 1 } },
];

async function compare(name: string, shapes: readonly unknown[], extra: readonly Document[]): Promise<void> {
  const raw = t.db.collection<AnyDoc>(`${name}_bytes`);
  const decoded = t.db.collection<AnyDoc>(`${name}_decoded`);
  for (const c of [raw, decoded]) for (const { key } of INDEXES) await c.createIndex(key);
  await raw.insertMany(docs(shapes, extra));
  await decoded.insertMany(docs(shapes, extra).map(idLast));
  await sameAnswers(raw, decoded, shapes, extra);
}

// Each document's indexed fields given the next document's values (an update's keys replace its old ones).
function shifted(all: readonly Document[]): Document[] {
  return all.map((d, i) => {
    const next = all[(i + 1) % all.length]!;
    const { _id, ...rest } = next;
    return { ...rest, _id: d._id };
  });
}

// Documents updated in place (their old keys removed, their new keys read from the updated bytes where their shape
// allows) answer as the same documents inserted fresh, decoded.
async function compareUpdated(name: string, shapes: readonly unknown[], extra: readonly Document[]): Promise<void> {
  const updated = t.db.collection<AnyDoc>(`${name}_updated`);
  const fresh = t.db.collection<AnyDoc>(`${name}_fresh`);
  for (const c of [updated, fresh]) for (const { key } of INDEXES) await c.createIndex(key);
  const before = docs(shapes, extra);
  const after = shifted(before);
  await updated.insertMany(before);
  for (const doc of after) {
    const { _id, ...fields } = doc;
    const unset = Object.fromEntries(['a', 'c', 'attrs'].filter((f) => !(f in fields)).map((f) => [f, '']));
    await updated.updateOne({ _id }, Object.keys(unset).length > 0 ? { $set: fields, $unset: unset } : { $set: fields });
  }
  await fresh.insertMany(after.map(idLast));
  await sameAnswers(updated, fresh, shapes, extra);
}

async function sameAnswers(raw: Collection<AnyDoc>, decoded: Collection<AnyDoc>, shapes: readonly unknown[], extra: readonly Document[]): Promise<void> {
  const ids = async (c: typeof raw, filter: Document, sort: Document = { _id: 1 }): Promise<unknown[]> => (await c.find(filter).sort(sort).toArray()).map((d) => d._id);
  const same = async (filter: Document, sort?: Document): Promise<void> => {
    const [a, b] = [await ids(raw, filter, sort), await ids(decoded, filter, sort)];
    expect({ filter, ids: a }).toEqual({ filter, ids: b });
  };

  let nonEmpty = 0;
  for (const v of shapes) {
    await same({ a: v });
    await same({ c: 1, a: v });
    await same({ 'attrs.k': v });
    await same({ attrs: { $elemMatch: { k: 'k', v } } });
    await same({ 'attrs.v': v });
    if ((await ids(raw, { a: v })).length > 0) nonEmpty += 1;
  }
  // The queries found documents (the comparison is not between two empty answers).
  expect(nonEmpty).toBeGreaterThan(shapes.length / 2);
  await same({ a: { $gte: 1, $lt: 3 } });
  await same({ a: { $gt: 'a' } });
  await same({ a: { $lt: new Date('2000-01-01T00:00:00Z') } });
  await same({ c: 0, a: { $gte: -10 } });
  // Two bounds an array meets with different elements: found only if its index is known to be multikey.
  for (const filter of [{ a: { $gt: 1.5, $lt: 1.9 } }, { 'attrs.v': { $gt: 1.5, $lt: 1.9 } }, { 'attrs.k': 'k', 'attrs.v': 'w' }]) {
    await same(filter);
    expect((await ids(raw, filter)).length).toBeGreaterThan(0);
  }
  await same({}, { a: 1, _id: 1 });
  await same({ c: 1 }, { a: -1, _id: 1 });
  await same({ 'attrs.v': { $gte: 0 } }, { 'attrs.v': -1, _id: 1 });
  for (const v of shapes) await same({ attrs: { $elemMatch: { k: 'k', v } } }, { c: -1, a: 1, _id: 1 });
  await same({ attrs: { $elemMatch: { k: 'k', v: 'w' } }, c: { $lte: 1 } }, { c: -1, a: 1, _id: 1 });
  expect(await raw.countDocuments({})).toBe(shapes.length + extra.length);
}

const READABLE_EXTRA: Document[] = [{ c: 1 }, { c: 2, attrs: [] }, { c: 0, attrs: [{ k: 'k' }] }];
const DECODED_EXTRA: Document[] = [{ c: 0, attrs: ['plain', { k: 'k', v: 2 }, { v: 1 }] }, { c: 1, attrs: { k: 'k', v: 'single' } }];

test('keys read from the inserted bytes answer every indexed query as keys of the decoded documents do', async () => {
  await compare('raw_keys_read', readable, READABLE_EXTRA);
});

test('documents of shapes keyed after decoding them answer alike too', async () => {
  await compare('raw_keys_decoded', decodedShapes, DECODED_EXTRA);
});

test('updated documents answer as the same documents inserted fresh, for both kinds of shapes', async () => {
  await compareUpdated('raw_keys_read', readable, READABLE_EXTRA);
  await compareUpdated('raw_keys_decoded', decodedShapes, DECODED_EXTRA);
});

test('a unique index refuses a duplicate read from the bytes, naming the key as the document holds it', async () => {
  const c = t.db.collection<AnyDoc>('raw_keys_unique');
  await c.createIndex({ traceId: 1, n: 1 }, { unique: true });
  await c.insertOne({ _id: 1, traceId: 'é'.repeat(10), n: Long.fromString('9007199254740993') });
  const err = await c.insertOne({ _id: 2, traceId: 'é'.repeat(10), n: Long.fromString('9007199254740993') }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 11000, keyPattern: { traceId: 1, n: 1 } });
  expect((err as { keyValue: Document }).keyValue.traceId).toBe('é'.repeat(10));
  expect(await c.countDocuments({})).toBe(1);
});
