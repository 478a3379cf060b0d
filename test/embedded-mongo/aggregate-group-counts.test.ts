import { Long } from 'mongodb';
import { openConformance, type Conformance } from './fixture';

// `[$match, $project?, $group]` of counts is computed from the stored bytes by the embedded store; the same pipeline
// with a `{ $match: {} }` before its `$group` takes the general path. Both must give what MongoDB gives.
let t: Conformance;
const spans = [
  { _id: 1, traceId: 'a', spanId: '1', status: 'ERROR', code: 1 },
  { _id: 2, traceId: 'a', spanId: '2', status: 'OK', code: 1.0 },
  { _id: 3, traceId: 'a', spanId: '3', code: '1' },
  { _id: 4, traceId: 'b', spanId: '1', status: 'ERROR', code: 2 },
  { _id: 5, traceId: 'b', spanId: '2', status: null, code: 1.5 },
  { _id: 6, traceId: 'b', spanId: '3', status: 1 },
  { _id: 7, traceId: 'b', spanId: '4', status: true },
  { _id: 8, traceId: 'b', spanId: '5', status: { s: 'ERROR' } },
  { _id: 9, traceId: 'c', spanId: '1', status: 'error' },
  { _id: 10, traceId: 'c', spanId: '2', status: 'ERROR ' },
  { _id: 11, traceId: 'c', spanId: '3', status: 'ERRORS', code: Long.fromNumber(1) },
  { _id: 12, traceId: 'c', spanId: '4', status: 'ERROR', status2: 'ERROR' },
  { _id: 13, spanId: 'x', status: 'ERROR' },
  { _id: 14, traceId: null, spanId: 'y', status: 'OK' },
  { _id: 15, traceId: 'é', spanId: '1', status: 'ERROR' },
  { _id: 16, traceId: 7, spanId: '1', status: 'ERROR' },
];
beforeAll(async () => {
  t = await openConformance();
  const coll = t.db.collection('spans');
  await coll.createIndex({ traceId: 1, spanId: 1 }, { unique: true });
  await coll.insertMany(spans as never[]);
});
afterAll(() => t.close());

const counts = { _id: '$traceId', spans: { $sum: 1 }, errors: { $sum: { $cond: [{ $eq: ['$status', 'ERROR'] }, 1, 0] } } };
const project = { $project: { _id: 0, traceId: 1, status: 1 } };
// Groups in a fixed order (MongoDB gives none): strings, then numbers, then null.
const byId = (rows: Array<Record<string, unknown>>) =>
  [...rows].sort((x, y) => (JSON.stringify(x._id) < JSON.stringify(y._id) ? -1 : JSON.stringify(x._id) > JSON.stringify(y._id) ? 1 : 0));

/** The pipeline's result, checked equal to the same pipeline through the general path; groups sorted by _id. */
async function both(pipeline: object[]): Promise<Array<Record<string, unknown>>> {
  const coll = t.db.collection('spans');
  const general = [...pipeline.slice(0, -1), { $match: {} }, pipeline[pipeline.length - 1]];
  const fast = byId(await coll.aggregate(pipeline as never[]).toArray());
  expect(byId(await coll.aggregate(general as never[]).toArray())).toEqual(fast);
  return fast;
}

test("the gateway's recount over several trace ids: missing, null, non-string and array statuses are not errors", async () => {
  expect(await both([{ $match: { traceId: { $in: ['a', 'b', 'c'] } } }, project, { $group: counts }])).toEqual([
    { _id: 'a', spans: 3, errors: 1 },
    { _id: 'b', spans: 5, errors: 1 },
    { _id: 'c', spans: 4, errors: 1 },
  ]);
  expect(await both([{ $match: { traceId: 'é' } }, project, { $group: counts }])).toEqual([{ _id: 'é', spans: 1, errors: 1 }]);
});

test('a match of nothing gives no groups', async () => {
  expect(await both([{ $match: { traceId: { $in: ['none'] } } }, project, { $group: counts }])).toEqual([]);
  expect(await both([{ $match: { traceId: { $in: [] } } }, project, { $group: counts }])).toEqual([]);
  expect(await both([{ $match: { traceId: 'none' } }, { $group: { _id: null, n: { $sum: 1 } } }])).toEqual([]);
});

test('an empty match groups every document; a missing or null key is the group null; a number key is its own group', async () => {
  expect(await both([{ $match: {} }, project, { $group: counts }])).toEqual([
    { _id: 'a', spans: 3, errors: 1 },
    { _id: 'b', spans: 5, errors: 1 },
    { _id: 'c', spans: 4, errors: 1 },
    { _id: 'é', spans: 1, errors: 1 },
    { _id: 7, spans: 1, errors: 1 },
    { _id: null, spans: 2, errors: 1 },
  ]);
});

test('a field the $project leaves out is missing to the group', async () => {
  const match = { $match: { traceId: { $in: ['a', 'c'] } } };
  expect(await both([match, { $project: { traceId: 1 } }, { $group: counts }])).toEqual([
    { _id: 'a', spans: 3, errors: 0 },
    { _id: 'c', spans: 4, errors: 0 },
  ]);
  expect(await both([match, { $project: { status: 1 } }, { $group: counts }])).toEqual([{ _id: null, spans: 7, errors: 2 }]);
});

test('without $project, constant keys, the if/then/else form, the literal first, other constants and fields', async () => {
  const match = { $match: { traceId: { $in: ['a', 'b', 'c'] } } };
  expect(await both([match, { $group: counts }])).toEqual([
    { _id: 'a', spans: 3, errors: 1 },
    { _id: 'b', spans: 5, errors: 1 },
    { _id: 'c', spans: 4, errors: 1 },
  ]);
  const group = {
    _id: 'all',
    twice: { $sum: 2 },
    negative: { $sum: -1 },
    errors: { $sum: { $cond: { if: { $eq: ['ERROR', '$status'] }, then: 10, else: -1 } } },
    second: { $sum: { $cond: [{ $eq: ['$status2', 'ERROR'] }, 1, 0] } },
  };
  expect(await both([match, { $group: group }])).toEqual([{ _id: 'all', twice: 24, negative: -12, errors: 21, second: 1 }]);
  expect(await both([match, { $project: { status: 1 } }, { $group: { ...group, _id: null } }])).toEqual([
    { _id: null, twice: 24, negative: -12, errors: 21, second: 0 },
  ]);
});

test('$eq of a number compares numbers by value across types, and nothing else', async () => {
  const group = { _id: '$traceId', ones: { $sum: { $cond: [{ $eq: ['$code', 1] }, 1, 0] } }, half: { $sum: { $cond: [{ $eq: ['$code', 1.5] }, 1, 0] } } };
  expect(await both([{ $match: { traceId: { $in: ['a', 'b'] } } }, { $group: group }])).toEqual([
    { _id: 'a', ones: 2, half: 0 },
    { _id: 'b', ones: 0, half: 1 },
  ]);
  // An int64 value is left to the general path.
  expect(await both([{ $match: { traceId: 'c' } }, { $group: group }])).toEqual([{ _id: 'c', ones: 1, half: 0 }]);
});

test('an array compared by $eq answers as the general path does', async () => {
  const coll = t.db.collection('spans');
  await coll.insertOne({ _id: 17, traceId: 'd', spanId: '1', status: ['ERROR'] } as never);
  try {
    const got = await both([{ $match: { traceId: { $in: ['c', 'd'] } } }, project, { $group: counts }]);
    expect(got.map((g) => [g._id, g.spans])).toEqual([['c', 4], ['d', 1]]);
  } finally {
    await coll.deleteOne({ _id: 17 } as never);
  }
});
