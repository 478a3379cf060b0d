import { MongoServerError } from 'mongodb';
import { openConformance, type Conformance } from './fixture';

let t: Conformance;
beforeAll(async () => {
  t = await openConformance();
});
afterAll(() => t.close());

test('handshake commands answer ok', async () => {
  const admin = t.client.db('admin');
  expect((await admin.command({ ping: 1 })).ok).toBe(1);
  const hello = await admin.command({ hello: 1 });
  expect(hello.isWritablePrimary).toBe(true);
  expect(hello.maxBsonObjectSize).toBe(16 * 1024 * 1024);
  expect(hello.maxMessageSizeBytes).toBe(48000000);
  expect(typeof hello.maxWireVersion).toBe('number');
  expect((await admin.command({ isMaster: 1 })).ismaster).toBe(true);
  expect(typeof (await admin.command({ buildInfo: 1 })).version).toBe('string');
  const param = await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 });
  expect(param.featureCompatibilityVersion.version).toMatch(/^\d+\.\d+$/);
});

test('unknown command: CommandNotFound (59)', async () => {
  const err = await t.db.command({ definitelyNotACommand: 1 }).catch((e) => e);
  expect(err).toBeInstanceOf(MongoServerError);
  expect(err.code).toBe(59);
  expect(err.codeName).toBe('CommandNotFound');
  expect(err.message).toMatch(/no such command: 'definitelyNotACommand'/);
});

test('create, listCollections, drop', async () => {
  await t.db.createCollection('made');
  const again = await t.db.createCollection('made').catch((e) => e);
  expect(again).toBeInstanceOf(MongoServerError);
  expect(again.code).toBe(48);
  await t.db.collection('implicit').insertOne({ a: 1 });
  const names = (await t.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  expect(names).toEqual(expect.arrayContaining(['implicit', 'made']));
  const filtered = await t.db.listCollections({ name: 'made' }).toArray();
  expect(filtered.map((c) => c.name)).toEqual(['made']);
  expect(await t.db.collection('made').drop()).toBe(true);
  expect((await t.db.listCollections({ name: 'made' }).toArray()).length).toBe(0);
});

test('listDatabases and dropDatabase', async () => {
  const other = t.client.db(`${t.db.databaseName}_other`);
  await other.collection('x').insertOne({ a: 1 });
  const { databases } = await t.client.db('admin').admin().listDatabases();
  expect(databases.map((d) => d.name)).toContain(other.databaseName);
  expect(await other.dropDatabase()).toBe(true);
  const after = await t.client.db('admin').admin().listDatabases({ nameOnly: true });
  expect(after.databases.map((d) => d.name)).not.toContain(other.databaseName);
});

test('collStats and dbStats report counts', async () => {
  const c = t.db.collection('stats');
  await c.insertMany([{ a: 1 }, { a: 2 }, { a: 3 }]);
  await c.createIndex({ a: 1 });
  const coll = await t.db.command({ collStats: 'stats' });
  expect(coll.count).toBe(3);
  expect(coll.nindexes).toBe(2);
  expect(coll.size).toBeGreaterThan(0);
  const db = await t.db.command({ dbStats: 1 });
  expect(db.objects).toBeGreaterThanOrEqual(3);
  expect(db.collections).toBeGreaterThanOrEqual(1);
});

test('collStats of a missing collection fails', async () => {
  const err = await t.db.command({ collStats: 'absent' }).catch((e) => e);
  expect(err).toBeInstanceOf(MongoServerError);
});

describe('error paths answer MongoDB codes', () => {
  const cases: Array<[string, object, number]> = [
    ['find with a non-object filter', { find: 'e', filter: 'x' }, 14],
    ['count with an unknown operator', { count: 'e', query: { a: { $nope: 1 } } }, 2],
    ['distinct with a non-string key', { distinct: 'e', key: 5 }, 14],
    ['delete with limit 5', { delete: 'e', deletes: [{ q: {}, limit: 5 }] }, 9],
    ['findAndModify with update and remove', { findAndModify: 'e', query: {}, update: { $set: { a: 1 } }, remove: true }, 9],
    ['findAndModify with neither update nor remove', { findAndModify: 'e', query: {} }, 9],
    ['createIndexes with an empty key', { createIndexes: 'e', indexes: [{ key: {}, name: 'empty' }] }, 67],
    ['listCollections with an unknown operator', { listCollections: 1, filter: { name: { $nope: 1 } } }, 2],
    ['dropIndexes of the _id index', { dropIndexes: 'e', index: '_id_' }, 72],
  ];
  beforeAll(async () => {
    await t.db.collection('e').insertOne({ a: 1 });
  });

  test.each(cases)('%s', async (_name, command, code) => {
    const err = await t.db.command(command).catch((e) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(code);
  });
});
