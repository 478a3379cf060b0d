/**
 * Durability through an in-process store (startEmbeddedMongo({ dataDir })) and the driver: group commit of
 * concurrent commands, change streams resuming across a restart (history read from the oplog on disk) and the
 * history floor after the oplog is trimmed, and the data directory lock between two stores of one process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, MongoServerError, type ResumeToken } from 'mongodb';
import { defaultPlugins, startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo';

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

async function start(dataDir: string, maxEntries?: number): Promise<{ store: EmbeddedMongo; client: MongoClient }> {
  const store = await startEmbeddedMongo({ port: 0, dataDir, plugins: defaultPlugins({ history: { maxEntries } }) });
  stores.push(store);
  const client = await MongoClient.connect(store.uri);
  clients.push(client);
  return { store, client };
}

async function stop(store: EmbeddedMongo, client: MongoClient): Promise<void> {
  await client.close();
  clients.splice(clients.indexOf(client), 1);
  await store.stop();
  stores.splice(stores.indexOf(store), 1);
}

it('group-commits concurrent commands: fewer transactions than writes, every acknowledged write survives a restart', async () => {
  const dir = freshDir();
  const { store, client } = await start(dir);
  const coll = client.db('gc').collection<AnyDoc>('spans');
  await coll.insertOne({ _id: 'warm-up' });
  const before = store.engine.transactions;
  const N = 100;
  await Promise.all(Array.from({ length: N }, (_, i) => coll.insertOne({ _id: i, payload: 'p'.repeat(200) })));
  const transactions = store.engine.transactions - before;
  expect(transactions).toBeGreaterThanOrEqual(1);
  expect(transactions).toBeLessThan(N);
  await stop(store, client);

  const again = await start(dir);
  expect(await again.client.db('gc').collection('spans').countDocuments()).toBe(N + 1);
});

it('resumes a change stream across a restart from a saved token; once the oplog is trimmed past it, 286', async () => {
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
  await stop(second.store, second.client);

  // A store keeping 2 entries trims the oplog at its next commit: the saved token is older than the floor.
  const third = await start(dir, 2);
  const coll3 = third.client.db('cs').collection<AnyDoc>('orders');
  await coll3.insertMany([{ _id: 'd' }, { _id: 'e' }, { _id: 'f' }]);
  const err = await coll3
    .watch([], { resumeAfter: saved })
    .tryNext()
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MongoServerError);
  expect((err as MongoServerError).code).toBe(286);
  expect(await coll3.countDocuments()).toBe(6);
});

it('refuses a second store on a data directory in use, naming the holder', async () => {
  const dir = freshDir();
  await start(dir);
  await expect(startEmbeddedMongo({ port: 0, dataDir: dir })).rejects.toThrow(new RegExp(`${dir}.*in use by process ${process.pid}`));
});
