/**
 * Update operators as MongoDB (5.0+) applies them, through the driver: `$set $unset $inc $min $max $addToSet
 * $setOnInsert` on plain paths (which the embedded store applies directly) and the cases next to them that take its
 * general path (arrays on a path, conflicting paths, other operators). Runs unchanged against a real MongoDB.
 */
import type { Document } from 'mongodb';
import { bulkFailure, conformanceSuite, failure, nextEvent } from './fixture';

/** Documents with literal `_id`s of any type, which the driver's typings reject. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDoc = any;

const { t, streams } = conformanceSuite();

let n = 0;
async function seeded(docs: AnyDoc[]) {
  const c = t.db.collection<AnyDoc>(`upd_ops_${++n}`);
  if (docs.length > 0) await c.insertMany(docs);
  return c;
}

describe('field order', () => {
  test('existing fields change in place; new fields are appended in field-name order', async () => {
    const c = await seeded([{ _id: 1, z: 0, m: 1 }]);
    await c.updateOne({ _id: 1 }, { $set: { y: 1, b: 1, m: 2 }, $inc: { a: 1, 'n.y': 1, 'n.x': 1, 'n.10': 1 }, $max: { c: 3 } });
    const doc = await c.findOne({ _id: 1 });
    expect(Object.keys(doc!)).toEqual(['_id', 'z', 'm', 'a', 'b', 'c', 'n', 'y']);
    expect(Object.keys(doc!.n)).toEqual(['10', 'x', 'y']);
    expect(doc).toEqual({ _id: 1, z: 0, m: 2, a: 1, b: 1, c: 3, n: { 10: 1, x: 1, y: 1 }, y: 1 });
  });

  test('an upsert starts from the filter\'s equality fields, then adds the update\'s fields in order', async () => {
    const c = await seeded([]);
    await c.updateOne({ _id: 'u', k: 'v' }, { $setOnInsert: { s: 1 }, $inc: { c: 2 }, $min: { lo: 5 }, $addToSet: { tags: 'a' } }, { upsert: true });
    const doc = await c.findOne({ _id: 'u' });
    expect(Object.keys(doc!)).toEqual(['_id', 'k', 'c', 'lo', 's', 'tags']);
    expect(doc).toEqual({ _id: 'u', k: 'v', c: 2, lo: 5, s: 1, tags: ['a'] });
  });
});

describe('$min and $max', () => {
  test('compare in BSON type order: null < numbers < strings < booleans < dates', async () => {
    const date = new Date('2026-01-01T00:00:00Z');
    const c = await seeded([{ _id: 1, a: 5, b: 5, c: 'x', d: true, e: 5, f: date, g: null }]);
    await c.updateOne({ _id: 1 }, { $max: { a: 'str', c: false, e: date, g: 0 }, $min: { b: null, d: 'str', f: 7 } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 'str', b: null, c: false, d: 'str', e: date, f: 7, g: 0 });
  });

  test('only a strictly smaller / larger value replaces; an equal one is no change; a missing field is set', async () => {
    const c = await seeded([{ _id: 1, lo: 3, hi: 3, s: 'b', t: 'b' }]);
    const same = await c.updateOne({ _id: 1 }, { $min: { lo: 3, s: 'b' }, $max: { hi: 3.0, t: 'a' } });
    expect(same.matchedCount).toBe(1);
    expect(same.modifiedCount).toBe(0);
    const moved = await c.updateOne({ _id: 1 }, { $min: { lo: 2.5, s: 'a', fresh: 9 }, $max: { hi: 4 } });
    expect(moved.modifiedCount).toBe(1);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, lo: 2.5, hi: 4, s: 'a', t: 'b', fresh: 9 });
  });

  test('NaN sorts below every number; strings compare by their UTF-8 bytes', async () => {
    const c = await seeded([{ _id: 1, a: 5, b: Number.NaN, s: '\uFFFD', t: '\u{1F600}' }]);
    await c.updateOne({ _id: 1 }, { $min: { a: Number.NaN, s: '\u{1F600}' }, $max: { b: -1, t: '\uFFFD' } });
    // U+1F600 is F0 9F 98 80 in UTF-8, above EF BF BD (U+FFFD), though its UTF-16 (D83D ...) sorts below FFFD.
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: Number.NaN, b: -1, s: '\uFFFD', t: '\u{1F600}' });
  });

  test('documents and arrays compare too (the general path)', async () => {
    const c = await seeded([{ _id: 1, o: { a: 1 }, l: [1, 2] }]);
    await c.updateOne({ _id: 1 }, { $max: { o: { a: 2 }, l: [1, 3] } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, o: { a: 2 }, l: [1, 3] });
  });
});

describe('$addToSet', () => {
  test('adds values not equal to an element: numbers by value, documents field by field in order', async () => {
    const c = await seeded([{ _id: 1, set: [1, { a: 1, b: 2 }] }]);
    await c.updateOne({ _id: 1 }, { $addToSet: { set: { $each: [1.0, { a: 1, b: 2 }, { b: 2, a: 1 }, 'x', 'x', [1]] } } });
    expect((await c.findOne({ _id: 1 }))!.set).toEqual([1, { a: 1, b: 2 }, { b: 2, a: 1 }, 'x', [1]]);
  });

  test('a missing field becomes the array (empty for an empty $each); adding only present values is no change', async () => {
    const c = await seeded([{ _id: 1, set: ['a'] }]);
    await c.updateOne({ _id: 1 }, { $addToSet: { fresh: { $each: [] }, other: { $each: ['p', 'p', 'q'] } } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, set: ['a'], fresh: [], other: ['p', 'q'] });
    const again = await c.updateOne({ _id: 1 }, { $addToSet: { set: 'a', other: { $each: ['q'] } } });
    expect(again.modifiedCount).toBe(0);
  });

  test('a non-array field: BadValue (2), nothing changed', async () => {
    const c = await seeded([{ _id: 1, s: 'x', n: 1 }]);
    const err = await failure(c.updateOne({ _id: 1 }, { $addToSet: { s: 'y' }, $inc: { n: 1 } }));
    expect(err.code).toBe(2);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, s: 'x', n: 1 });
  });
});

describe('$inc, $set and $unset', () => {
  test('$inc adds, sets a missing field, and by 0 changes nothing', async () => {
    const c = await seeded([{ _id: 1, a: 1.5, b: 2 }]);
    const zero = await c.updateOne({ _id: 1 }, { $inc: { a: 0, b: 0 } });
    expect(zero.modifiedCount).toBe(0);
    await c.updateOne({ _id: 1 }, { $inc: { a: 1, b: -3, c: 7 } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 2.5, b: -1, c: 7 });
  });

  test('$inc of a non-number: TypeMismatch (14), nothing changed', async () => {
    const c = await seeded([{ _id: 1, s: 'x', n: null }]);
    expect((await failure(c.updateOne({ _id: 1 }, { $inc: { s: 1 } }))).code).toBe(14);
    expect((await failure(c.updateOne({ _id: 1 }, { $inc: { n: 1 } }))).code).toBe(14);
    expect((await failure(c.updateOne({ _id: 1 }, { $inc: { m: 'one' } } as AnyDoc))).code).toBe(14);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, s: 'x', n: null });
  });

  test('dotted paths create missing parents; $unset of a missing path is no change', async () => {
    const c = await seeded([{ _id: 1, a: { keep: 1 } }]);
    await c.updateOne({ _id: 1 }, { $set: { 'a.b.c': 1, 'x.y': [1] } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: { keep: 1, b: { c: 1 } }, x: { y: [1] } });
    const none = await c.updateOne({ _id: 1 }, { $unset: { 'q.r': '', missing: '' } });
    expect(none.modifiedCount).toBe(0);
    await c.updateOne({ _id: 1 }, { $unset: { 'a.b': '' } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: { keep: 1 }, x: { y: [1] } });
  });

  test('$set of an equal value is no change; of a reordered document is a change', async () => {
    const c = await seeded([{ _id: 1, v: 1, o: { a: 1, b: 2 } }]);
    expect((await c.updateOne({ _id: 1 }, { $set: { v: 1, o: { a: 1, b: 2 } } })).modifiedCount).toBe(0);
    expect((await c.updateOne({ _id: 1 }, { $set: { o: { b: 2, a: 1 } } })).modifiedCount).toBe(1);
    expect(Object.keys((await c.findOne({ _id: 1 }))!.o)).toEqual(['b', 'a']);
  });

  test('paths through arrays and numeric parts index into the array (the general path)', async () => {
    const c = await seeded([{ _id: 1, arr: [{ x: 1 }, { x: 2 }], obj: { 0: 'zero' } }]);
    await c.updateOne({ _id: 1 }, { $set: { 'arr.1.x': 20, 'obj.0': 'still a field' }, $inc: { 'arr.0.x': 10 } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, arr: [{ x: 11 }, { x: 20 }], obj: { 0: 'still a field' } });
  });

  test('a path through a scalar: PathNotViable (28); conflicting paths: ConflictingUpdateOperators (40)', async () => {
    const c = await seeded([{ _id: 1, s: 'x', a: 1 }]);
    expect((await failure(c.updateOne({ _id: 1 }, { $set: { 's.t': 1 } }))).code).toBe(28);
    expect((await failure(c.updateOne({ _id: 1 }, { $set: { a: 2 }, $inc: { a: 1 } }))).code).toBe(40);
    expect((await failure(c.updateOne({ _id: 1 }, { $set: { b: { c: 1 } }, $inc: { 'b.c': 1 } }))).code).toBe(40);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, s: 'x', a: 1 });
  });
});

describe('upserts', () => {
  test('create from the filter\'s equality fields; $setOnInsert only then; the second run updates', async () => {
    const c = await seeded([]);
    const at = new Date('2026-11-30T10:00:00Z');
    const update = (lo: number, hi: number) => ({
      $min: { startUs: lo },
      $max: { endUs: hi, at },
      $addToSet: { services: { $each: ['a', 'b'] }, ops: { $each: [{ s: 'a', o: 'x' }] } },
      $inc: { count: 1 },
      $setOnInsert: { durationUs: hi - lo },
    });
    const first = await c.updateOne({ _id: 't1' }, update(10, 20), { upsert: true });
    expect(first.upsertedId).toBe('t1');
    const second = await c.updateOne({ _id: 't1' }, update(5, 15), { upsert: true });
    expect(second.upsertedCount).toBe(0);
    expect(second.modifiedCount).toBe(1);
    expect(await c.findOne({ _id: 't1' })).toEqual({ _id: 't1', at, count: 2, endUs: 20, ops: [{ s: 'a', o: 'x' }], services: ['a', 'b'], startUs: 5, durationUs: 10 });
  });

  test('without an _id in the filter an ObjectId is generated and stored first', async () => {
    const c = await seeded([]);
    const r = await c.updateOne({ key: 'k', n: { $gt: 1 } }, { $inc: { hits: 1 } }, { upsert: true });
    const doc = await c.findOne({ key: 'k' });
    expect(Object.keys(doc!)).toEqual(['_id', 'key', 'hits']);
    expect(doc!._id).toEqual(r.upsertedId);
  });
});

describe('indexes kept by updates', () => {
  test('an update of an indexed field moves its entries; of another field keeps them', async () => {
    const c = await seeded([{ _id: 1, k: 'a', tags: ['x'], n: 0 }, { _id: 2, k: 'b', tags: ['y'], n: 0 }]);
    await c.createIndex({ k: 1 });
    await c.createIndex({ tags: 1, k: 1 });
    await c.updateOne({ _id: 1 }, { $inc: { n: 1 } });
    expect(await c.find({ k: 'a' }).toArray()).toEqual([{ _id: 1, k: 'a', tags: ['x'], n: 1 }]);
    await c.updateOne({ _id: 1 }, { $set: { k: 'c' }, $addToSet: { tags: 'z' } });
    expect(await c.find({ k: 'a' }).toArray()).toEqual([]);
    expect((await c.find({ k: 'c' }).toArray()).map((d) => d._id)).toEqual([1]);
    expect((await c.find({ tags: 'z' }).toArray()).map((d) => d._id)).toEqual([1]);
    expect((await c.find({ tags: 'x', k: 'c' }).toArray()).map((d) => d._id)).toEqual([1]);
    await c.updateOne({ _id: 1 }, { $unset: { k: '' } });
    expect((await c.find({ k: null }).toArray()).map((d) => d._id)).toEqual([1]);
    expect((await c.find({ k: 'c' }).toArray()).map((d) => d._id)).toEqual([]);
  });

  test('a unique index refuses a duplicate by update (E11000) and keeps the document as it was', async () => {
    const c = await seeded([{ _id: 1, u: 1 }, { _id: 2, u: 2 }]);
    await c.createIndex({ u: 1 }, { unique: true });
    const err = await failure(c.updateOne({ _id: 2 }, { $set: { u: 1 }, $inc: { n: 1 } }));
    expect(err.code).toBe(11000);
    expect(await c.findOne({ _id: 2 })).toEqual({ _id: 2, u: 2 });
    expect((await c.find({ u: 2 }).toArray()).map((d) => d._id)).toEqual([2]);
  });

  test('an unordered bulk reports its failed statements and applies the others', async () => {
    const c = await seeded([{ _id: 1, u: 1, s: 'x' }]);
    await c.createIndex({ u: 1 }, { unique: true });
    const { bulk, writeErrors } = await bulkFailure(
      c.bulkWrite(
        [
          { updateOne: { filter: { _id: 'new' }, update: { $inc: { u: 5 } }, upsert: true } },
          { updateOne: { filter: { _id: 1 }, update: { $inc: { s: 1 } } } },
          { updateOne: { filter: { _id: 'dup' }, update: { $max: { u: 1 } }, upsert: true } },
          { updateOne: { filter: { _id: 1 }, update: { $addToSet: { l: 1 } } } },
        ],
        { ordered: false },
      ),
    );
    expect(writeErrors.map((w) => [w.index, w.code])).toEqual([
      [1, 14],
      [2, 11000],
    ]);
    expect(bulk.result.upsertedCount).toBe(1);
    expect(bulk.result.modifiedCount).toBe(1);
    expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, u: 1, s: 'x', l: [1] },
      { _id: 'new', u: 5 },
    ]);
  });
});

describe('change events of an update', () => {
  test('report exactly the changed fields', async () => {
    const c = await seeded([{ _id: 1, a: { b: 1, c: 1 }, n: 1, gone: true, list: ['x'] }]);
    const stream = c.watch();
    streams.push(stream);
    await stream.tryNext();
    await c.updateOne({ _id: 1 }, { $inc: { 'a.b': 1, n: 0 }, $unset: { gone: '' }, $addToSet: { list: 'y' }, $max: { top: 3 } });
    const event = (await nextEvent(stream)) as Document;
    expect(event.operationType).toBe('update');
    expect(event.updateDescription.updatedFields).toEqual({ 'a.b': 2, 'list.1': 'y', top: 3 });
    expect(event.updateDescription.removedFields).toEqual(['gone']);
  });

  test('read back from the history by a resumed stream, with the documents before and after', async () => {
    const name = `upd_ops_images_${++n}`;
    await t.db.createCollection(name, { changeStreamPreAndPostImages: { enabled: true } });
    const c = t.db.collection<AnyDoc>(name);
    const probe = c.watch();
    streams.push(probe);
    await probe.tryNext();
    await c.insertOne({ _id: 1, n: 1, l: ['a'] });
    const token = (await nextEvent(probe))._id;
    await c.updateOne({ _id: 1 }, { $inc: { n: 1 }, $set: { s: 'x' } });
    await c.updateOne({ _id: 1 }, { $push: { l: 'b' } } as AnyDoc);
    const resumed = c.watch([], { resumeAfter: token, fullDocument: 'whenAvailable', fullDocumentBeforeChange: 'whenAvailable' });
    streams.push(resumed);
    const first = (await nextEvent(resumed)) as Document;
    const second = (await nextEvent(resumed)) as Document;
    expect(first.updateDescription.updatedFields).toEqual({ n: 2, s: 'x' });
    expect(first.fullDocumentBeforeChange).toEqual({ _id: 1, n: 1, l: ['a'] });
    expect(first.fullDocument).toEqual({ _id: 1, n: 2, l: ['a'], s: 'x' });
    expect(second.updateDescription.updatedFields).toEqual({ 'l.1': 'b' });
    expect(second.fullDocumentBeforeChange).toEqual({ _id: 1, n: 2, l: ['a'], s: 'x' });
    expect(second.fullDocument).toEqual({ _id: 1, n: 2, l: ['a', 'b'], s: 'x' });
  });
});

describe('updates by _id (the embedded store changes its decoded copy of the document in place)', () => {
  test('an update the direct path declines after some of its paths applies each path once', async () => {
    const c = await seeded([
      { _id: 1, c: 1, b: { 519: 1 }, obj: { a: 5 } },
      { _id: 2, c: 1, b: { 519: 1 }, arr: [1] },
    ]);
    // $min with a document operand, and a path through an array element, take the general path.
    await c.updateOne({ _id: 1 }, { $inc: { c: 1, 'b.519': 2, 'b.520': 1 }, $min: { obj: { a: 1 } } });
    await c.updateOne({ _id: 2 }, { $inc: { c: 1, 'b.519': 2, 'arr.0': 1 } });
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, c: 2, b: { 519: 3, 520: 1 }, obj: { a: 1 } },
      { _id: 2, c: 2, b: { 519: 3 }, arr: [2] },
    ]);
  });

  test('a refused update leaves the document as it was', async () => {
    const c = await seeded([{ _id: 1, c: 1, s: 'x', b: { 7: 1 } }]);
    const err = await failure(c.updateOne({ _id: 1 }, { $inc: { c: 1, 'b.7': 1, s: 1 } }));
    expect(err.code).toBe(14);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, c: 1, s: 'x', b: { 7: 1 } });
  });

  test('the indexes on changed paths lose the old keys and gain the new ones', async () => {
    const c = await seeded([{ _id: 'k', hi: 1, m: { x: 1 }, b: { 3: 1 } }]);
    await c.createIndex({ hi: 1 });
    await c.createIndex({ 'm.x': 1, hi: 1 });
    await c.updateOne({ _id: 'k' }, { $max: { hi: 5 }, $inc: { 'm.x': 1, 'b.3': 1, 'b.4': 1 } });
    expect(await c.find({ hi: 1 }).toArray()).toEqual([]);
    expect(await c.find({ 'm.x': 1 }).toArray()).toEqual([]);
    expect(await c.find({ hi: 5 }).toArray()).toEqual([{ _id: 'k', hi: 5, m: { x: 2 }, b: { 3: 2, 4: 1 } }]);
    expect(await c.find({ 'm.x': 2, hi: { $gte: 5 } }).toArray()).toEqual([{ _id: 'k', hi: 5, m: { x: 2 }, b: { 3: 2, 4: 1 } }]);
  });

  test('change events and pre-images show the document as it was before each update', async () => {
    const name = `upd_ops_in_place_${++n}`;
    await t.db.createCollection(name, { changeStreamPreAndPostImages: { enabled: true } });
    const c = t.db.collection<AnyDoc>(name);
    const stream = c.watch([], { fullDocumentBeforeChange: 'whenAvailable' });
    streams.push(stream);
    await stream.tryNext();
    await c.insertOne({ _id: 'r', c: 1, b: { 519: 1, 600: 2 }, lo: 5 });
    await nextEvent(stream);
    await c.updateOne({ _id: 'r' }, { $inc: { c: 2, 'b.519': 1, 'b.450': 1 }, $min: { lo: 3 } });
    await c.updateOne({ _id: 'r' }, { $inc: { c: 1, 'b.600': 1 } });
    const first = (await nextEvent(stream)) as Document;
    const second = (await nextEvent(stream)) as Document;
    expect(first.updateDescription.updatedFields).toEqual({ c: 3, 'b.519': 2, 'b.450': 1, lo: 3 });
    expect(first.fullDocumentBeforeChange).toEqual({ _id: 'r', c: 1, b: { 519: 1, 600: 2 }, lo: 5 });
    expect(second.updateDescription.updatedFields).toEqual({ c: 4, 'b.600': 3 });
    expect(second.fullDocumentBeforeChange).toEqual({ _id: 'r', c: 3, b: { 450: 1, 519: 2, 600: 2 }, lo: 3 });
  });
});
