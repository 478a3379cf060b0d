/**
 * The crash test: the store runs as a child process (the CLI with --data-dir), takes acknowledged writes through
 * the driver (inserts, updates, deletes, a unique, a TTL and a compound index, a dropped index and a dropped
 * collection), is killed with SIGKILL while a burst of writes is in flight, and a new process on the same
 * directory must hold every acknowledged write, and no torn one: every burst document that is there is found
 * through its unique index too.
 *
 * The child is the standalone store built by `child-store.ts` (its sources transpiled into a temp dir, nothing
 * built in the repository).
 */
import { readdirSync } from 'node:fs';
import { Decimal128, Long, MongoClient, MongoServerError, ObjectId, type Document } from 'mongodb';
import { buildStore, type StoreBuild, type StoreChild } from './child-store';

type AnyDoc = { _id: number | string | ObjectId; [key: string]: unknown };

let build: StoreBuild;
const clients: MongoClient[] = [];

beforeAll(() => {
  build = buildStore();
});

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  build.cleanup();
});

function startStore(dataDir: string, args: string[] = []): Promise<StoreChild> {
  return build.start(['--port', '0', '--data-dir', dataDir, ...args]);
}

async function connect(uri: string): Promise<MongoClient> {
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 10_000 });
  clients.push(client);
  return client;
}

async function stateOf(client: MongoClient): Promise<Record<string, { docs: Document[]; indexes: Document[] }>> {
  const db = client.db('shop');
  const out: Record<string, { docs: Document[]; indexes: Document[] }> = {};
  const names = (await db.listCollections().toArray()).map((c) => c.name).sort();
  for (const name of names) {
    const docs = await db.collection(name).find().sort({ _id: 1 }).toArray();
    const indexes = (await db.collection(name).listIndexes().toArray()).map(({ v: _v, ...rest }) => rest).sort((a, b) => String(a.name).localeCompare(String(b.name)));
    out[name] = { docs, indexes };
  }
  return out;
}

it('keeps every acknowledged write across SIGKILL, with no half-applied write', async () => {
  const dataDir = build.dir('data');
  const first = await startStore(dataDir);
  const a = await connect(first.uri);
  const orders = a.db('shop').collection<AnyDoc>('orders');

  // Phase 1: varied writes, then read back what the store acknowledged.
  await orders.createIndex({ sku: 1 }, { unique: true, name: 'sku_unique' });
  await orders.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 3600, name: 'ttl_expires' });
  await orders.createIndex({ customer: 1, placedAt: -1 }, { name: 'customer_recent' });
  await orders.createIndex({ status: 1 }, { name: 'status_tmp' });
  const placed = new Date('2026-01-02T03:04:05.678Z');
  const docs = Array.from({ length: 300 }, (_, i) => ({
    _id: i,
    sku: `SKU-${String(i).padStart(4, '0')}`,
    customer: `cust-${i % 17}`,
    placedAt: new Date(placed.getTime() + i * 1000),
    expiresAt: new Date(Date.now() + 24 * 3600 * 1000),
    qty: i % 5,
    price: Decimal128.fromString(`${i}.99`),
    big: Long.fromString('9007199254740993'),
    ref: new ObjectId(),
    lines: [{ item: 'a', n: 1 }],
    status: 'new',
  }));
  for (let i = 0; i < docs.length; i += 100) await orders.insertMany(docs.slice(i, i + 100));
  await orders.updateMany({ qty: 0 }, { $set: { status: 'empty' }, $inc: { revision: 1 } } as Document);
  await orders.updateOne({ _id: 7 }, { $push: { lines: { item: 'b', n: 2 } }, $unset: { big: '' } } as Document);
  await orders.replaceOne({ _id: 8 }, { sku: 'SKU-REPLACED', customer: 'cust-x', status: 'replaced' });
  await orders.deleteMany({ qty: 4 });
  await orders.findOneAndUpdate({ _id: 'upserted' }, { $setOnInsert: { sku: 'SKU-UPSERT' }, $set: { status: 'up' } } as Document, { upsert: true });
  await orders.dropIndex('status_tmp');
  const scratch = a.db('shop').collection<AnyDoc>('scratch');
  await scratch.insertOne({ _id: 1 });
  await scratch.drop();
  await a.db('shop').collection<AnyDoc>('kept').insertOne({ _id: 'k', note: 'collection created by insert' });
  const acknowledged = await stateOf(a);
  expect(Object.keys(acknowledged)).toEqual(['kept', 'orders']);
  expect(acknowledged.orders!.docs).toHaveLength(300 - 60 + 1);

  // Phase 2: concurrent writes (group commit), then SIGKILL once some are acknowledged while more are in flight.
  const burst = Array.from({ length: 40 }, (_, i) => ({ _id: `burst-${i}`, sku: `BURST-${i}`, n: i }));
  await Promise.all([
    ...burst.map((d) => orders.insertOne(d)),
    orders.updateOne({ _id: 1 }, { $set: { status: 'final' } } as Document),
    orders.deleteOne({ _id: 2 }),
  ]);
  const inFlight = Array.from({ length: 200 }, (_, i) => ({ _id: `flight-${i}`, sku: `FLIGHT-${i}`, n: i }));
  const ackedInFlight = new Set<string>();
  let firstAck!: () => void;
  const someAcked = new Promise<void>((r) => (firstAck = r));
  const flying = inFlight.map((d) =>
    orders.insertOne(d).then(
      () => {
        ackedInFlight.add(d._id);
        if (ackedInFlight.size === 20) firstAck();
      },
      () => undefined,
    ),
  );
  await someAcked;
  first.proc.kill('SIGKILL');
  expect(await first.exited).toBe('SIGKILL');
  await Promise.all(flying);

  const files = readdirSync(dataDir);
  expect(files).toContain('lmdb');
  expect(files).toContain('store.lock'); // left behind by the killed process

  // A short TTL sweep so the recovered TTL index can show it still works.
  const second = await startStore(dataDir, ['--ttl-sweep-ms', '100']);
  const b = await connect(second.uri);
  const recovered = await stateOf(b);
  const expected = structuredClone(acknowledged);
  const expectedOrders = expected.orders!.docs.filter((d) => d._id !== 2).map((d) => (d._id === 1 ? { ...d, status: 'final' } : d));
  expectedOrders.push(...burst);
  // In-flight inserts: every acknowledged one is there; unacknowledged ones may or may not be, but whole.
  const flown = recovered.orders!.docs.filter((d) => String(d._id).startsWith('flight-'));
  for (const id of ackedInFlight) expect(flown.map((d) => d._id)).toContain(id);
  for (const d of flown) {
    expect(d).toEqual(inFlight.find((x) => x._id === d._id));
    expect(await b.db('shop').collection<AnyDoc>('orders').countDocuments({ sku: d.sku })).toBe(1);
  }
  expectedOrders.push(...flown);
  expectedOrders.sort((x, y) => (typeof x._id === typeof y._id ? (x._id < y._id ? -1 : 1) : typeof x._id === 'number' ? -1 : 1));
  expect(recovered.kept).toEqual(expected.kept);
  expect(recovered.orders!.indexes).toEqual(expected.orders!.indexes);
  expect(recovered.orders!.docs).toHaveLength(expectedOrders.length);
  expect(recovered.orders!.docs).toEqual(expectedOrders);
  expect(recovered.orders!.indexes.find((i) => i.name === 'ttl_expires')).toMatchObject({ expireAfterSeconds: 3600 });

  // The unique index is enforced after recovery, and new writes continue the history.
  const dup = await b
    .db('shop')
    .collection<AnyDoc>('orders')
    .insertOne({ _id: 'dup', sku: 'SKU-0003' })
    .catch((e: unknown) => e);
  expect(dup).toBeInstanceOf(MongoServerError);
  expect((dup as MongoServerError).code).toBe(11000);
  await b.db('shop').collection<AnyDoc>('orders').insertOne({ _id: 'after-restart', sku: 'NEW' });
  expect(await b.db('shop').collection<AnyDoc>('orders').countDocuments()).toBe(expectedOrders.length + 1);
  // The recovered TTL index (expireAfterSeconds 3600) removes a document that expired two hours ago.
  await b.db('shop').collection<AnyDoc>('orders').insertOne({ _id: 'expired', sku: 'OLD', expiresAt: new Date(Date.now() - 2 * 3600 * 1000) });
  const deadline = Date.now() + 20_000;
  while ((await b.db('shop').collection<AnyDoc>('orders').countDocuments({ _id: 'expired' })) > 0) {
    if (Date.now() > deadline) throw new Error('the recovered TTL index did not remove an expired document within 20 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(await b.db('shop').collection<AnyDoc>('orders').countDocuments()).toBe(expectedOrders.length + 1);

  // A third process is refused while the second holds the directory.
  await expect(startStore(dataDir)).rejects.toThrow(/in use by process/);

  second.proc.kill('SIGTERM');
  expect(await second.exited).toBe(0);
}, 180_000);
