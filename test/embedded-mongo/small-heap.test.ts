/**
 * Memory bound: the standalone store under a heap limit far too small for its data as JavaScript objects takes the
 * documents, keeps answering indexed reads, and restarts on the directory under the same limit (start-up reads no
 * documents). The heap limit is NODE_OPTIONS=--max-old-space-size; the data (about 45 MB of BSON, 80k documents) would need
 * several times the heap as objects.
 */
import { MongoClient } from 'mongodb';
import { buildStore, type StoreBuild } from './child-store';

const HEAP_MB = 32;
const DOCS = 80_000;
const BATCH = 1000;
let build: StoreBuild;
const clients: MongoClient[] = [];

beforeAll(() => {
  build = buildStore();
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  build.cleanup();
});

it(`takes ${DOCS} span-sized documents under a ${HEAP_MB} MB heap, serves them, and restarts on them`, async () => {
  const dataDir = build.dir('heap');
  const env = { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` };
  const first = await build.start(['--port', '0', '--data-dir', dataDir], { env });
  const client = await MongoClient.connect(first.uri, { serverSelectionTimeoutMS: 10_000 });
  clients.push(client);
  const spans = client.db('heap').collection('spans');
  await spans.createIndex({ traceId: 1 });
  const pad = 'a'.repeat(480);
  for (let i = 0; i < DOCS; i += BATCH) {
    await spans.insertMany(
      Array.from({ length: BATCH }, (_, j) => ({ traceId: `t${Math.floor((i + j) / 10)}`, spanId: `s${i + j}`, service: `svc-${(i + j) % 7}`, n: i + j, pad })),
      { ordered: false },
    );
  }
  expect(await spans.countDocuments()).toBe(DOCS);
  expect(await spans.find({ traceId: 't1234' }).toArray()).toHaveLength(10);
  // A scan of everything streams through a cursor instead of loading the collection.
  let seen = 0;
  for await (const _ of spans.find({}, { batchSize: 5000 })) seen += 1;
  expect(seen).toBe(DOCS);
  await client.close();
  first.proc.kill('SIGTERM');
  expect(await first.exited).toBe(0);

  const second = await build.start(['--port', '0', '--data-dir', dataDir], { env });
  const client2 = await MongoClient.connect(second.uri, { serverSelectionTimeoutMS: 10_000 });
  clients.push(client2);
  const spans2 = client2.db('heap').collection('spans');
  expect(await spans2.countDocuments()).toBe(DOCS);
  expect(await spans2.find({ traceId: `t${DOCS / 10 - 1}` }).toArray()).toHaveLength(10);
  second.proc.kill('SIGTERM');
  expect(await second.exited).toBe(0);
}, 180_000);
