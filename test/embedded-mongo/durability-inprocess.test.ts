/**
 * Durability through an in-process store (startEmbeddedMongo({ dataDir })) and the driver: group commit of
 * concurrent commands, change streams resuming across a restart (history rebuilt from the journal) and the
 * history floor after compaction, and the data directory lock between two stores of one process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, MongoServerError, type ResumeToken } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo';
import { changeStreamPlugin } from '../../src/embedded-mongo/changestream/plugin';
import { nodeJournalFs, type JournalFs } from '../../src/embedded-mongo/journal';
import { durabilityPlugin, type DurabilityPlugin } from '../../src/embedded-mongo/journal/plugin';

type AnyDoc = { _id: number | string; [key: string]: unknown };

const dirs: string[] = [];
const stores: EmbeddedMongo[] = [];
const clients: MongoClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of stores.splice(0)) await s.stop();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tg-durable-'));
  dirs.push(dir);
  return dir;
}

async function start(dataDir: string, fs?: JournalFs): Promise<{ store: EmbeddedMongo; client: MongoClient; durability: DurabilityPlugin }> {
  const changes = changeStreamPlugin();
  const durability = durabilityPlugin({ feed: changes.feed, fs });
  const store = await startEmbeddedMongo({ port: 0, dataDir, plugins: [durability, changes] });
  stores.push(store);
  const client = await MongoClient.connect(store.uri);
  clients.push(client);
  return { store, client, durability };
}

async function stop(store: EmbeddedMongo, client: MongoClient): Promise<void> {
  await client.close();
  clients.splice(clients.indexOf(client), 1);
  await store.stop();
  stores.splice(stores.indexOf(store), 1);
}

it('group-commits concurrent commands: fewer fsyncs than writes, every acknowledged write survives a restart', async () => {
  const dir = freshDir();
  let syncs = 0;
  const counting: JournalFs = {
    ...nodeJournalFs,
    async openAppend(path) {
      const inner = await nodeJournalFs.openAppend(path);
      return { append: (d) => inner.append(d), close: () => inner.close(), sync: () => (syncs++, inner.sync()) };
    },
  };
  const { store, client, durability } = await start(dir, counting);
  const coll = client.db('gc').collection<AnyDoc>('spans');
  await coll.insertOne({ _id: 'warm-up' });
  const before = { syncs, records: durability.journal!.stats().records };
  const N = 100;
  await Promise.all(Array.from({ length: N }, (_, i) => coll.insertOne({ _id: i, payload: 'p'.repeat(200) })));
  const batches = syncs - before.syncs;
  expect(durability.journal!.stats().records - before.records).toBe(N);
  expect(batches).toBeGreaterThanOrEqual(1);
  expect(batches).toBeLessThan(N);
  await stop(store, client);

  const again = await start(dir);
  expect(await again.client.db('gc').collection('spans').countDocuments()).toBe(N + 1);
});

it('resumes a change stream across a restart from a saved token; after compaction an older token is lost (286)', async () => {
  const dir = freshDir();
  const first = await start(dir);
  const coll = first.client.db('cs').collection<AnyDoc>('orders');
  const stream = coll.watch([], { maxAwaitTimeMS: 200 });
  await stream.tryNext();
  await coll.insertMany([{ _id: 'a' }, { _id: 'b' }]);
  const a = await stream.next();
  const saved = a._id as ResumeToken;
  await stream.close();
  await stop(first.store, first.client);

  const second = await start(dir);
  const coll2 = second.client.db('cs').collection<AnyDoc>('orders');
  await coll2.insertOne({ _id: 'c' });
  const resumed = coll2.watch([], { resumeAfter: saved, maxAwaitTimeMS: 200 });
  const got = [await resumed.next(), await resumed.next()].map((e) => ('documentKey' in e ? e.documentKey._id : e.operationType));
  expect(got).toEqual(['b', 'c']);
  await resumed.close();

  // Compaction: the snapshot holds no history, so after a restart the old token is older than the floor.
  await second.durability.journal!.compact();
  await stop(second.store, second.client);
  const third = await start(dir);
  const err = await third.client
    .db('cs')
    .collection<AnyDoc>('orders')
    .watch([], { resumeAfter: saved })
    .tryNext()
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MongoServerError);
  expect((err as MongoServerError).code).toBe(286);
  expect(await third.client.db('cs').collection('orders').countDocuments()).toBe(3);
});

it('refuses a second store on a data directory in use, naming the holder', async () => {
  const dir = freshDir();
  await start(dir);
  await expect(startEmbeddedMongo({ port: 0, dataDir: dir })).rejects.toThrow(new RegExp(`${dir}.*in use by process ${process.pid}`));
});

it('shows no change event for a write whose fsync failed, and acknowledges no write after it', async () => {
  const dir = freshDir();
  let failing = false;
  const flaky: JournalFs = {
    ...nodeJournalFs,
    async openAppend(path) {
      const inner = await nodeJournalFs.openAppend(path);
      return {
        append: (d) => inner.append(d),
        close: () => inner.close(),
        sync: () => (failing ? Promise.reject(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })) : inner.sync()),
      };
    },
  };
  const { client } = await start(dir, flaky);
  const coll = client.db('eio').collection<AnyDoc>('spans');
  await coll.insertOne({ _id: 'durable' });
  const stream = coll.watch([], { maxAwaitTimeMS: 200 });
  await stream.tryNext();
  failing = true;
  const err = await coll.insertOne({ _id: 'lost' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MongoServerError);
  expect((err as MongoServerError).message).toMatch(/not durable.*journal write .* failed: EIO/);
  failing = false;
  await expect(coll.insertOne({ _id: 'after' })).rejects.toThrow(/accepts no more writes/);
  // Nothing was shown to the stream: the failed write never reached the history.
  expect(await stream.tryNext()).toBeNull();
  await stream.close();
});
