import { Long, MongoServerError } from 'mongodb';

/** db.command() promotes int64 cursor ids to numbers when they fit. */
const isZero = (id: unknown): boolean => Number(id) === 0;
import { openConformance, type Conformance } from './fixture';

let t: Conformance;
beforeAll(async () => {
  t = await openConformance();
  await t.db.collection('cur').insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i as never, i })));
});
afterAll(() => t.close());

test('first batch is 101 by default, then getMore drains the rest', async () => {
  const first = await t.db.command({ find: 'cur', sort: { _id: 1 } });
  expect(first.cursor.firstBatch).toHaveLength(101);
  const id = first.cursor.id;
  expect(isZero(id)).toBe(false);
  const more = await t.db.command({ getMore: id, collection: 'cur' });
  expect(more.cursor.nextBatch).toHaveLength(149);
  expect(isZero(more.cursor.id)).toBe(true);
});

test('batchSize and singleBatch', async () => {
  const sized = await t.db.command({ find: 'cur', batchSize: 10 });
  expect(sized.cursor.firstBatch).toHaveLength(10);
  const next = await t.db.command({ getMore: sized.cursor.id, collection: 'cur', batchSize: 5 });
  expect(next.cursor.nextBatch).toHaveLength(5);
  await t.db.command({ killCursors: 'cur', cursors: [sized.cursor.id] });
  const single = await t.db.command({ find: 'cur', batchSize: 10, singleBatch: true });
  expect(single.cursor.firstBatch).toHaveLength(10);
  expect(isZero(single.cursor.id)).toBe(true);
});

test('the driver iterates a cursor across batches', async () => {
  const ids: number[] = [];
  for await (const doc of t.db.collection('cur').find({}, { batchSize: 7 }).sort({ _id: -1 })) ids.push(doc.i);
  expect(ids).toHaveLength(250);
  expect(ids[0]).toBe(249);
});

test('killCursors, then getMore on the dead cursor: CursorNotFound (43)', async () => {
  const first = await t.db.command({ find: 'cur', batchSize: 2 });
  const killed = await t.db.command({ killCursors: 'cur', cursors: [first.cursor.id] });
  expect(killed.cursorsKilled).toHaveLength(1);
  const err = await t.db.command({ getMore: first.cursor.id, collection: 'cur' }).catch((e) => e);
  expect(err).toBeInstanceOf(MongoServerError);
  expect(err.code).toBe(43);
  const unknown = await t.db.command({ killCursors: 'cur', cursors: [Long.fromNumber(123456789)] });
  expect(unknown.cursorsNotFound).toHaveLength(1);
});

test('an exhausted cursor is gone', async () => {
  const first = await t.db.command({ find: 'cur', batchSize: 200 });
  const rest = await t.db.command({ getMore: first.cursor.id, collection: 'cur' });
  expect(isZero(rest.cursor.id)).toBe(true);
  const err = await t.db.command({ getMore: first.cursor.id, collection: 'cur' }).catch((e) => e);
  expect(err.code).toBe(43);
});

test('a batch stops at 16 MB even when batchSize allows more', async () => {
  const c = t.db.collection('big');
  const blob = 'x'.repeat(1024 * 1024);
  await c.insertMany(Array.from({ length: 20 }, (_, i) => ({ i, blob })));
  const first = await t.db.command({ find: 'big', batchSize: 1000 });
  expect(first.cursor.firstBatch.length).toBeGreaterThan(0);
  expect(first.cursor.firstBatch.length).toBeLessThan(20);
  const all = await c.find({}, { batchSize: 1000 }).toArray();
  expect(all).toHaveLength(20);
  await t.db.command({ killCursors: 'big', cursors: [first.cursor.id] });
});
