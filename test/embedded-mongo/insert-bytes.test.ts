/**
 * Inserts through the driver as MongoDB answers them: the embedded store keeps a document that arrives with its
 * `_id` first as the bytes it came in and decodes only the fields its indexes read; what a client reads back (find,
 * change events, duplicate-key errors, TTL expiry) must still be the whole document. Runs unchanged against a real
 * MongoDB.
 */
import { Binary, Decimal128, Long, ObjectId, type Document } from 'mongodb';
import { bulkFailure, conformanceSuite, nextEvent } from './fixture';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDoc = any;

const { t, streams } = conformanceSuite();

let n = 0;
const fresh = () => t.db.collection<AnyDoc>(`ins_bytes_${++n}`);

const wide = (id: unknown, k: string): AnyDoc => ({
  _id: id,
  k,
  nested: { deep: { list: [1, 'two', { three: 3 }] } },
  attrs: [{ k: 'region', v: 'eu' }, { k: 'tier', v: 'gold' }],
  at: new Date('2026-11-30T12:00:00Z'),
  big: Long.fromString('9007199254740993'),
  dec: Decimal128.fromString('1.25'),
  bin: new Binary(Buffer.from([1, 2, 3])),
  nothing: null,
});

test('documents read back whole, with indexes on some of their fields', async () => {
  const c = fresh();
  await c.createIndex({ k: 1 });
  await c.createIndex({ 'attrs.k': 1, 'attrs.v': 1 });
  await c.insertMany([wide(1, 'a'), wide(2, 'b'), wide('three', 'a')]);
  const found = await c.find({ k: 'a' }, { promoteLongs: false }).sort({ _id: 1 }).toArray();
  expect(found).toEqual([wide(1, 'a'), wide('three', 'a')]);
  expect((await c.find({ attrs: { $elemMatch: { k: 'tier', v: 'gold' } } }).toArray()).map((d) => d._id)).toEqual([1, 2, 'three']);
  expect(await c.countDocuments({ 'nested.deep.list': 'two' })).toBe(3);
});

test('an _id that is not first, or missing, is put first', async () => {
  const c = fresh();
  await c.createIndex({ k: 1 });
  const r = await c.insertOne({ k: 'x', v: 1 });
  await c.insertOne({ k: 'y', _id: 'late', v: 2 });
  const docs = await c.find({}).sort({ k: 1 }).toArray();
  expect(docs.map((d) => Object.keys(d))).toEqual([
    ['_id', 'k', 'v'],
    ['_id', 'k', 'v'],
  ]);
  expect(docs[0]!._id).toEqual(r.insertedId);
  expect(docs[0]!._id).toBeInstanceOf(ObjectId);
  expect(docs[1]!._id).toBe('late');
});

test('a duplicate on a unique index names the key; an unordered insert stores the others', async () => {
  const c = fresh();
  await c.createIndex({ traceId: 1, spanId: 1 }, { unique: true });
  await c.insertOne({ _id: 'a', traceId: 't', spanId: 's1', payload: 'x' });
  const { writeErrors } = await bulkFailure(
    c.insertMany(
      [
        { _id: 'b', traceId: 't', spanId: 's2' },
        { _id: 'c', traceId: 't', spanId: 's1' },
        { _id: 'a', traceId: 'u', spanId: 's9' },
        { _id: 'd', traceId: 't', spanId: 's3' },
      ],
      { ordered: false },
    ),
  );
  expect(writeErrors.map((w) => [w.index, w.code])).toEqual([
    [1, 11000],
    [2, 11000],
  ]);
  expect(writeErrors[0]!.errmsg).toContain('dup key: { traceId: "t", spanId: "s1" }');
  expect((await c.find({}).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(['a', 'b', 'd']);
});

test('a long insert refuses exactly the ids stored before it or earlier in it, wherever they fall', async () => {
  const c = fresh();
  const long = (tail: string): string => `${'x'.repeat(300)}${tail}`;
  // Stored: the even numbers below 2,000 and a long string id; the command's ids interleave with them.
  await c.insertMany([...Array.from({ length: 1000 }, (_, i) => ({ _id: i * 2, k: 'old' })), { _id: long('a'), k: 'old' }]);
  const ids: unknown[] = [];
  for (let i = 0; i < 400; i++) ids.push(i); // every even one is stored
  ids.splice(10, 0, 5000); // repeated much later in the command
  ids.splice(60, 0, 5001, 5001); // repeated next to itself
  ids.push(5000, -1, 1999, 1998, 3000, 0, 2500.5, long('a'), long('b'), long('b'));
  const { writeErrors } = await bulkFailure(c.insertMany(ids.map((id) => ({ _id: id, k: 'new' })), { ordered: false }));
  const seen = new Set<unknown>([...Array.from({ length: 1000 }, (_, i) => i * 2), long('a')]);
  const refused: number[] = [];
  ids.forEach((id, index) => {
    if (seen.has(id)) refused.push(index);
    seen.add(id);
  });
  expect(writeErrors.map((w) => w.index)).toEqual(refused);
  expect(writeErrors.every((w) => w.code === 11000)).toBe(true);
  expect(await c.countDocuments({ k: 'new' })).toBe(ids.length - refused.length);
  expect(await c.countDocuments({})).toBe(1001 + ids.length - refused.length);
  expect((await c.findOne({ _id: long('b') }))?.k).toBe('new');
  // Above every stored id: repeats next to each other, apart within a few statements and far apart.
  const above = Array.from({ length: 300 }, (_, i) => 10_000 + i);
  above.splice(20, 0, 10_050, 10_050);
  above.splice(100, 0, 10_030);
  above.push(10_001, 9_998);
  const again = await bulkFailure(c.insertMany(above.map((id) => ({ _id: id, k: 'above' })), { ordered: false }));
  const firstAt = new Map<unknown, number>();
  const repeated: number[] = [];
  above.forEach((id, index) => {
    if (firstAt.has(id)) repeated.push(index);
    else firstAt.set(id, index);
  });
  expect(again.writeErrors.map((w) => w.index)).toEqual(repeated);
  expect(await c.countDocuments({ k: 'above' })).toBe(firstAt.size);
});

test('an insert event carries the whole document', async () => {
  const c = fresh();
  await c.createIndex({ k: 1 });
  const stream = c.watch();
  streams.push(stream);
  await stream.tryNext();
  await c.insertOne(wide(7, 'z'));
  const event = (await nextEvent(stream)) as Document;
  expect(event.operationType).toBe('insert');
  const { big, ...rest } = wide(7, 'z');
  expect(event.fullDocument).toMatchObject(rest);
  expect(Number(event.fullDocument.big)).toBe(Number(big));
});

test('an id sent first by one statement and later in the document by an earlier one is refused once stored', async () => {
  const c = fresh();
  await c.insertOne({ _id: 'a', k: 'before' });
  // The second statement carries its _id after another field, the third carries the same _id first: the third is
  // a duplicate of the second, whichever way each one is stored.
  const { writeErrors } = await bulkFailure(
    c.insertMany(
      [
        { _id: 'w', k: 'first' },
        { k: 'late', _id: 'x' },
        { _id: 'x', k: 'first' },
        { _id: 'y', k: 'first' },
      ],
      { ordered: false },
    ),
  );
  expect(writeErrors.map((w) => [w.index, w.code])).toEqual([[2, 11000]]);
  expect((await c.find({}).sort({ _id: 1 }).toArray()).map((d) => [d._id, d.k])).toEqual([
    ['a', 'before'],
    ['w', 'first'],
    ['x', 'late'],
    ['y', 'first'],
  ]);
});
