/**
 * Long write commands do not hold the store: another connection's write issued while a long insert runs is
 * applied (and reported by a change stream) before the long insert's last document, as MongoDB interleaves writes
 * with a long multi-document write; each statement stays whole and in order, ordered / unordered semantics and the
 * counts hold across the whole command. Runs unchanged against a real MongoDB.
 */
import { MongoClient, type ChangeStreamInsertDocument, type Document } from 'mongodb';
import { bulkFailure, conformanceSuite, nextEvent } from './fixture';

const { t, streams } = conformanceSuite();
/** Test documents carry numeric `_id`s, which the driver's typings reject. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDoc = any;
const LONG = 10_000;

test("another connection's insert is applied while a long insert runs, and both keep their order", async () => {
  const coll = t.db.collection<{ _id: number; v?: string }>('interleave');
  await coll.insertOne({ _id: -1 });
  const stream = coll.watch([{ $match: { operationType: 'insert' } }], { maxAwaitTimeMS: 200 });
  streams.push(stream);
  await stream.tryNext(); // the stream is open before the writes
  // A second client: its own connection, so the short insert does not queue behind the long one in the driver.
  const other = await MongoClient.connect(t.mongo.uri, { serverSelectionTimeoutMS: 5000 });
  try {
    const docs = Array.from({ length: LONG }, (_, i) => ({ _id: i, v: `value ${i}` }));
    const long = coll.insertMany(docs);
    // Once the long insert's first document is reported, the short insert is sent on the other connection.
    const idOf = (e: unknown): number => (e as ChangeStreamInsertDocument<Document>).documentKey._id as unknown as number;
    const order: number[] = [idOf(await nextEvent(stream))];
    const short = other.db(t.db.databaseName).collection<{ _id: number }>('interleave').insertOne({ _id: -2 });
    const [longResult, shortResult] = await Promise.all([long, short]);
    expect(longResult.insertedCount).toBe(LONG);
    expect(shortResult.insertedId).toBe(-2);
    while (order.length < LONG + 1) order.push(idOf(await nextEvent(stream)));
    const shortAt = order.indexOf(-2);
    // The short insert did not wait for the whole long one.
    expect(shortAt).toBeGreaterThan(0);
    expect(shortAt).toBeLessThan(LONG);
    // The long insert's documents in their order, every one once.
    expect(order.filter((id) => id !== -2)).toEqual(docs.map((d) => d._id));
    expect(await coll.countDocuments()).toBe(LONG + 2);
  } finally {
    await other.close();
  }
}, 120_000);

test('a long ordered insert stops at its duplicate, a long unordered one goes past it; the counts cover the whole command', async () => {
  const dupAt = LONG - 5;
  const docs = (): AnyDoc[] => Array.from({ length: LONG }, (_, i) => ({ _id: i === dupAt ? 3 : i, v: i }));
  const ordered = t.db.collection<AnyDoc>('longOrdered');
  const o = await bulkFailure(ordered.insertMany(docs(), { ordered: true }));
  expect(o.writeErrors.map((e) => [e.index, e.code])).toEqual([[dupAt, 11000]]);
  expect(o.bulk.result.insertedCount).toBe(dupAt);
  expect(await ordered.countDocuments()).toBe(dupAt);

  const unordered = t.db.collection<AnyDoc>('longUnordered');
  const u = await bulkFailure(unordered.insertMany(docs(), { ordered: false }));
  expect(u.writeErrors.map((e) => [e.index, e.code])).toEqual([[dupAt, 11000]]);
  expect(u.bulk.result.insertedCount).toBe(LONG - 1);
  expect(await unordered.countDocuments()).toBe(LONG - 1);

  // A long update command: every statement applied once, the counts summed over all of them.
  const updates = Array.from({ length: 5_000 }, (_, i) => ({ updateOne: { filter: { _id: i }, update: { $inc: { v: 1 } } } }));
  const r = await unordered.bulkWrite(updates, { ordered: true });
  expect(r.matchedCount).toBe(5_000);
  expect(r.modifiedCount).toBe(5_000);
  expect(await unordered.countDocuments({ $expr: { $eq: ['$v', { $add: ['$_id', 1] }] }, _id: { $lt: 5_000 } })).toBe(5_000);
}, 120_000);
