/**
 * Disk full, with a file size limit (RLIMIT_FSIZE through `prlimit`) as the stand-in for a full disk: the store's
 * data file cannot grow, exactly as when the disk has no free block. A write whose commit cannot be written answers
 * OutOfDiskSpace (14031) and is not acknowledged; the store stays up and serves reads; once the limit is raised
 * on the running process (space returns) writes succeed again; a restart holds every acknowledged write and none
 * of the refused ones. A long insert that fills the disk midway (it commits in slices) reports the documents
 * stored before the failed slice and 14031 for the rest, and exactly those are stored.
 */
import { spawnSync } from 'node:child_process';
import { MongoBulkWriteError, MongoClient, MongoServerError } from 'mongodb';
import { buildStore, type StoreBuild, type StoreChild } from './child-store';
import { bulkFailure } from './fixture';

const LIMIT_BYTES = 3 * 1024 * 1024;
let build: StoreBuild;
const clients: MongoClient[] = [];

beforeAll(() => {
  build = buildStore();
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  build.cleanup();
});

const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;

// Private: the store killed (SIGKILL, its client closed first) and started again on the same data directory, connected.
async function killAndRestart(child: StoreChild, client: MongoClient, dataDir: string): Promise<{ again: StoreChild; client: MongoClient }> {
  await client.close();
  child.proc.kill('SIGKILL');
  await child.exited;
  const again = await build.start(['--port', '0', '--data-dir', dataDir]);
  const restarted = await MongoClient.connect(again.uri, { serverSelectionTimeoutMS: 10_000 });
  clients.push(restarted);
  return { again, client: restarted };
}

(hasPrlimit ? it : it.skip)('refuses a write the disk cannot take with 14031, keeps serving reads, and recovers when space returns', async () => {
  const dataDir = build.dir('full');
  const child = await build.start(['--port', '0', '--data-dir', dataDir], { prefix: ['prlimit', `--fsize=${LIMIT_BYTES}:unlimited`, '--'] });
  const client = await MongoClient.connect(child.uri, { serverSelectionTimeoutMS: 10_000 });
  clients.push(client);
  const coll = client.db('full').collection<{ _id: number; blob: string }>('c');
  await coll.createIndex({ blob: 1 });
  const blob = 'x'.repeat(16 * 1024);
  let acknowledged = 0;
  let refused: MongoServerError | undefined;
  for (let i = 0; i < 1000 && !refused; i++) {
    try {
      await coll.insertMany(Array.from({ length: 8 }, (_, j) => ({ _id: i * 8 + j, blob: `${i * 8 + j}${blob}` })));
      acknowledged += 8;
    } catch (err) {
      if (!(err instanceof MongoServerError)) throw err;
      refused = err;
      // A command whose first slices committed before the disk filled reports what they stored.
      if (err instanceof MongoBulkWriteError) acknowledged += err.result.insertedCount;
    }
  }
  expect(refused).toBeDefined();
  expect(refused!.code).toBe(14031);
  expect(refused!.message).toMatch(/nothing of this write was stored/);
  expect(acknowledged).toBeGreaterThan(0);

  // Still up: reads answer, and show exactly the acknowledged documents.
  expect(await coll.countDocuments()).toBe(acknowledged);
  expect(await coll.findOne({ _id: 0 })).toMatchObject({ _id: 0 });

  // Space returns: the limit of the running process is lifted; the next write succeeds.
  expect(spawnSync('prlimit', ['--pid', String(child.proc.pid), '--fsize=unlimited:unlimited']).status).toBe(0);
  await coll.insertOne({ _id: -1, blob: 'after' });
  acknowledged += 1;

  const { again, client: client2 } = await killAndRestart(child, client, dataDir);
  const coll2 = client2.db('full').collection('c');
  expect(await coll2.countDocuments()).toBe(acknowledged);
  expect(await coll2.countDocuments({ blob: 'after' })).toBe(1);
  again.proc.kill('SIGTERM');
  expect(await again.exited).toBe(0);
}, 120_000);

(hasPrlimit ? it : it.skip)('a long insert that fills the disk midway reports what was stored before and 14031 from there on', async () => {
  const dataDir = build.dir('midway');
  const child = await build.start(['--port', '0', '--data-dir', dataDir], { prefix: ['prlimit', `--fsize=${4 * LIMIT_BYTES}:unlimited`, '--'] });
  const client = await MongoClient.connect(child.uri, { serverSelectionTimeoutMS: 10_000 });
  clients.push(client);
  const coll = client.db('full').collection<{ _id: number; blob: string }>('long');
  const blob = 'y'.repeat(4 * 1024);
  // ~20 MB of documents (each stored with its oplog entry) against a 12 MB file: the first slices fit, one fails.
  const docs = Array.from({ length: 5_000 }, (_, i) => ({ _id: i, blob: `${i}${blob}` }));
  const { bulk, writeErrors } = await bulkFailure(coll.insertMany(docs));
  const stored = bulk.result.insertedCount;
  expect(stored).toBeGreaterThan(0);
  expect(writeErrors.map((e) => [e.index, e.code])).toEqual([[stored, 14031]]);
  expect(writeErrors[0]!.errmsg).toMatch(/nothing of this write was stored/);
  expect(await coll.countDocuments()).toBe(stored);
  expect(await coll.countDocuments({ _id: { $gte: stored } })).toBe(0);

  const { again, client: client2 } = await killAndRestart(child, client, dataDir);
  expect(await client2.db('full').collection('long').countDocuments()).toBe(stored);
  again.proc.kill('SIGTERM');
  expect(await again.exited).toBe(0);
}, 120_000);
