import { MongoBulkWriteError, MongoServerError, ObjectId, type Document } from 'mongodb';
import { openConformance, type Conformance } from './fixture';

/** Tests use literal _id values of several types, so documents are loosely typed here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
interface AnyDoc { _id?: any; [field: string]: any }

let t: Conformance;
beforeAll(async () => {
  t = await openConformance();
});
afterAll(() => t.close());

describe('insert', () => {
  test('insertOne and insertMany store documents with generated _id first', async () => {
    const c = t.db.collection<AnyDoc>('ins');
    const one = await c.insertOne({ name: 'a' });
    expect(one.insertedId).toBeInstanceOf(ObjectId);
    const many = await c.insertMany([{ _id: 'x' as unknown as ObjectId, name: 'b' }, { name: 'c', _id: 'y' as unknown as ObjectId }]);
    expect(many.insertedCount).toBe(2);
    const y = await c.findOne({ _id: 'y' as unknown as ObjectId });
    expect(Object.keys(y!)).toEqual(['_id', 'name']);
    expect(await c.countDocuments()).toBe(3);
  });

  test('duplicate _id: E11000 with keyPattern and keyValue', async () => {
    const c = t.db.collection<AnyDoc>('dupid');
    await c.insertOne({ _id: 1 as unknown as ObjectId });
    const err = await c.insertOne({ _id: 1 as unknown as ObjectId }).catch((e) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(11000);
    expect(err.keyPattern).toEqual({ _id: 1 });
    expect(err.keyValue).toEqual({ _id: 1 });
    expect(err.message).toMatch(/E11000 duplicate key error/);
  });

  test('ordered insertMany stops at the first error; unordered carries on', async () => {
    const c = t.db.collection<AnyDoc>('ordered');
    const docs = [{ _id: 1 }, { _id: 1 }, { _id: 2 }] as unknown as { _id: ObjectId }[];
    const ordered = await c.insertMany(docs).catch((e) => e);
    expect(ordered).toBeInstanceOf(MongoBulkWriteError);
    expect(ordered.result.insertedCount).toBe(1);
    expect(ordered.writeErrors[0].index).toBe(1);
    expect(await c.countDocuments()).toBe(1);
    await c.deleteMany({});
    const unordered = await c.insertMany(docs, { ordered: false }).catch((e) => e);
    expect(unordered).toBeInstanceOf(MongoBulkWriteError);
    expect(unordered.result.insertedCount).toBe(2);
    expect(unordered.writeErrors).toHaveLength(1);
    expect(unordered.writeErrors[0].code).toBe(11000);
    expect(await c.countDocuments()).toBe(2);
  });

  test('a document over 16 MB: BSONObjectTooLarge (10334), nothing stored', async () => {
    const c = t.db.collection<AnyDoc>('huge');
    // Just over 16 MB: larger documents do not fit the driver's own 17 MB serialization buffer.
    const err = await c.insertOne({ blob: 'x'.repeat(16 * 1024 * 1024 + 1024) }).catch((e) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(10334);
    expect(await c.countDocuments()).toBe(0);
  });

  test('an array _id is refused', async () => {
    const err = await t.db.collection<AnyDoc>('badid').insertOne({ _id: [1, 2] as unknown as ObjectId }).catch((e) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(2);
  });
});

describe('find', () => {
  const docs = Array.from({ length: 250 }, (_, i) => ({ _id: i, n: i, mod: i % 3, tags: [`t${i % 5}`], sub: { x: i % 7 } }));
  beforeAll(async () => {
    await t.db.collection<AnyDoc>('f').insertMany(docs as never[]);
  });

  test('filter, projection, sort, skip, limit', async () => {
    const c = t.db.collection<AnyDoc>('f');
    const got = await c.find({ mod: 1, n: { $gte: 100 } }, { projection: { n: 1, _id: 0 } }).sort({ n: -1 }).skip(2).limit(3).toArray();
    expect(got).toEqual([{ n: 241 }, { n: 238 }, { n: 235 }]);
  });

  test('query operators: $in, $or, $exists, $regex, array element match, dotted paths', async () => {
    const c = t.db.collection<AnyDoc>('f');
    expect(await c.countDocuments({ n: { $in: [1, 2, 300] } })).toBe(2);
    expect(await c.countDocuments({ $or: [{ n: 0 }, { n: 249 }] })).toBe(2);
    expect(await c.countDocuments({ missing: { $exists: true } })).toBe(0);
    expect(await c.countDocuments({ tags: 't4' })).toBe(50);
    expect(await c.countDocuments({ tags: { $regex: '^t[01]$' } })).toBe(100);
    expect(await c.countDocuments({ 'sub.x': 6 })).toBe(35);
  });

  test('sort follows MongoDB: arrays by min ascending / max descending, BSON type order, missing as null', async () => {
    const c = t.db.collection<AnyDoc>('sorting');
    await c.insertMany([{ _id: 1, a: [5, 1] }, { _id: 2, a: [3] }, { _id: 3, a: 2 }, { _id: 4 }, { _id: 5, a: 'text' }, { _id: 6, a: true }] as never[]);
    expect((await c.find({}).sort({ a: 1 }).toArray()).map((d) => d._id)).toEqual([4, 1, 3, 2, 5, 6]);
    expect((await c.find({}).sort({ a: -1 }).toArray()).map((d) => d._id)).toEqual([6, 5, 1, 2, 3, 4]);
    const agg = await c.aggregate([{ $sort: { a: -1, _id: 1 } }, { $project: { _id: 1 } }]).toArray();
    expect(agg.map((d) => d._id)).toEqual([6, 5, 1, 2, 3, 4]);
  });

  test('exclusion projection', async () => {
    const got = await t.db.collection<AnyDoc>('f').findOne({ _id: 3 as never }, { projection: { tags: 0, sub: 0 } });
    expect(got).toEqual({ _id: 3, n: 3, mod: 0 });
  });

  test('inclusion projection: the named fields in the document order, `_id` unless left out', async () => {
    const c = t.db.collection<AnyDoc>('f');
    const got = await c.findOne({ _id: 3 as never }, { projection: { mod: 1, n: 1 } });
    expect(got).toEqual({ _id: 3, n: 3, mod: 0 });
    expect(Object.keys(got!)).toEqual(['_id', 'n', 'mod']);
    expect(await c.findOne({ _id: 3 as never }, { projection: { _id: 0, mod: true, absent: 1 } })).toEqual({ mod: 0 });
    const many = await c.find({ n: { $in: [1, 2] } }, { projection: { n: 1 } }).sort({ _id: 1 }).toArray();
    expect(many).toEqual([{ _id: 1, n: 1 }, { _id: 2, n: 2 }]);
  });

  test('unknown query operator: BadValue (2)', async () => {
    const err = await t.db.collection<AnyDoc>('f').find({ n: { $foo: 1 } }).toArray().catch((e) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(2);
    expect(err.message).toMatch(/unknown operator: \$foo/);
  });

  test('a missing collection finds nothing', async () => {
    expect(await t.db.collection<AnyDoc>('nope').find({}).toArray()).toEqual([]);
  });

  test('distinct and estimatedDocumentCount', async () => {
    const c = t.db.collection<AnyDoc>('f');
    expect((await c.distinct('mod')).sort()).toEqual([0, 1, 2]);
    expect((await c.distinct('tags', { n: { $lt: 5 } })).sort()).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(await c.estimatedDocumentCount()).toBe(250);
  });
});

describe('update', () => {
  test('operators: $set $unset $inc $min $max $push $addToSet with $each', async () => {
    const c = t.db.collection<AnyDoc>('upd');
    await c.insertOne({ _id: 1 as never, a: 5, b: 'x', lo: 10, hi: 10, list: [1], set: ['a'] });
    const r = await c.updateOne(
      { _id: 1 as never },
      {
        $set: { 'nested.deep': true },
        $unset: { b: '' },
        $inc: { a: 2 },
        $min: { lo: 3 },
        $max: { hi: 30 },
        $push: { list: { $each: [2, 3] } },
        $addToSet: { set: { $each: ['a', 'b'] } },
      } as never,
    );
    expect(r.matchedCount).toBe(1);
    expect(r.modifiedCount).toBe(1);
    expect(await c.findOne({ _id: 1 as never })).toEqual({ _id: 1, a: 7, lo: 3, hi: 30, list: [1, 2, 3], set: ['a', 'b'], nested: { deep: true } });
  });

  test('updateMany counts matched and modified; a no-op is not modified', async () => {
    const c = t.db.collection<AnyDoc>('updmany');
    await c.insertMany([{ k: 1, v: 0 }, { k: 1, v: 1 }, { k: 2, v: 0 }]);
    const r = await c.updateMany({ k: 1 }, { $set: { v: 1 } });
    expect(r.matchedCount).toBe(2);
    expect(r.modifiedCount).toBe(1);
  });

  test('upsert inserts from the filter plus $set and $setOnInsert; a second run updates', async () => {
    const c = t.db.collection<AnyDoc>('ups');
    const first = await c.updateOne({ key: 'k' }, { $set: { seen: 1 }, $setOnInsert: { created: true } }, { upsert: true });
    expect(first.upsertedCount).toBe(1);
    const second = await c.updateOne({ key: 'k' }, { $set: { seen: 2 }, $setOnInsert: { created: false } }, { upsert: true });
    expect(second.upsertedCount).toBe(0);
    expect(second.modifiedCount).toBe(1);
    const doc = await c.findOne({ key: 'k' }, { projection: { _id: 0 } });
    expect(doc).toEqual({ key: 'k', seen: 2, created: true });
  });

  test('replaceOne keeps _id; changing _id is ImmutableField (66)', async () => {
    const c = t.db.collection<AnyDoc>('repl');
    await c.insertOne({ _id: 1 as never, a: 1 });
    await c.replaceOne({ _id: 1 as never }, { b: 2 });
    expect(await c.findOne({})).toEqual({ _id: 1, b: 2 });
    const err = await c.updateOne({ _id: 1 as never }, { $set: { _id: 2 } }).catch((e) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(66);
  });

  test('unknown update operator: FailedToParse (9)', async () => {
    const c = t.db.collection<AnyDoc>('upd');
    const err = await c.updateOne({}, { $foo: { a: 1 } } as never).catch((e) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(9);
  });

  test('$inc of a string: TypeMismatch (14); conflicting paths: 40', async () => {
    const c = t.db.collection<AnyDoc>('incbad');
    await c.insertOne({ _id: 1 as never, s: 'x', a: [1] });
    const inc = await c.updateOne({ _id: 1 as never }, { $inc: { s: 1 } }).catch((e) => e);
    expect(inc.code).toBe(14);
    const conflict = await c.updateOne({ _id: 1 as never }, { $set: { a: [] }, $push: { a: 2 } } as never).catch((e) => e);
    expect(conflict.code).toBe(40);
    expect(await c.findOne({})).toEqual({ _id: 1, s: 'x', a: [1] });
  });

  test('$rename $currentDate $pull $pullAll $pop', async () => {
    const c = t.db.collection<AnyDoc>('updmore');
    await c.insertOne({ _id: 1, old: 'v', list: [1, 2, 3, 2], other: [1, 2, 3], q: [1, 2, 3] } as never);
    await c.updateOne({ _id: 1 }, { $rename: { old: 'new' }, $currentDate: { at: true }, $pull: { list: 2 }, $pullAll: { other: [1, 3] }, $pop: { q: -1 } } as never);
    const doc = await c.findOne({ _id: 1 });
    expect(doc).toMatchObject({ _id: 1, new: 'v', list: [1, 3], other: [2], q: [2, 3] });
    expect(doc!.old).toBeUndefined();
    expect(doc!.at).toBeInstanceOf(Date);
  });

  test('positional $ and arrayFilters', async () => {
    const c = t.db.collection<AnyDoc>('positional');
    await c.insertOne({ _id: 1, items: [{ k: 'a', n: 1 }, { k: 'b', n: 1 }, { k: 'c', n: 1 }] } as never);
    await c.updateOne({ _id: 1, 'items.k': 'b' }, { $inc: { 'items.$.n': 10 } });
    await c.updateOne({ _id: 1 }, { $set: { 'items.$[el].n': 0 } }, { arrayFilters: [{ 'el.k': 'c' }] });
    expect((await c.findOne({ _id: 1 }))!.items).toEqual([{ k: 'a', n: 1 }, { k: 'b', n: 11 }, { k: 'c', n: 0 }]);
  });

  test('pipeline-style update', async () => {
    const c = t.db.collection<AnyDoc>('pipeupd');
    await c.insertOne({ _id: 1 as never, a: 2, b: 3 });
    await c.updateOne({ _id: 1 as never }, [{ $set: { sum: { $add: ['$a', '$b'] } } }]);
    expect(await c.findOne({})).toEqual({ _id: 1, a: 2, b: 3, sum: 5 });
  });

  test('pipeline-style updates keep every index right: fields changed, kept, removed, moved', async () => {
    const c = t.db.collection<AnyDoc>('pipeupd_indexed');
    await c.createIndex({ d: 1 });
    await c.createIndex({ tags: 1, s: -1 });
    await c.createIndex({ 'attrs.k': 1, 'attrs.v': 1, s: -1 });
    await c.insertMany([
      { _id: 1, s: 10, e: 15, n: 1, tags: ['x', 'y'], attrs: [{ k: 'k1', v: 'a' }] },
      { _id: 2, s: 20, e: 22, n: 9, tags: ['y'], attrs: [{ k: 'k1', v: 'b' }] },
    ] as AnyDoc[]);
    const ids = async (filter: Document): Promise<unknown[]> => (await c.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);

    const first = await c.updateMany({}, [{ $set: { d: { $subtract: ['$e', '$s'] }, n: { $max: ['$n', 5] } } }]);
    expect([first.matchedCount, first.modifiedCount]).toEqual([2, 2]);
    expect([await ids({ d: 5 }), await ids({ d: 2 }), await ids({ tags: 'y' }), await ids({ 'attrs.k': 'k1' })]).toEqual([[1], [2], [1, 2], [1, 2]]);
    // Nothing changes: not modified.
    const same = await c.updateOne({ _id: 2 }, [{ $set: { n: { $max: ['$n', 5] }, d: { $subtract: ['$e', '$s'] } } }]);
    expect([same.matchedCount, same.modifiedCount]).toEqual([1, 0]);

    // The start time, in two compound indexes, changes: their entries follow it.
    await c.updateOne({ _id: 1 }, [{ $set: { s: { $add: ['$s', 1] } } }]);
    expect([await ids({ tags: 'x', s: 11 }), await ids({ tags: 'x', s: 10 }), await ids({ attrs: { $elemMatch: { k: 'k1', v: 'a' } }, s: 11 })]).toEqual([[1], [], [1]]);

    // An indexed field removed: missing matches null.
    await c.updateOne({ _id: 1 }, [{ $unset: 'd' }]);
    expect([await ids({ d: 5 }), await ids({ d: null })]).toEqual([[], [1]]);

    // The document rebuilt in another field order, some fields dropped.
    await c.updateOne({ _id: 2 }, [{ $replaceWith: { _id: '$_id', attrs: [{ k: 'k2', v: 'c' }], s: '$s' } }]);
    expect(await c.findOne({ _id: 2 })).toEqual({ _id: 2, attrs: [{ k: 'k2', v: 'c' }], s: 20 });
    expect([await ids({ d: 2 }), await ids({ tags: 'y' }), await ids({ 'attrs.k': 'k1' }), await ids({ 'attrs.k': 'k2', s: 20 })]).toEqual([[], [1], [1], [2]]);
  });
});

describe('update by _id', () => {
  test('an _id equality finds its document whatever the number type; other filters and misses take the general path', async () => {
    const c = t.db.collection<AnyDoc>('updbyid');
    await c.insertMany([{ _id: 1.5, v: 1 }, { _id: 2, v: 1 }, { _id: 'x', v: 1, tag: 'a' }, { _id: 'x'.repeat(2000), v: 1 }] as never);
    // A double _id found by the same number, an int32 one by a double of the same value.
    expect((await c.updateOne({ _id: 1.5 as never }, { $inc: { v: 1 } })).modifiedCount).toBe(1);
    expect((await c.updateOne({ _id: 2.0 as never }, { $inc: { v: 1 } })).modifiedCount).toBe(1);
    // A long string _id (its index key is cut) is compared whole.
    expect((await c.updateOne({ _id: 'x'.repeat(2000) as never }, { $inc: { v: 1 } })).modifiedCount).toBe(1);
    expect((await c.updateOne({ _id: 'x'.repeat(1999) + 'y' as never }, { $inc: { v: 1 } })).matchedCount).toBe(0);
    // `_id` with another field: both must match.
    expect((await c.updateOne({ _id: 'x', tag: 'b' } as never, { $inc: { v: 1 } })).matchedCount).toBe(0);
    // A miss upserts; multi by _id updates the one document.
    const up = await c.updateOne({ _id: 'new' as never }, { $set: { v: 7 } }, { upsert: true });
    expect(up.upsertedId).toBe('new');
    expect((await c.updateMany({ _id: 'x' as never }, { $inc: { v: 1 } })).modifiedCount).toBe(1);
    const docs = await c.find({}, { sort: { _id: 1 } }).toArray();
    expect(docs.map((d) => [typeof d._id === 'string' ? d._id.slice(0, 3) : d._id, d.v])).toEqual([[1.5, 2], [2, 2], ['new', 7], ['x', 2], ['xxx', 2]]);
  });
});

describe('delete, findAndModify, bulkWrite', () => {
  test('deleteOne and deleteMany', async () => {
    const c = t.db.collection<AnyDoc>('del');
    await c.insertMany([{ k: 1 }, { k: 1 }, { k: 2 }]);
    expect((await c.deleteOne({ k: 1 })).deletedCount).toBe(1);
    expect((await c.deleteMany({})).deletedCount).toBe(2);
  });

  test('findOneAndUpdate: before/after, sort, projection, upsert', async () => {
    const c = t.db.collection<AnyDoc>('fam');
    await c.insertMany([{ k: 1, n: 1 }, { k: 1, n: 2 }]);
    const before = await c.findOneAndUpdate({ k: 1 }, { $inc: { n: 10 } }, { sort: { n: -1 }, projection: { _id: 0 } });
    expect(before).toEqual({ k: 1, n: 2 });
    const after = await c.findOneAndUpdate({ k: 1 }, { $inc: { n: 10 } }, { sort: { n: -1 }, returnDocument: 'after', projection: { _id: 0 } });
    expect(after).toEqual({ k: 1, n: 22 });
    const upserted = await c.findOneAndUpdate({ k: 9 }, { $set: { n: 0 } }, { upsert: true, returnDocument: 'after', includeResultMetadata: true });
    expect(upserted.lastErrorObject?.updatedExisting).toBe(false);
    expect(upserted.value).toMatchObject({ k: 9, n: 0 });
    expect(await c.findOneAndUpdate({ k: 'none' }, { $set: { n: 0 } })).toBeNull();
  });

  test('findOneAndReplace and findOneAndDelete', async () => {
    const c = t.db.collection<AnyDoc>('fam2');
    await c.insertOne({ _id: 1 as never, a: 1 });
    expect(await c.findOneAndReplace({ _id: 1 as never }, { b: 1 }, { returnDocument: 'after' })).toEqual({ _id: 1, b: 1 });
    expect(await c.findOneAndDelete({ _id: 1 as never })).toEqual({ _id: 1, b: 1 });
    expect(await c.countDocuments()).toBe(0);
  });

  test('bulkWrite mixes inserts, updates, deletes; ordered stops at a duplicate', async () => {
    const c = t.db.collection<AnyDoc>('bulk');
    const r = await c.bulkWrite([
      { insertOne: { document: { _id: 1 as never, v: 1 } } },
      { insertOne: { document: { _id: 2 as never, v: 2 } } },
      { updateOne: { filter: { _id: 1 }, update: { $set: { v: 10 } } } },
      { updateMany: { filter: {}, update: { $inc: { v: 1 } } } },
      { replaceOne: { filter: { _id: 3 }, replacement: { v: 3 }, upsert: true } },
      { deleteOne: { filter: { _id: 2 } } },
    ]);
    expect(r.insertedCount).toBe(2);
    expect(r.matchedCount).toBe(3);
    expect(r.modifiedCount).toBe(3);
    expect(r.upsertedCount).toBe(1);
    expect(r.deletedCount).toBe(1);
    expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, v: 11 }, { _id: 3, v: 3 }]);
    const err = await c.bulkWrite([{ insertOne: { document: { _id: 5 as never } } }, { insertOne: { document: { _id: 1 as never } } }, { insertOne: { document: { _id: 6 as never } } }]).catch((e) => e);
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    expect(err.writeErrors[0].index).toBe(1);
    expect(await c.countDocuments({ _id: { $in: [5, 6] } as never })).toBe(1);
  });
});
