/**
 * collMod (TTL changes, changeStreamPreAndPostImages), renameCollection and database-level aggregate, answered as
 * MongoDB 7.0 answers them, and pre- / post-images gated by the collection option. Runs unchanged against a real
 * MongoDB replica set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, MongoServerError, type ChangeStream, type Document } from 'mongodb';
import { startEmbeddedMongo } from '../../src/embedded-mongo';
import { conformanceSuite, failure, nextEvent, openConformance } from './fixture';

/** Test documents carry literal `_id`s of any type (numbers, documents), which the driver's typings reject. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDoc = any;

const { t, streams } = conformanceSuite();
let n = 0;

const name = (prefix: string): string => `${prefix}${++n}`;

async function collectionInfo(coll: string): Promise<Document | undefined> {
  return (await t.db.listCollections({ name: coll }).toArray())[0];
}

describe('collMod', () => {
  test('changes a TTL index by key pattern or by name and reports the old and new values', async () => {
    const c = t.db.collection<AnyDoc>(name('ttl'));
    await c.createIndex({ at: 1 }, { expireAfterSeconds: 3600, name: 'at_ttl' });
    const byKey = await t.db.command({ collMod: c.collectionName, index: { keyPattern: { at: 1 }, expireAfterSeconds: 60 } });
    expect(byKey).toMatchObject({ ok: 1, expireAfterSeconds_old: 3600, expireAfterSeconds_new: 60 });
    const byName = await t.db.command({ collMod: c.collectionName, index: { name: 'at_ttl', expireAfterSeconds: 120 } });
    expect(byName).toMatchObject({ expireAfterSeconds_old: 60, expireAfterSeconds_new: 120 });
    const spec = (await c.listIndexes().toArray()).find((i) => i.name === 'at_ttl');
    expect(spec).toMatchObject({ key: { at: 1 }, expireAfterSeconds: 120 });
  });

  test('the changed TTL is the one documents expire by', async () => {
    // A store with a fast TTL sweep (a real MongoDB's TTL monitor runs every 60 s: the wait below allows for it).
    const fast = await openConformance({ ttlSweepMs: 50 });
    try {
      const c = fast.db.collection<AnyDoc>(name('ttlApplied'));
      await c.createIndex({ at: 1 }, { expireAfterSeconds: 365 * 24 * 3600 });
      await c.insertMany([
        { _id: 'old', at: new Date(Date.now() - 3_600_000) },
        { _id: 'new', at: new Date(Date.now() + 3_600_000) },
      ]);
      await fast.db.command({ collMod: c.collectionName, index: { keyPattern: { at: 1 }, expireAfterSeconds: 60 } });
      const deadline = Date.now() + 90_000;
      while ((await c.countDocuments({ _id: 'old' })) > 0) {
        if (Date.now() > deadline) throw new Error('the document past the changed TTL was not deleted');
        await new Promise((r) => setTimeout(r, 25));
      }
      // The sweep that removed 'old' looked at 'new' too: still within its TTL, it stays.
      expect(await c.find({}).toArray()).toEqual([{ _id: 'new', at: expect.any(Date) }]);
    } finally {
      await fast.close();
    }
  }, 120_000);

  test('an index that does not exist answers 27 IndexNotFound; a missing collection 26', async () => {
    const c = t.db.collection<AnyDoc>(name('ttlMissing'));
    await c.insertOne({ _id: 1 });
    const noIndex = await failure(t.db.command({ collMod: c.collectionName, index: { keyPattern: { nope: 1 }, expireAfterSeconds: 5 } }));
    expect(noIndex.code).toBe(27);
    const noColl = await failure(t.db.command({ collMod: name('absent'), changeStreamPreAndPostImages: { enabled: true } }));
    expect(noColl.code).toBe(26);
  });

  test('changeStreamPreAndPostImages is set and cleared, and listCollections shows it', async () => {
    const coll = name('images');
    await t.db.createCollection(coll);
    await t.db.command({ collMod: coll, changeStreamPreAndPostImages: { enabled: true } });
    expect((await collectionInfo(coll))?.options).toMatchObject({ changeStreamPreAndPostImages: { enabled: true } });
    await t.db.command({ collMod: coll, changeStreamPreAndPostImages: { enabled: false } });
    expect((await collectionInfo(coll))?.options?.changeStreamPreAndPostImages?.enabled ?? false).toBe(false);
  });

  test('a malformed changeStreamPreAndPostImages is refused with the field named', async () => {
    const coll = name('imagesBad');
    await t.db.createCollection(coll);
    const missing = await failure(t.db.command({ collMod: coll, changeStreamPreAndPostImages: {} }));
    expect(missing.code).toBe(40414);
    expect(missing.message).toMatch(/changeStreamPreAndPostImages\.enabled/);
    const wrongType = await failure(t.db.command({ collMod: coll, changeStreamPreAndPostImages: { enabled: 'yes' } }));
    expect(wrongType.code).toBe(14);
  });
});

describe('pre- and post-images follow changeStreamPreAndPostImages', () => {
  async function streamOn(enabled: boolean, options: Document): Promise<{ coll: ReturnType<typeof t.db.collection>; stream: ChangeStream }> {
    const coll = t.db.collection<AnyDoc>(name('img'));
    await t.db.createCollection(coll.collectionName, { changeStreamPreAndPostImages: { enabled } });
    await coll.insertOne({ _id: 1 });
    const stream = coll.watch([], { maxAwaitTimeMS: 200, ...options });
    streams.push(stream);
    await stream.tryNext();
    await coll.updateOne({ _id: 1 }, { $set: { x: 1 } });
    return { coll, stream };
  }

  test('enabled: whenAvailable gives the post-image and the pre-image', async () => {
    const { stream } = await streamOn(true, { fullDocument: 'whenAvailable', fullDocumentBeforeChange: 'whenAvailable' });
    const event = (await nextEvent(stream)) as Document;
    expect(event.operationType).toBe('update');
    expect(event.fullDocument).toEqual({ _id: 1, x: 1 });
    expect(event.fullDocumentBeforeChange).toEqual({ _id: 1 });
  });

  test('disabled: whenAvailable gives null images', async () => {
    const { stream } = await streamOn(false, { fullDocument: 'whenAvailable', fullDocumentBeforeChange: 'whenAvailable' });
    const event = (await nextEvent(stream)) as Document;
    expect(event.operationType).toBe('update');
    expect(event.fullDocument).toBeNull();
    expect(event.fullDocumentBeforeChange).toBeNull();
  });

  test('disabled: required fails the stream with 47 NoMatchingDocument', async () => {
    const { stream } = await streamOn(false, { fullDocumentBeforeChange: 'required' });
    const err = await nextEvent(stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect((err as MongoServerError).code).toBe(47);
    expect((err as MongoServerError).message).toMatch(/require a pre-image/);
  });

  test('enabled through collMod on an existing collection', async () => {
    const coll = t.db.collection<AnyDoc>(name('imgMod'));
    await coll.insertOne({ _id: 1 });
    await t.db.command({ collMod: coll.collectionName, changeStreamPreAndPostImages: { enabled: true } });
    const stream = coll.watch([], { maxAwaitTimeMS: 200, fullDocument: 'required' });
    streams.push(stream);
    await stream.tryNext();
    await coll.updateOne({ _id: 1 }, { $set: { y: 2 } });
    expect(((await nextEvent(stream)) as Document).fullDocument).toEqual({ _id: 1, y: 2 });
  });
});

describe('renameCollection', () => {
  test('moves documents, indexes and options within a database', async () => {
    const from = t.db.collection<AnyDoc>(name('src'));
    const to = name('dst');
    await t.db.createCollection(from.collectionName, { changeStreamPreAndPostImages: { enabled: true } });
    await from.createIndex({ k: 1 }, { unique: true });
    await from.insertMany([
      { _id: 1, k: 'a' },
      { _id: 2, k: 'b' },
    ]);
    expect((await from.rename(to)).collectionName).toBe(to);
    const renamed = t.db.collection<AnyDoc>(to);
    expect(await renamed.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 1, k: 'a' },
      { _id: 2, k: 'b' },
    ]);
    expect((await renamed.listIndexes().toArray()).map((i) => i.name).sort()).toEqual(['_id_', 'k_1']);
    expect((await collectionInfo(to))?.options).toMatchObject({ changeStreamPreAndPostImages: { enabled: true } });
    expect(await collectionInfo(from.collectionName)).toBeUndefined();
    const dup = await failure(renamed.insertOne({ _id: 3, k: 'a' }));
    expect(dup.code).toBe(11000);
  });

  test('moves a collection to another database', async () => {
    const from = t.db.collection<AnyDoc>(name('cross'));
    await from.createIndex({ k: 1 });
    await from.insertMany([{ _id: 1, k: 1 }, { _id: 2, k: 2 }]);
    const otherDb = t.client.db(`${t.db.databaseName}_b`);
    try {
      await t.client.db('admin').command({ renameCollection: `${t.db.databaseName}.${from.collectionName}`, to: `${otherDb.databaseName}.moved` });
      expect(await otherDb.collection('moved').find({ k: { $gte: 2 } }).toArray()).toEqual([{ _id: 2, k: 2 }]);
      expect((await otherDb.collection('moved').listIndexes().toArray()).map((i) => i.name).sort()).toEqual(['_id_', 'k_1']);
      expect(await collectionInfo(from.collectionName)).toBeUndefined();
    } finally {
      await otherDb.dropDatabase();
    }
  });

  test('an existing target answers 48 unless dropTarget, which replaces it', async () => {
    const from = t.db.collection<AnyDoc>(name('srcT'));
    const to = t.db.collection<AnyDoc>(name('dstT'));
    await from.insertOne({ _id: 'from' });
    await to.insertOne({ _id: 'to' });
    const exists = await failure(from.rename(to.collectionName));
    expect(exists.code).toBe(48);
    expect(await to.find({}).toArray()).toEqual([{ _id: 'to' }]);
    await from.rename(to.collectionName, { dropTarget: true });
    expect(await to.find({}).toArray()).toEqual([{ _id: 'from' }]);
  });

  test('a missing source answers 26; renaming to itself 20; outside admin 13', async () => {
    const missing = await failure(t.db.collection(name('nothing')).rename(name('other')));
    expect(missing.code).toBe(26);
    const self = t.db.collection<AnyDoc>(name('self'));
    await self.insertOne({ _id: 1 });
    const itself = await failure(t.client.db('admin').command({ renameCollection: `${t.db.databaseName}.${self.collectionName}`, to: `${t.db.databaseName}.${self.collectionName}` }));
    expect(itself.code).toBe(20);
    const notAdmin = await failure(t.db.command({ renameCollection: `${t.db.databaseName}.${self.collectionName}`, to: `${t.db.databaseName}.x${n}` }));
    expect(notAdmin.code).toBe(13);
    expect(await self.countDocuments()).toBe(1);
  });
});

describe('database-level aggregate', () => {
  test('$listLocalSessions lists the session the driver is using', async () => {
    const session = t.client.startSession();
    try {
      await t.db.command({ ping: 1 }, { session });
      const sessions = await t.db.aggregate([{ $listLocalSessions: {} }], { session }).toArray();
      const ids = sessions.map((s) => (s._id as Document).id.toString('hex'));
      expect(ids).toContain(session.id!.id.toString('hex'));
      expect(sessions[0]!.lastUse).toBeInstanceOf(Date);
    } finally {
      await session.endSession();
    }
  });

  test('$listLocalSessions followed by ordinary stages', async () => {
    const out = await t.db.aggregate([{ $listLocalSessions: {} }, { $limit: 1 }, { $addFields: { dummy: 'dummy field' } }, { $project: { _id: 0, dummy: 1 } }]).toArray();
    expect(out).toEqual([{ dummy: 'dummy field' }]);
  });

  test('$documents gives literal documents to the rest of the pipeline', async () => {
    const out = await t.db.aggregate([{ $documents: [{ x: 1 }, { x: 2 }, { x: 3 }] }, { $match: { x: { $gte: 2 } } }, { $project: { _id: 0, y: { $multiply: ['$x', 10] } } }]).toArray();
    expect(out).toEqual([{ y: 20 }, { y: 30 }]);
  });

  test('a stage that needs a collection answers 73; $currentOp outside admin answers 73', async () => {
    const needsCollection = await failure(t.db.aggregate([{ $match: {} }]).toArray());
    expect(needsCollection.code).toBe(73);
    const currentOp = await failure(t.db.aggregate([{ $currentOp: {} }]).toArray());
    expect(currentOp.code).toBe(73);
  });
});

describe('the embedded store keeps collMod and renameCollection across a restart', () => {
  test('options, the changed TTL and the renamed collection are there after stop and start on the same data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-fidelity-'));
    try {
      const first = await startEmbeddedMongo({ port: 0, dataDir: dir });
      const client = await MongoClient.connect(first.uri);
      const db = client.db('fidelity');
      await db.createCollection('a');
      await db.collection('a').createIndex({ at: 1 }, { expireAfterSeconds: 3600 });
      await db.collection('a').insertOne({ _id: 1 as never, at: new Date() });
      await db.command({ collMod: 'a', changeStreamPreAndPostImages: { enabled: true } });
      await db.command({ collMod: 'a', index: { keyPattern: { at: 1 }, expireAfterSeconds: 7 } });
      await db.collection('a').rename('b');
      await client.close();
      await first.stop();

      const second = await startEmbeddedMongo({ port: 0, dataDir: dir });
      const again = await MongoClient.connect(second.uri);
      try {
        const db2 = again.db('fidelity');
        expect((await db2.listCollections({}, { nameOnly: false }).toArray()).map((c) => [c.name, (c as Document).options])).toEqual([['b', { changeStreamPreAndPostImages: { enabled: true } }]]);
        expect((await db2.collection('b').listIndexes().toArray()).find((i) => i.name === 'at_1')?.expireAfterSeconds).toBe(7);
        expect(await db2.collection('b').countDocuments({ _id: 1 as never })).toBe(1);
      } finally {
        await again.close();
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
