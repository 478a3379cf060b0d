/**
 * Index builds on a collection with documents do not hold the store: while createIndexes scans the collection, a
 * ping, a find, an explain (not using the index yet) and an insert on another connection are answered before the
 * build's reply; inserts, updates and deletes made during the build are indexed exactly; a unique build that meets a duplicate fails with 11000 and
 * leaves no index; a second createIndexes of the same spec waits for the build; dropping the index or the
 * collection aborts the build (276). Runs unchanged against a real MongoDB; the restart tests at the end start
 * embedded stores of their own whatever MONGODB_URI says (with a data directory, stopped during a build, or killed
 * with SIGKILL in a child process).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo';
import { buildStore, type StoreChild } from './child-store';
import { conformanceSuite, failure } from './fixture';

const { t } = conformanceSuite();
// Test documents carry numeric `_id`s, which the driver's typings reject.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDoc = any;

/** Documents per test collection: enough that a build takes many slices of the store's event loop. */
const N = 15_000;
const PAD = 'x'.repeat(200);

let other: MongoClient;
beforeAll(async () => {
  // A second client: its own connections, so its commands do not queue behind createIndexes in the driver.
  other = await MongoClient.connect(t.mongo.uri, { serverSelectionTimeoutMS: 5000 });
});
afterAll(async () => {
  await other?.close();
});

async function fill(coll: Collection<AnyDoc>, n = N, k = (i: number): unknown => i % 500): Promise<void> {
  for (let from = 0; from < n; from += 5_000) {
    const docs = Array.from({ length: Math.min(5_000, n - from) }, (_, j) => ({ _id: from + j, k: k(from + j), pad: PAD }));
    await coll.insertMany(docs);
  }
}

/** The same collection through the other client. */
function otherColl(coll: Collection<AnyDoc>): Collection<AnyDoc> {
  return other.db(t.db.databaseName).collection<AnyDoc>(coll.collectionName);
}

/** A createIndex sent now, with whether it has settled. */
function startBuild(coll: Collection<AnyDoc>, key: Document, options: Document): { done: Promise<unknown>; settled: () => boolean } {
  let settled = false;
  const done = coll.createIndex(key, options).finally(() => (settled = true));
  done.catch(() => undefined);
  return { done, settled: () => settled };
}

/** Waits (one listIndexes after the other, on the other client) until the index is listed, i.e. its build began;
 *  fails if the build has already settled then: the test would no longer run during it. */
async function untilBuilding(coll: Collection<AnyDoc>, name: string, build: { settled: () => boolean }): Promise<void> {
  for (;;) {
    const names = (await otherColl(coll).listIndexes().toArray()).map((i) => i.name as string);
    if (names.includes(name)) break;
    if (build.settled()) break;
  }
  expect(build.settled()).toBe(false);
}

/** Whether a find's winning plan reads the index `name`. */
async function usesIndex(coll: Collection<AnyDoc>, filter: Document, name: string): Promise<boolean> {
  const plan = JSON.stringify((await coll.find(filter).explain('queryPlanner')).queryPlanner.winningPlan);
  return plan.includes('IXSCAN') && plan.includes(name);
}

test('a ping, a find, an explain and an insert on another connection are answered while an index is built', async () => {
  const coll = t.db.collection<AnyDoc>('builds_serve');
  await fill(coll);
  const order: string[] = [];
  const build = startBuild(coll, { k: 1, _id: 1 }, { name: 'k_id' });
  void build.done.then(() => order.push('build'), () => order.push('build failed'));
  await untilBuilding(coll, 'k_id', build);
  const served = await Promise.all([
    other.db('admin').command({ ping: 1 }).then((r) => (order.push('ping'), r)),
    otherColl(coll).findOne({ _id: 7 }).then((r) => (order.push('find'), r)),
    otherColl(coll).insertOne({ _id: -1, k: 3 }).then((r) => (order.push('insert'), r)),
    // A query the index would serve does not use it before it is ready.
    usesIndex(otherColl(coll), { k: 3 }, 'k_id').then((r) => (order.push('explain'), r)),
  ]);
  await build.done;
  expect(served[0].ok).toBe(1);
  expect(served[1]).toMatchObject({ _id: 7, k: 7 });
  expect(served[2].insertedId).toBe(-1);
  expect(served[3]).toBe(false);
  // All four were answered before the build's reply.
  expect(order.slice(0, 4).sort()).toEqual(['explain', 'find', 'insert', 'ping']);
  expect(order[4]).toBe('build');
  // The index is ready, used, and holds the document inserted during the build.
  expect(await usesIndex(coll, { k: 3 }, 'k_id')).toBe(true);
  expect((await coll.find({ k: 3 }).toArray()).map((d) => d._id)).toContain(-1);
}, 120_000);

test('inserts, updates and deletes during a build, before and after the scan reaches them, are indexed exactly', async () => {
  const coll = t.db.collection<AnyDoc>('builds_writes');
  await fill(coll);
  const build = startBuild(coll, { k: 1 }, { name: 'k_1' });
  await untilBuilding(coll, 'k_1', build);
  const writer = otherColl(coll);
  const early = Array.from({ length: 100 }, (_, i) => i); // scanned first
  const late = Array.from({ length: 100 }, (_, i) => N - 1 - i); // scanned last
  const writes = Promise.all([
    writer.bulkWrite([...early.slice(0, 50), ...late.slice(0, 50)].map((id) => ({ updateOne: { filter: { _id: id }, update: { $set: { k: 600 + (id % 7) } } } }))),
    writer.bulkWrite([...early.slice(50, 60), ...late.slice(50, 60)].map((id) => ({ replaceOne: { filter: { _id: id }, replacement: { k: [700, 701 + (id % 3)] } } }))),
    writer.deleteMany({ _id: { $in: [...early.slice(60, 80), ...late.slice(60, 80)] } }),
    writer.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: N + i, k: i % 2 === 0 ? 800 : i % 500 }))),
    writer.updateMany({ _id: { $in: [...early.slice(80), ...late.slice(80)] } }, { $unset: { k: '' } }),
  ]);
  let writesDone = false;
  await writes.then(() => (writesDone = true));
  expect(build.settled()).toBe(false); // the writes were answered during the build
  await build.done;
  expect(writesDone).toBe(true);

  // Every value's documents through the index equal those a collection scan finds.
  const scanned = await coll.find({}, { projection: { k: 1 } }).hint({ $natural: 1 }).toArray();
  const byValue = new Map<string, number[]>();
  for (const d of scanned) {
    const values: unknown[] = Array.isArray(d.k) ? d.k : [d.k ?? null];
    for (const v of new Set(values.map((x) => JSON.stringify(x)))) {
      const ids = byValue.get(v) ?? [];
      ids.push(d._id);
      byValue.set(v, ids);
    }
  }
  expect(await usesIndex(coll, { k: 600 }, 'k_1')).toBe(true);
  const checked = ['600', '601', '606', '700', '701', '702', '703', '800', 'null', '0', '99', '499'];
  for (const v of checked) {
    const viaIndex = (await coll.find({ k: JSON.parse(v) }, { projection: { _id: 1 } }).hint('k_1').toArray()).map((d) => d._id).sort((a, b) => a - b);
    expect([v, viaIndex]).toEqual([v, (byValue.get(v) ?? []).sort((a, b) => a - b)]);
  }
  // No entry too many or too few over the whole index: a range read through it finds every numeric value once.
  const numeric = scanned.filter((d) => typeof d.k === 'number' || Array.isArray(d.k)).length;
  expect(await coll.countDocuments({ k: { $gte: 0 } }, { hint: 'k_1' })).toBe(numeric);
  if (t.mongo.embedded) {
    const stats = (await coll.find({ k: { $gte: 0, $lt: 1000 } }).explain('executionStats')).executionStats;
    const keys = scanned.reduce((n, d) => n + (Array.isArray(d.k) ? new Set(d.k).size : typeof d.k === 'number' ? 1 : 0), 0);
    expect(stats.totalKeysExamined).toBe(keys);
    expect(stats.nReturned).toBe(numeric);
  }
}, 120_000);

test('a unique build over duplicates fails with 11000 and leaves no index; one that meets a duplicate written during it fails too', async () => {
  const coll = t.db.collection<AnyDoc>('builds_unique');
  await fill(coll, 2_000, (i) => (i === 1_997 ? 17 : i)); // the last documents repeat an early one's value
  const err = await failure(coll.createIndex({ k: 1 }, { name: 'k_unique', unique: true }));
  expect(err.code).toBe(11000);
  expect(err.message).toMatch(/E11000 duplicate key error/);
  expect((await coll.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
  // No half-built unique index refuses anything.
  await coll.insertOne({ _id: -1, k: 17 });
  expect(await coll.countDocuments({ k: 17 })).toBe(3);

  // Unique values; during the build a write copies an early document's value.
  const clean = t.db.collection<AnyDoc>('builds_unique_during');
  await fill(clean, N, (i) => i);
  const build = startBuild(clean, { k: 1 }, { name: 'k_unique', unique: true });
  await untilBuilding(clean, 'k_unique', build);
  await otherColl(clean).insertOne({ _id: -1, k: 5 });
  const during = await failure(build.done);
  expect(during.code).toBe(11000);
  expect((await clean.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);

  // Without duplicates the unique build succeeds and then refuses one.
  await clean.deleteOne({ _id: -1 });
  await clean.createIndex({ k: 1 }, { name: 'k_unique', unique: true });
  expect((await failure(clean.insertOne({ _id: -2, k: 5 }))).code).toBe(11000);
}, 120_000);

test('a second createIndexes of the same spec waits for the build; dropping the index or the collection aborts it', async () => {
  const coll = t.db.collection<AnyDoc>('builds_join');
  await fill(coll);
  const first = startBuild(coll, { k: 1 }, { name: 'k_1' });
  await untilBuilding(coll, 'k_1', first);
  const second = await otherColl(coll).createIndex({ k: 1 }, { name: 'k_1' });
  expect(second).toBe('k_1');
  // When the second reply came, the index was ready: queries use it.
  expect(await usesIndex(coll, { k: 5 }, 'k_1')).toBe(true);
  await first.done;

  const dropped = startBuild(coll, { k: -1 }, { name: 'k_desc' });
  await untilBuilding(coll, 'k_desc', dropped);
  await otherColl(coll).dropIndex('k_desc');
  expect((await failure(dropped.done)).code).toBe(276);
  expect((await coll.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_', 'k_1']);
  expect(await coll.countDocuments({ k: 5 })).toBe(N / 500);

  const gone = startBuild(coll, { _id: 1, k: 1 }, { name: 'id_k' });
  await untilBuilding(coll, 'id_k', gone);
  await otherColl(coll).drop();
  expect((await failure(gone.done)).code).toBe(276);
  expect(await t.db.listCollections({ name: 'builds_join' }).toArray()).toEqual([]);
}, 120_000);

test('a build interrupted by a stop resumes at the next start (embedded store with a data directory)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tg-index-build-'));
  const open: Array<{ store: EmbeddedMongo; client: MongoClient }> = [];
  const start = async (): Promise<Collection<AnyDoc>> => {
    const store = await startEmbeddedMongo({ port: 0, dataDir });
    const client = await MongoClient.connect(store.uri, { serverSelectionTimeoutMS: 5000 });
    open.push({ store, client });
    return client.db('builds').collection<AnyDoc>('resume');
  };
  try {
    let coll = await start();
    await fill(coll);
    const build = startBuild(coll, { k: 1 }, { name: 'k_1' });
    await untilBuildingOn(coll, 'k_1', build);
    // Writes the build must keep, then the stop interrupts it.
    await coll.insertOne({ _id: -1, k: 501 });
    await coll.deleteOne({ _id: 3 });
    await open[0]!.store.stop();
    await build.done.catch(() => undefined);
    expect(build.settled()).toBe(true);
    await open[0]!.client.close().catch(() => undefined);

    coll = await start();
    // The index is still being built (listed) or done; createIndexes of the same spec returns once it is ready.
    expect((await coll.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_', 'k_1']);
    await coll.createIndex({ k: 1 }, { name: 'k_1' });
    expect(await usesIndex(coll, { k: 501 }, 'k_1')).toBe(true);
    expect((await coll.find({ k: 501 }).toArray()).map((d) => d._id)).toEqual([-1]);
    expect((await coll.find({ k: 3 }).toArray()).map((d) => d._id).sort((a, b) => a - b)).toEqual(Array.from({ length: N / 500 }, (_, i) => 3 + 500 * i).filter((id) => id !== 3));
    const stats = (await coll.find({ k: { $gte: 0 } }).explain('executionStats')).executionStats;
    expect(stats.totalKeysExamined).toBe(N);
    expect(stats.nReturned).toBe(N);
  } finally {
    for (const { store, client } of open) {
      await client.close().catch(() => undefined);
      await store.stop();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);

test('a build cut short by SIGKILL resumes at the next start and ends exact (embedded store in a child process)', async () => {
  const build = buildStore();
  const clients: MongoClient[] = [];
  const start = async (dataDir: string): Promise<{ child: StoreChild; coll: Collection<AnyDoc> }> => {
    const child = await build.start(['--port', '0', '--data-dir', dataDir]);
    const client = await MongoClient.connect(child.uri, { serverSelectionTimeoutMS: 10_000 });
    clients.push(client);
    return { child, coll: client.db('builds').collection<AnyDoc>('crash') };
  };
  try {
    const dataDir = build.dir('data');
    const first = await start(dataDir);
    await fill(first.coll);
    const running = startBuild(first.coll, { k: 1 }, { name: 'k_1' });
    await untilBuildingOn(first.coll, 'k_1', running);
    await first.coll.insertOne({ _id: -1, k: 501 });
    first.child.proc.kill('SIGKILL');
    expect(await first.child.exited).toBe('SIGKILL');
    await running.done.catch(() => undefined);

    const second = await start(dataDir);
    await second.coll.createIndex({ k: 1 }, { name: 'k_1' });
    // The build was cut short (the restarted store resumed it), and its index is exact.
    expect(second.child.stderr()).toMatch(/resuming index builds interrupted by a stop or crash/);
    expect((await second.coll.find({ k: 501 }).toArray()).map((d) => d._id)).toEqual([-1]);
    const stats = (await second.coll.find({ k: { $gte: 0 } }).explain('executionStats')).executionStats;
    expect(stats.totalKeysExamined).toBe(N + 1);
    expect(stats.nReturned).toBe(N + 1);
    second.child.proc.kill('SIGTERM');
    await second.child.exited;
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    build.cleanup();
  }
}, 180_000);

// untilBuilding for a collection of another client (the restart test's own store).
async function untilBuildingOn(coll: Collection<AnyDoc>, name: string, build: { settled: () => boolean }): Promise<void> {
  for (;;) {
    const names = (await coll.listIndexes().toArray()).map((i) => i.name as string);
    if (names.includes(name) || build.settled()) break;
  }
  expect(build.settled()).toBe(false);
}
