import { MongoServerError, type Document } from 'mongodb';
import { openConformance, type Conformance } from './fixture';

let t: Conformance;
beforeAll(async () => {
  t = await openConformance();
});
afterAll(() => t.close());

const stats = async (name: string, filter: Document) => {
  const explained = await t.db.collection(name).find(filter).explain('executionStats');
  return explained.executionStats as { nReturned: number; totalDocsExamined: number };
};

test('createIndex, listIndexes, dropIndex, dropIndexes', async () => {
  const c = t.db.collection('ix');
  expect(await c.createIndex({ a: 1 })).toBe('a_1');
  expect(await c.createIndex({ b: -1, c: 1 }, { name: 'bc' })).toBe('bc');
  expect(await c.createIndex({ a: 1 })).toBe('a_1'); // same spec again: no-op
  const names = (await c.listIndexes().toArray()).map((i) => i.name);
  expect(names).toEqual(['_id_', 'a_1', 'bc']);
  const conflict = await c.createIndex({ z: 1 }, { name: 'a_1' }).catch((e) => e);
  expect(conflict).toBeInstanceOf(MongoServerError);
  expect(conflict.code).toBe(86);
  await c.dropIndex('bc');
  const missing = await c.dropIndex('bc').catch((e) => e);
  expect(missing.code).toBe(27);
  await c.dropIndexes();
  expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
});

test('listIndexes of a missing collection: NamespaceNotFound (26)', async () => {
  const err = await t.db.collection('none').listIndexes().toArray().catch((e) => e);
  expect(err).toBeInstanceOf(MongoServerError);
  expect(err.code).toBe(26);
});

test('unique index enforced on insert, update and upsert with keyPattern / keyValue', async () => {
  const c = t.db.collection('uniq');
  await c.createIndex({ email: 1 }, { unique: true });
  await c.insertMany([{ email: 'a@x' }, { email: 'b@x' }]);
  const ins = await c.insertOne({ email: 'a@x' }).catch((e) => e);
  expect(ins.code).toBe(11000);
  expect(ins.keyPattern).toEqual({ email: 1 });
  expect(ins.keyValue).toEqual({ email: 'a@x' });
  const upd = await c.updateOne({ email: 'b@x' }, { $set: { email: 'a@x' } }).catch((e) => e);
  expect(upd.code).toBe(11000);
  expect(upd.keyValue).toEqual({ email: 'a@x' });
  const ups = await c.updateOne({ name: 'new' }, { $set: { email: 'a@x' } }, { upsert: true }).catch((e) => e);
  expect(ups.code).toBe(11000);
  expect(await c.countDocuments()).toBe(2);
  expect(await c.countDocuments({ email: 'b@x' })).toBe(1);
});

test('compound unique index: only the whole key must be unique', async () => {
  const c = t.db.collection('cuniq');
  await c.createIndex({ traceId: 1, spanId: 1 }, { unique: true });
  await c.insertMany([{ traceId: 't', spanId: 1 }, { traceId: 't', spanId: 2 }]);
  const err = await c.insertOne({ traceId: 't', spanId: 1 }).catch((e) => e);
  expect(err.code).toBe(11000);
  expect(err.keyPattern).toEqual({ traceId: 1, spanId: 1 });
  expect(err.keyValue).toEqual({ traceId: 't', spanId: 1 });
});

test('a unique index cannot be built over existing duplicates', async () => {
  const c = t.db.collection('builddup');
  await c.insertMany([{ k: 1 }, { k: 1 }]);
  const err = await c.createIndex({ k: 1 }, { unique: true }).catch((e) => e);
  expect(err).toBeInstanceOf(MongoServerError);
  expect(err.code).toBe(11000);
  expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
});

describe('indexed lookups examine only matching documents', () => {
  beforeAll(async () => {
    const c = t.db.collection('spans');
    await c.createIndex({ traceId: 1 });
    await c.createIndex({ 'attrs.k': 1, 'attrs.v': 1 });
    const docs = Array.from({ length: 2000 }, (_, i) => ({
      traceId: `t${i % 200}`,
      spanId: i,
      attrs: [
        { k: 'http.status', v: i % 10 === 0 ? 500 : 200 },
        { k: 'region', v: `r${i % 4}` },
        ...(i % 50 === 0 ? [{ k: 'error.kind', v: 'timeout' }] : []),
      ],
    }));
    await c.insertMany(docs);
  });

  test('equality on an indexed field', async () => {
    const s = await stats('spans', { traceId: 't7' });
    expect(s.nReturned).toBe(10);
    expect(s.totalDocsExamined).toBe(10);
  });

  test('$in on an indexed field', async () => {
    const s = await stats('spans', { traceId: { $in: ['t1', 't2', 'nope'] } });
    expect(s.nReturned).toBe(20);
    expect(s.totalDocsExamined).toBe(20);
  });

  test('_id lookups', async () => {
    const one = await t.db.collection('spans').findOne({ spanId: 5 });
    const s = await stats('spans', { _id: one!._id });
    expect(s.nReturned).toBe(1);
    expect(s.totalDocsExamined).toBe(1);
  });

  test('$elemMatch over a multikey index reads only documents holding the key', async () => {
    const filter = { attrs: { $elemMatch: { k: 'error.kind', v: 'timeout' } } };
    const got = await t.db.collection('spans').find(filter).toArray();
    expect(got).toHaveLength(40);
    expect(got.every((d) => d.spanId % 50 === 0)).toBe(true);
    const s = await stats('spans', filter);
    expect(s.nReturned).toBe(40);
    expect(s.totalDocsExamined).toBe(40);
  });

  test('a filter without a usable index scans', async () => {
    const s = await stats('spans', { spanId: { $lt: 3 } });
    expect(s.nReturned).toBe(3);
    expect(s.totalDocsExamined).toBe(2000);
  });
});

test('array elements with equal values in one document: found once, and gone from the index once changed or deleted', async () => {
  const c = t.db.collection<{ _id: number; attrs?: Document[]; tags: string[] }>('repeated_elements');
  await c.createIndex({ 'attrs.k': 1, 'attrs.v': 1 });
  await c.createIndex({ tags: 1 }, { unique: true });
  const a = { k: 'a', v: 1 };
  await c.insertMany([
    { _id: 1, attrs: [a, { k: 'a', v: 1.0 }, { k: 'b', v: 2 }], tags: ['x', 'x', 'y'] },
    { _id: 2, attrs: [{ k: 'b', v: 2 }], tags: ['z'] },
  ]);
  const withA = { attrs: { $elemMatch: { k: 'a', v: 1 } } };
  expect((await c.find(withA).toArray()).map((d) => d._id)).toEqual([1]);
  expect((await stats('repeated_elements', withA)).totalDocsExamined).toBe(1);
  // A repeat within one document is no duplicate of a unique index; another document's value is.
  const dup = await c.insertOne({ _id: 3, tags: ['y'] }).catch((e) => e);
  expect(dup.code).toBe(11000);
  await c.updateOne({ _id: 1 }, { $set: { attrs: [{ k: 'b', v: 2 }], tags: ['w', 'w'] } });
  expect(await c.countDocuments(withA)).toBe(0);
  expect((await c.find({ attrs: { $elemMatch: { k: 'b', v: 2 } } }).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([1, 2]);
  await c.insertOne({ _id: 4, tags: ['x', 'y'] });
  await c.deleteOne({ _id: 1 });
  expect(await c.countDocuments({ tags: 'w' })).toBe(0);
  await c.insertOne({ _id: 5, tags: ['w'] });
  expect((await c.find({ tags: { $in: ['w', 'x'] } }).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([4, 5]);
});

test('hint must name an existing index (by name or key); a valid hint does not change results', async () => {
  const c = t.db.collection('hinted');
  await c.insertMany([{ a: 1 }, { a: 2 }]);
  await c.createIndex({ a: 1 });
  expect(await c.find({ a: 2 }, { hint: 'a_1' }).toArray()).toHaveLength(1);
  expect(await c.find({ a: 2 }, { hint: { a: 1 } }).toArray()).toHaveLength(1);
  const err = await c.find({ a: 2 }, { hint: 'nope_1' }).toArray().catch((e) => e);
  expect(err).toBeInstanceOf(MongoServerError);
  expect(err.code).toBe(2);
  const agg = await c.aggregate([{ $match: { a: 1 } }], { hint: { b: 1 } }).toArray().catch((e) => e);
  expect(agg).toBeInstanceOf(MongoServerError);
});
