/**
 * Behaviour specific to the embedded store (not part of the conformance suite): the engine's commit contract for the
 * journal and change streams, TTL sweeps and idle-cursor timeouts with short periods, plugins and extension points.
 */
import { MongoClient, MongoServerError } from 'mongodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, startEmbeddedMongo, type EmbeddedMongo, type OplogEntry, type StorePlugin } from '../../src/embedded-mongo';
import { parseArgs } from '../../src/embedded-mongo/cli';
import { eventually, staysFalse } from '../helpers/eventually';

async function withStore(options: Parameters<typeof startEmbeddedMongo>[0], fn: (store: EmbeddedMongo, client: MongoClient) => Promise<void>): Promise<void> {
  const store = await startEmbeddedMongo(options);
  const client = await MongoClient.connect(store.uri);
  try {
    await fn(store, client);
  } finally {
    await client.close();
    await store.stop();
  }
}

test('commit listeners see every op kind, in order, with increasing seq and ts', async () => {
  await withStore({}, async (store, client) => {
    const seen: OplogEntry[] = [];
    store.engine.onCommit((entries) => {
      seen.push(...entries);
    });
    const c = client.db('d').collection('c');
    await c.insertOne({ _id: 1 as never, a: 1 });
    await c.createIndex({ a: 1 });
    await c.updateOne({ _id: 1 as never }, { $set: { a: 2 } });
    await c.replaceOne({ _id: 1 as never }, { b: 1 });
    await c.deleteOne({ _id: 1 as never });
    await c.dropIndex('a_1');
    await c.drop();
    await client.db('d').collection('x').insertOne({});
    await client.db('d').dropDatabase();
    expect(seen.map((e) => e.op.kind)).toEqual([
      'createCollection', 'insert', 'createIndex', 'update', 'update', 'delete', 'dropIndex', 'dropCollection',
      'createCollection', 'insert', 'dropDatabase',
    ]);
    const updates = seen.filter((e) => e.op.kind === 'update').map((e) => e.op as Extract<OplogEntry['op'], { kind: 'update' }>);
    expect(updates.map((u) => [u.before, u.after, u.replace])).toEqual([
      [{ _id: 1, a: 1 }, { _id: 1, a: 2 }, false],
      [{ _id: 1, a: 2 }, { _id: 1, b: 1 }, true],
    ]);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.seq).toBe(seen[i - 1]!.seq + 1);
      expect(seen[i]!.ts.compare(seen[i - 1]!.ts)).toBe(1);
    }
    expect(store.engine.currentSeq).toBe(seen[seen.length - 1]!.seq);
  });
});

test('the reply waits for a listener; a rejecting listener turns the write into an error', async () => {
  await withStore({}, async (store, client) => {
    let release!: () => void;
    let fail = false;
    store.engine.onCommit(() => (fail ? Promise.reject(new Error('disk full')) : new Promise<void>((r) => (release = r))));
    const c = client.db('d').collection('c');
    let acknowledged = false;
    const pending = c.insertOne({ _id: 1 as never }).then(() => {
      acknowledged = true;
    });
    await eventually(() => release !== undefined, 'the listener to be called');
    // From the moment the commit listener holds the write: no acknowledgement while it does.
    await staysFalse(() => acknowledged, 'the insert acknowledged before its commit', 50);
    release();
    await pending;
    expect(acknowledged).toBe(true);
    fail = true;
    const err = await c.insertOne({ _id: 2 as never }).catch((e) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.message).toMatch(/commit listener failed: disk full/);
  });
});

test('a restart on the same data directory keeps documents, indexes and the clock', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tg-engine-'));
  try {
    let seq = 0;
    await withStore({ dataDir }, async (store, client) => {
      const c = client.db('d').collection('c');
      await c.createIndex({ email: 1 }, { unique: true });
      await c.insertMany([{ email: 'a', n: 1 }, { email: 'b', n: 2 }]);
      seq = store.engine.currentSeq;
    });
    const engine = Engine.open(dataDir);
    try {
      const coll = engine.collection('d', 'c')!;
      expect([...coll.scan()].map((d) => d.email)).toEqual(['a', 'b']);
      expect(coll.indexSpecs().map((s) => s.name)).toEqual(['_id_', 'email_1']);
      expect(engine.currentSeq).toBe(seq);
      await expect(engine.write((unit) => unit.apply({ kind: 'insert', db: 'd', coll: 'c', doc: { _id: 'x', email: 'a' } }))).rejects.toThrow(/E11000/);
      expect(coll.count).toBe(2);
      await engine.write((unit) => unit.apply({ kind: 'insert', db: 'd', coll: 'c', doc: { _id: 'y', email: 'y' } }));
      expect(engine.currentSeq).toBe(seq + 1);
      expect(coll.count).toBe(3);
    } finally {
      await engine.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('TTL: expired documents are deleted by the sweep, through the commit path', async () => {
  await withStore({ ttlSweepMs: 30 }, async (store, client) => {
    const deletes: unknown[] = [];
    store.engine.onCommit((entries) => {
      for (const e of entries) if (e.op.kind === 'delete') deletes.push(e.op.doc._id);
    });
    const c = client.db('d').collection('ttl');
    await c.createIndex({ expireAt: 1 }, { expireAfterSeconds: 0 });
    await c.insertMany([
      { _id: 'old' as never, expireAt: new Date(Date.now() - 1000) },
      { _id: 'soon' as never, expireAt: [new Date(Date.now() + 3_600_000), new Date(Date.now() + 300)] },
      { _id: 'future' as never, expireAt: new Date(Date.now() + 3_600_000) },
      { _id: 'nodate' as never, expireAt: 'not a date' },
    ]);
    await eventually(async () => (await c.countDocuments({ _id: 'old' as never })) === 0, 'the TTL sweep');
    // 'soon' expires by the earliest date of its array, in a later sweep.
    await eventually(async () => (await c.countDocuments()) === 2, 'the second expiry');
    expect((await c.find({}).toArray()).map((d) => d._id).sort()).toEqual(['future', 'nodate']);
    expect(deletes).toEqual(['old', 'soon']);
  });
});

test('idle cursors time out (unless noCursorTimeout); getMore then answers CursorNotFound (43)', async () => {
  await withStore({ cursorTimeoutMs: 50 }, async (store, client) => {
    const db = client.db('d');
    await db.collection('c').insertMany([{}, {}, {}]);
    const kept = await db.command({ find: 'c', batchSize: 1, noCursorTimeout: true });
    const first = await db.command({ find: 'c', batchSize: 1 });
    // Both finds left a cursor open (with a 50 ms timeout, a loaded machine may already have reaped the second).
    expect([String(kept.cursor.id), String(first.cursor.id)]).not.toContain('0');
    await eventually(() => store.cursors.size === 1, 'the idle cursor to be reaped');
    const err = await db.command({ getMore: first.cursor.id, collection: 'c' }).catch((e) => e);
    expect(err.code).toBe(43);
    const more = await db.command({ getMore: kept.cursor.id, collection: 'c' });
    expect(more.cursor.nextBatch).toHaveLength(2);
  });
});

test('$changeStream without a handler answers 40573; a registered first-stage handler gets the command', async () => {
  // No plugins: the change-stream plugin would otherwise have registered its handler.
  await withStore({ plugins: [] }, async (store, client) => {
    const db = client.db('d');
    const err = await db.command({ aggregate: 'c', pipeline: [{ $changeStream: {} }], cursor: {} }).catch((e) => e);
    expect(err.code).toBe(40573);
    store.extensions.firstStages.set('$changeStream', async ({ collection, pipeline }) => ({ seen: { collection, stages: pipeline.length } }));
    const reply = await db.command({ aggregate: 'c', pipeline: [{ $changeStream: {} }, { $match: {} }], cursor: {} });
    expect(reply.seen).toEqual({ collection: 'c', stages: 2 });
  });
});

test('plugins start before listening and stop in reverse order; dataDir needs a durability plugin', async () => {
  const calls: string[] = [];
  const plugin = (name: string): StorePlugin => ({
    name,
    async start(internals) {
      calls.push(`start ${name} seq=${internals.engine.currentSeq}`);
      return async () => {
        calls.push(`stop ${name}`);
      };
    },
  });
  const store = await startEmbeddedMongo({ plugins: [plugin('a'), plugin('b')] });
  await store.stop();
  await store.stop();
  expect(calls).toEqual(['start a seq=0', 'start b seq=0', 'stop b', 'stop a']);
  expect(store.phase).toBe('stopped');
});

test('cli arguments', () => {
  expect(parseArgs(['--port', '0', '--data-dir', './data', '--ttl-sweep-ms', '500'])).toEqual({ port: 0, dataDir: './data', ttlSweepMs: 500 });
  expect(parseArgs(['--data-dir', 'data'])).toEqual({ dataDir: 'data', socketPath: join(process.cwd(), 'data', 'store.sock') });
  expect(parseArgs(['--socket', '/run/s.sock'])).toEqual({ socketPath: '/run/s.sock' });
  expect(() => parseArgs([])).toThrow(/nothing to listen on/);
  expect(() => parseArgs(['--port', '1', '--socket', 'x.sock'])).toThrow(/not both/);
  expect(() => parseArgs(['--port', 'x'])).toThrow(/non-negative integer, got 'x'/);
  expect(() => parseArgs(['--bogus', '1'])).toThrow(/unknown option '--bogus'/);
});

test('a reply too large for BSON answers BSONObjectTooLarge (10334) and the connection stays usable', async () => {
  await withStore({}, async (_store, client) => {
    const c = client.db('d').collection('big');
    const blob = 'x'.repeat(1024 * 1024);
    await c.insertMany(Array.from({ length: 18 }, (_, i) => ({ i, blob })));
    const err = await c.aggregate([{ $group: { _id: null, all: { $push: '$blob' } } }]).toArray().catch((e) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(10334);
    expect((await client.db('d').command({ ping: 1 })).ok).toBe(1);
  });
});

test('stages and operators this store cannot run ($out, $merge, $function) answer NotImplemented (238) and change nothing', async () => {
  await withStore({}, async (_store, client) => {
    const db = client.db('d');
    await db.collection('src').insertOne({ a: 1 });
    const script = { $addFields: { x: { $function: { body: 'function() { return 1 }', args: [], lang: 'js' } } } };
    for (const stage of [{ $out: 'copy' }, { $merge: { into: 'copy' } }, script]) {
      const err = await db.collection('src').aggregate([stage]).toArray().catch((e) => e);
      expect(err).toBeInstanceOf(MongoServerError);
      expect(err.code).toBe(238);
    }
    expect(await db.listCollections({ name: 'copy' }).toArray()).toEqual([]);
  });
});

test('a port in use rejects start with the listen error and leaves nothing running', async () => {
  const first = await startEmbeddedMongo({ plugins: [] });
  try {
    await expect(startEmbeddedMongo({ port: first.port, plugins: [] })).rejects.toThrow(/EADDRINUSE/);
  } finally {
    await first.stop();
  }
});

test('the driver also connects with a plain URI (replica-set discovery of the one member)', async () => {
  const store = await startEmbeddedMongo({ plugins: [] });
  const client = await MongoClient.connect(`mongodb://127.0.0.1:${store.port}/`, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db('d').collection('c').insertOne({ a: 1 });
    expect(await client.db('d').collection('c').countDocuments()).toBe(1);
  } finally {
    await client.close();
    await store.stop();
  }
});

test('a find cursor streams across writes: each document once, one deleted ahead of it never returned', async () => {
  await withStore({}, async (store, client) => {
    const c = client.db('d').collection<{ _id: number; n: number }>('stream');
    await c.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: i, n: i })));
    const cursor = c.find({}, { batchSize: 50 });
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) seen.push((await cursor.next())!._id);
    // The store holds the cursor's position, not its results: writes between batches are seen as they are.
    expect(store.cursors.size).toBe(1);
    await c.deleteOne({ _id: 200 });
    await c.updateOne({ _id: 10 }, { $set: { n: -1 } });
    await c.insertOne({ _id: 1000, n: 1000 });
    for await (const doc of cursor) seen.push(doc._id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(200);
    expect(seen).toContain(1000);
    expect(seen.filter((id) => id < 300)).toEqual(Array.from({ length: 300 }, (_, i) => i).filter((i) => i !== 200));
  });
});
