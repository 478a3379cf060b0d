import { MongoServerError } from 'mongodb';
import { openConformance, type Conformance } from './fixture';

let t: Conformance;
const orders = [
  { _id: 1, customer: 'ann', service: 'order', amount: 10, items: ['a', 'b'] },
  { _id: 2, customer: 'bob', service: 'order', amount: 20, items: ['a'] },
  { _id: 3, customer: 'ann', service: 'payment', amount: 30, items: [] },
  { _id: 4, customer: 'cid', service: 'shipping', amount: 40, items: ['c'] },
];
beforeAll(async () => {
  t = await openConformance();
  await t.db.collection('orders').insertMany(orders as never[]);
  await t.db.collection('customers').insertMany([
    { _id: 'ann', city: 'Oslo' },
    { _id: 'bob', city: 'Rome' },
  ] as never[]);
});
afterAll(() => t.close());

const run = (pipeline: object[]) => t.db.collection('orders').aggregate(pipeline as never[]).toArray();

test('$match $project $addFields $set $unset $sort $skip $limit', async () => {
  const got = await run([
    { $match: { amount: { $gte: 20 } } },
    { $addFields: { double: { $multiply: ['$amount', 2] } } },
    { $set: { tag: 'x' } },
    { $unset: 'items' },
    { $project: { customer: 1, double: 1, tag: 1 } },
    { $sort: { double: -1 } },
    { $skip: 1 },
    { $limit: 1 },
  ]);
  expect(got).toEqual([{ _id: 3, customer: 'ann', double: 60, tag: 'x' }]);
});

test('a $project of top-level fields right after $match gives what it gives anywhere else in the pipeline', async () => {
  const match = { $match: { amount: { $gte: 20 } } };
  const shapes = [{ customer: 1, items: 1 }, { _id: 0, service: 1, missing: 1 }, { amount: true }];
  for (const spec of shapes) {
    const second = await run([match, { $project: spec }]);
    const later = await run([match, { $match: {} }, { $project: spec }]);
    expect(second).toEqual(later);
  }
  expect(await run([match, { $project: { customer: 1, items: 1 } }])).toEqual([
    { _id: 2, customer: 'bob', items: ['a'] },
    { _id: 3, customer: 'ann', items: [] },
    { _id: 4, customer: 'cid', items: ['c'] },
  ]);
  expect(await run([match, { $project: { _id: 0, service: 1, missing: 1 } }])).toEqual([{ service: 'order' }, { service: 'payment' }, { service: 'shipping' }]);
  const grouped = await run([
    { $match: { customer: { $in: ['ann', 'bob'] } } },
    { $project: { _id: 0, customer: 1, amount: 1 } },
    { $group: { _id: '$customer', n: { $sum: 1 }, big: { $sum: { $cond: [{ $gte: ['$amount', 20] }, 1, 0] } } } },
    { $sort: { _id: 1 } },
  ]);
  expect(grouped).toEqual([
    { _id: 'ann', n: 2, big: 1 },
    { _id: 'bob', n: 1, big: 1 },
  ]);
});

test('$group with every accumulator', async () => {
  const got = await run([
    { $sort: { _id: 1 } },
    {
      $group: {
        _id: '$customer',
        total: { $sum: '$amount' },
        n: { $sum: 1 },
        avg: { $avg: '$amount' },
        min: { $min: '$amount' },
        max: { $max: '$amount' },
        first: { $first: '$service' },
        last: { $last: '$service' },
        all: { $push: '$amount' },
        services: { $addToSet: '$service' },
      },
    },
    { $sort: { _id: 1 } },
  ]);
  expect(got[0]).toEqual({ _id: 'ann', total: 40, n: 2, avg: 20, min: 10, max: 30, first: 'order', last: 'payment', all: [10, 30], services: expect.arrayContaining(['order', 'payment']) });
  expect(got.map((g) => g._id)).toEqual(['ann', 'bob', 'cid']);
});

test('$unwind, $count, $sortByCount', async () => {
  expect(await run([{ $unwind: '$items' }, { $count: 'n' }])).toEqual([{ n: 4 }]);
  expect(await run([{ $sortByCount: '$service' }, { $limit: 1 }])).toEqual([{ _id: 'order', count: 2 }]);
});

test('$facet and $bucket', async () => {
  const [facet] = await run([{ $facet: { cheap: [{ $match: { amount: { $lt: 25 } } }, { $count: 'n' }], all: [{ $count: 'n' }] } }]);
  expect(facet).toEqual({ cheap: [{ n: 2 }], all: [{ n: 4 }] });
  const buckets = await run([{ $bucket: { groupBy: '$amount', boundaries: [0, 25, 100], default: 'other', output: { n: { $sum: 1 } } } }]);
  expect(buckets).toEqual([{ _id: 0, n: 2 }, { _id: 25, n: 2 }]);
});

test('$lookup joins another collection of the same database', async () => {
  const got = await run([
    { $match: { _id: { $in: [1, 4] } } },
    { $lookup: { from: 'customers', localField: 'customer', foreignField: '_id', as: 'c' } },
    { $project: { city: { $first: '$c.city' } } },
    { $sort: { _id: 1 } },
  ]);
  expect(got).toEqual([{ _id: 1, city: 'Oslo' }, { _id: 4 }]);
});

test('aggregate results are batched through getMore', async () => {
  const c = t.db.collection('many');
  await c.insertMany(Array.from({ length: 150 }, (_, i) => ({ i })));
  const got = await c.aggregate([{ $sort: { i: 1 } }], { batchSize: 20 }).toArray();
  expect(got.map((d) => d.i)).toEqual(Array.from({ length: 150 }, (_, i) => i));
});

test('unknown stage: 40324; unknown accumulator / expression: an error, never a result', async () => {
  const stage = await run([{ $foo: {} }]).catch((e) => e);
  expect(stage).toBeInstanceOf(MongoServerError);
  expect(stage.code).toBe(40324);
  expect(stage.message).toMatch(/Unrecognized pipeline stage name: '\$foo'/);
  const acc = await run([{ $group: { _id: null, x: { $nope: '$a' } } }]).catch((e) => e);
  expect(acc).toBeInstanceOf(MongoServerError);
  expect(acc.code).toBe(15952);
  const noId = await run([{ $group: { x: { $sum: 1 } } }]).catch((e) => e);
  expect(noId.code).toBe(15955);
  const expr = await run([{ $project: { x: { $nope: '$a' } } }]).catch((e) => e);
  expect(expr).toBeInstanceOf(MongoServerError);
  expect(expr.code).toBe(168);
});

test('countDocuments uses aggregate', async () => {
  expect(await t.db.collection('orders').countDocuments({ customer: 'ann' })).toBe(2);
  expect(await t.db.collection('orders').countDocuments({}, { skip: 1, limit: 2 })).toBe(2);
});

test('$unionWith, $graphLookup, $replaceRoot, $bucketAuto, $sample', async () => {
  const union = await run([{ $project: { _id: 1 } }, { $unionWith: { coll: 'customers', pipeline: [{ $project: { _id: 1 } }] } }]);
  expect(union.map((d) => d._id)).toEqual([1, 2, 3, 4, 'ann', 'bob']);
  const tree = t.db.collection('tree');
  await tree.insertMany([{ _id: 'a', parent: null }, { _id: 'b', parent: 'a' }, { _id: 'c', parent: 'b' }] as never[]);
  const [chain] = await tree
    .aggregate([
      { $match: { _id: 'c' } },
      { $graphLookup: { from: 'tree', startWith: '$parent', connectFromField: 'parent', connectToField: '_id', as: 'ancestors' } },
      { $project: { ids: '$ancestors._id' } },
    ])
    .toArray();
  expect([...chain!.ids].sort()).toEqual(['a', 'b']);
  expect(await run([{ $match: { _id: 1 } }, { $replaceRoot: { newRoot: { who: '$customer' } } }])).toEqual([{ who: 'ann' }]);
  const auto = await run([{ $bucketAuto: { groupBy: '$amount', buckets: 2 } }]);
  expect(auto.map((b) => b.count)).toEqual([2, 2]);
  expect(await run([{ $sample: { size: 2 } }])).toHaveLength(2);
});

test('$setWindowFields, $densify, $fill', async () => {
  const running = await run([
    { $setWindowFields: { sortBy: { _id: 1 }, output: { total: { $sum: '$amount', window: { documents: ['unbounded', 'current'] } } } } },
    { $project: { total: 1 } },
  ]);
  expect(running.map((d) => d.total)).toEqual([10, 30, 60, 100]);
  const series = t.db.collection('series');
  await series.insertMany([{ x: 1, v: 1 }, { x: 4, v: 4 }] as never[]);
  const dense = await series
    .aggregate([{ $densify: { field: 'x', range: { step: 1, bounds: 'full' } } }, { $fill: { sortBy: { x: 1 }, output: { v: { method: 'locf' } } } }, { $project: { _id: 0 } }])
    .toArray();
  expect(dense).toEqual([{ x: 1, v: 1 }, { x: 2, v: 1 }, { x: 3, v: 1 }, { x: 4, v: 4 }]);
});
