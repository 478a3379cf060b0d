/**
 * Where the store must answer as MongoDB does for the version it reports (hello's maxWireVersion / buildInfo):
 * `sort` on update statements, `let` variables on every command that takes them, pipeline updates that drop `_id`,
 * `$`-prefixed fields inside `_id`, and the Atlas Search index commands. Runs unchanged against a real MongoDB.
 */
import { Double, Int32, Long, MongoBulkWriteError, MongoServerError, type Document } from 'mongodb';
import { failure, openConformance, type Conformance } from './fixture';

/** Test documents carry literal `_id`s of any type (numbers, documents), which the driver's typings reject. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDoc = any;

let t: Conformance;
let major = 0;
beforeAll(async () => {
  t = await openConformance();
  const info = await t.db.admin().command({ buildInfo: 1 });
  major = Number(String(info.version).split('.')[0]);
});
afterAll(() => t.close());

async function seeded(name: string, docs: AnyDoc[]) {
  const c = t.db.collection<AnyDoc>(name);
  await c.deleteMany({});
  await c.insertMany(docs);
  return c;
}

describe('sort on update statements', () => {
  const docs = [
    { _id: 1, g: 'a', v: 3 },
    { _id: 2, g: 'a', v: 1 },
    { _id: 3, g: 'a', v: 2 },
  ];

  test('updateOne with sort: 7.0 refuses the field (40415) and changes nothing; 8.0 updates the first in sort order', async () => {
    const c = await seeded('sortUpdate', docs);
    if (major >= 8) {
      const r = await c.updateOne({ g: 'a' }, { $set: { hit: true } }, { sort: { v: 1 } });
      expect(r.modifiedCount).toBe(1);
      expect((await c.findOne({ hit: true }))?._id).toBe(2);
      return;
    }
    const err = await failure(c.updateOne({ g: 'a' }, { $set: { hit: true } }, { sort: { v: 1 } }));
    expect(err.code).toBe(40415);
    expect(err.message).toBe("BSON field 'update.updates.sort' is an unknown field.");
    expect(await c.countDocuments({ hit: true })).toBe(0);
  });

  test('replaceOne and bulkWrite updateOne with sort are refused the same way on 7.0', async () => {
    const c = await seeded('sortReplace', docs);
    if (major >= 8) {
      await c.replaceOne({ g: 'a' }, { g: 'b' }, { sort: { v: -1 } });
      expect((await c.findOne({ g: 'b' }))?._id).toBe(1);
      return;
    }
    const replace = await failure(c.replaceOne({ g: 'a' }, { g: 'b' }, { sort: { v: -1 } }));
    expect(replace.code).toBe(40415);
    const bulk = await failure(c.bulkWrite([{ updateOne: { filter: { g: 'a' }, update: { $set: { x: 1 } }, sort: { v: 1 } } }]));
    expect(bulk.code).toBe(40415);
    expect(await c.countDocuments({ $or: [{ g: 'b' }, { x: 1 }] })).toBe(0);
  });

  test('unknown fields in a delete statement fail the command too', async () => {
    const c = await seeded('deleteUnknown', docs);
    const err = await failure(t.db.command({ delete: c.collectionName, deletes: [{ q: {}, limit: 1, bogus: 1 }] }));
    expect(err.code).toBe(40415);
    expect(err.message).toBe("BSON field 'delete.deletes.bogus' is an unknown field.");
    expect(await c.countDocuments()).toBe(3);
  });
});

describe('hint on write statements', () => {
  test('update, delete and findAndModify refuse a hint naming no index (2) and accept one that does', async () => {
    const c = await seeded('hints', [
      { _id: 1, k: 1 },
      { _id: 2, k: 2 },
    ]);
    await c.createIndex({ k: 1 });
    expect((await failure(c.updateOne({ k: 1 }, { $set: { x: 1 } }, { hint: 'nope_1' }))).code).toBe(2);
    expect((await failure(c.deleteOne({ k: 1 }, { hint: { nope: 1 } }))).code).toBe(2);
    const fam = { findAndModify: c.collectionName, query: { k: 1 }, update: { $set: { x: 1 } }, hint: 'nope_1' };
    expect((await failure(t.db.command(fam))).code).toBe(2);
    expect(await c.countDocuments({ x: 1 })).toBe(0);
    expect((await c.updateOne({ k: 1 }, { $set: { x: 1 } }, { hint: 'k_1' })).modifiedCount).toBe(1);
    expect((await c.deleteOne({ k: 2 }, { hint: { k: 1 } })).deletedCount).toBe(1);
    expect(await c.find({}).toArray()).toEqual([{ _id: 1, k: 1, x: 1 }]);
  });
});

describe('let variables', () => {
  const docs = [
    { _id: 1, name: 'a', n: 1 },
    { _id: 2, name: 'b', n: 2 },
    { _id: 3, name: 'c', n: 3 },
  ];

  test('find filters and projects with let', async () => {
    const c = await seeded('letFind', docs);
    const found = await c
      .find({ $expr: { $eq: ['$name', '$$target'] } }, { let: { target: 'b', label: 'picked' }, projection: { _id: 1, tag: '$$label' } })
      .toArray();
    expect(found).toEqual([{ _id: 2, tag: 'picked' }]);
  });

  test('aggregate evaluates let expressions once and uses them in $match and $project', async () => {
    const c = await seeded('letAggregate', docs);
    const out = await c
      .aggregate([{ $match: { $expr: { $gte: ['$n', '$$min'] } } }, { $project: { _id: 1, scaled: { $multiply: ['$n', '$$factor'] } } }, { $sort: { _id: 1 } }], {
        let: { min: { $add: [1, 1] }, factor: 10 },
      })
      .toArray();
    expect(out).toEqual([
      { _id: 2, scaled: 20 },
      { _id: 3, scaled: 30 },
    ]);
  });

  test('updateOne / updateMany use let in the filter and in a pipeline update', async () => {
    const c = await seeded('letUpdate', docs);
    const one = await c.updateOne({ $expr: { $eq: ['$name', '$$who'] } }, [{ $set: { label: '$$label' } }], { let: { who: 'a', label: 'first' } });
    expect(one.modifiedCount).toBe(1);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, name: 'a', n: 1, label: 'first' });
    const many = await c.updateMany({ $expr: { $gt: ['$n', '$$floor'] } }, [{ $set: { big: true } }], { let: { floor: 1 } });
    expect(many.modifiedCount).toBe(2);
    expect(await c.countDocuments({ big: true })).toBe(2);
  });

  test('deleteOne / deleteMany use let in the filter', async () => {
    const c = await seeded('letDelete', docs);
    expect((await c.deleteOne({ $expr: { $eq: ['$name', '$$who'] } }, { let: { who: 'c' } })).deletedCount).toBe(1);
    expect((await c.deleteMany({ $expr: { $lt: ['$n', '$$below'] } }, { let: { below: 3 } })).deletedCount).toBe(2);
    expect(await c.countDocuments()).toBe(0);
  });

  test('findOneAndUpdate / findOneAndDelete use let', async () => {
    const c = await seeded('letFam', docs);
    const updated = await c.findOneAndUpdate({ $expr: { $eq: ['$name', '$$who'] } }, [{ $set: { n: { $add: ['$n', '$$inc'] } } }], {
      let: { who: 'b', inc: 40 },
      returnDocument: 'after',
    });
    expect(updated).toEqual({ _id: 2, name: 'b', n: 42 });
    const removed = await c.findOneAndDelete({ $expr: { $eq: ['$n', '$$n'] } }, { let: { n: 42 } });
    expect(removed?._id).toBe(2);
  });

  test('bulkWrite passes let to its update and delete commands', async () => {
    const c = await seeded('letBulk', docs);
    const r = await c.bulkWrite(
      [
        { updateOne: { filter: { $expr: { $eq: ['$_id', '$$id'] } }, update: [{ $set: { seen: '$$mark' } }] } },
        { deleteOne: { filter: { $expr: { $eq: ['$name', '$$gone'] } } } },
      ],
      { let: { id: 1, mark: 'yes', gone: 'c' } },
    );
    expect(r.modifiedCount).toBe(1);
    expect(r.deletedCount).toBe(1);
    expect(await c.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, name: 'a', n: 1, seen: 'yes' },
      { _id: 2, name: 'b', n: 2 },
    ]);
  });

  test('a statement constant (c) joins the command let in a pipeline update', async () => {
    const c = await seeded('letConstants', docs);
    const reply = await t.db.command({
      update: c.collectionName,
      updates: [{ q: { _id: 3 }, u: [{ $set: { sum: { $add: ['$$a', '$$b'] } } }], c: { b: 5 } }],
      let: { a: 1 },
    });
    expect(reply.nModified).toBe(1);
    expect((await c.findOne({ _id: 3 }))?.sum).toBe(6);
  });

  test('an undefined variable answers 17276; an invalid variable name answers 16870', async () => {
    const c = await seeded('letErrors', docs);
    const undefinedVar = await failure(c.findOneAndUpdate({ $expr: { $eq: ['$name', '$$nope'] } }, { $set: { x: 1 } }));
    expect(undefinedVar.code).toBe(17276);
    expect(undefinedVar.message).toMatch(/Use of undefined variable: nope/);
    const badName = await failure(c.find({}, { let: { Upper: 1 } }).toArray());
    expect(badName.code).toBe(16870);
    expect(await c.countDocuments({ x: 1 })).toBe(0);
  });
});

describe('pipeline updates keep _id', () => {
  test('$replaceRoot to a subdocument without _id keeps the original _id', async () => {
    const c = await seeded('replaceRoot', [{ _id: 1, inner: { a: 1, b: 2 } }]);
    const r = await c.updateOne({ _id: 1 }, [{ $replaceRoot: { newRoot: '$inner' } }]);
    expect(r.modifiedCount).toBe(1);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 1, b: 2 });
  });

  test('$replaceWith / $project that changes _id is still ImmutableField (66)', async () => {
    const c = await seeded('replaceRootId', [{ _id: 1, inner: { _id: 9, a: 1 } }]);
    const err = await failure(c.updateOne({ _id: 1 }, [{ $replaceWith: '$inner' }]));
    expect(err.code).toBe(66);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, inner: { _id: 9, a: 1 } });
  });
});

describe('$-prefixed fields inside _id', () => {
  test('insertOne refuses them with 52 DollarPrefixedFieldName', async () => {
    const c = t.db.collection<AnyDoc>('dollarId');
    const err = await failure(c.insertOne({ _id: { $a: 1 }, x: 1 }));
    expect(err.code).toBe(52);
    expect(err.message).toMatch(/_id fields may not contain '\$'-prefixed fields: \$a is not valid for storage/);
    expect(await c.countDocuments()).toBe(0);
  });

  test('ordered insertMany stops at the offending document; dotted names inside _id stay allowed', async () => {
    const c = t.db.collection<AnyDoc>('dollarIdMany');
    const err = (await c.insertMany([{ _id: { 'a.b': 1 } }, { _id: { ok: 1, $b: 2 } }, { _id: 3 }]).catch((e: unknown) => e)) as MongoBulkWriteError;
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    expect(err.writeErrors).toBeDefined();
    const first = Array.isArray(err.writeErrors) ? err.writeErrors[0]! : err.writeErrors;
    expect(first.index).toBe(1);
    expect(first.code).toBe(52);
    expect(await c.find({}).toArray()).toEqual([{ _id: { 'a.b': 1 } }]);
  });
});

describe('Atlas Search index commands', () => {
  const expectAtlasRefusal = (err: MongoServerError): void => {
    expect(err.code).toBe(31082);
    expect(err.codeName).toBe('SearchNotEnabled');
    expect(err.message).toMatch(/Atlas/);
  };

  test('createSearchIndex(es), updateSearchIndex and dropSearchIndex fail as on a mongod without Atlas Search', async () => {
    const c = await seeded('search', [{ _id: 1 }]);
    expectAtlasRefusal(await failure(c.createSearchIndex({ name: 's', definition: { mappings: { dynamic: true } } })));
    expectAtlasRefusal(await failure(c.createSearchIndexes([{ name: 's', definition: { mappings: { dynamic: true } } }])));
    expectAtlasRefusal(await failure(c.updateSearchIndex('s', { mappings: { dynamic: false } })));
    expectAtlasRefusal(await failure(c.dropSearchIndex('s')));
  });

  test('listSearchIndexes ($listSearchIndexes) fails the same way', async () => {
    const c = await seeded('searchList', [{ _id: 1 }]);
    expectAtlasRefusal(await failure(c.listSearchIndexes().toArray()));
    expectAtlasRefusal(await failure(c.aggregate<Document>([{ $listSearchIndexes: { name: 'x' } }]).toArray()));
  });

  test('$search and $vectorSearch fail the same way', async () => {
    const c = await seeded('searchStages', [{ _id: 1 }]);
    expectAtlasRefusal(await failure(c.aggregate<Document>([{ $search: { text: { query: 'x', path: 'a' } } }]).toArray()));
    expectAtlasRefusal(
      await failure(c.aggregate<Document>([{ $vectorSearch: { index: 'v', path: 'e', queryVector: [1, 2], numCandidates: 10, limit: 1 } }]).toArray()),
    );
  });
});

describe('numeric types of an inserted document', () => {
  test('a document inserted with its _id reads back by _id with its int32, int64 and double values as sent', async () => {
    const c = t.db.collection<AnyDoc>('numericTypes');
    const doc = { _id: 'n1', i32: new Int32(5), i64: Long.fromNumber(5), big: Long.fromString('9007199254740993'), dbl: new Double(5), nested: { i64: Long.fromNumber(-1) } };
    await c.insertOne(doc);
    const back = await c.findOne({ _id: 'n1' }, { promoteLongs: false, promoteValues: false });
    expect(back).toEqual(doc);
    expect(back!.i64).toBeInstanceOf(Long);
    expect(back!.i32).toBeInstanceOf(Int32);
    expect(back!.dbl).toBeInstanceOf(Double);
  });
});
