/**
 * The store every integration test talks to, always through the official driver:
 * `MONGODB_URI` set -> that server (a real MongoDB); unset -> a fresh in-memory embedded store.
 * Each call gets its own database name so suites never see each other's data on a shared server.
 */
import { randomBytes } from 'node:crypto';
import { startEmbeddedMongo } from '../../src/embedded-mongo';
import { MongoTraceStore, type MongoStoreOptions } from '../../src/store';

export interface TestMongo {
  uri: string;
  /** A database name unique to this call. */
  dbName: string;
  /** True when the tests run against the embedded store rather than an external MongoDB. */
  embedded: boolean;
  stop(): Promise<void>;
}

export async function startTestMongo(options: { ttlSweepMs?: number } = {}): Promise<TestMongo> {
  const dbName = `tg_test_${randomBytes(4).toString('hex')}`;
  const external = process.env.MONGODB_URI;
  if (external) return { uri: external, dbName, embedded: false, stop: async () => {} };
  const store = await startEmbeddedMongo({ port: 0, ...options });
  return { uri: store.uri, dbName, embedded: true, stop: () => store.stop() };
}

/** A MongoTraceStore over a fresh test store, for tests of the store or of what uses it without a gateway. */
export interface TestStore {
  mongo: TestMongo;
  store: MongoTraceStore;
  /** Closes the store, then stops the test store. */
  stop(): Promise<void>;
}

/**
 * A store with a fixed clock (`now`) writes its documents' `expireAt` from that clock, while the embedded store's
 * TTL sweep runs on the real one: once the real date passes a fixture's fixed date plus its retention, a sweep
 * during the test (every 60 s) would delete the fixture under it. So with `now` given and no `ttlSweepMs`, the
 * embedded store sweeps once a day, that is never during a test. (On a real MongoDB, `MONGODB_URI`, its own TTL
 * monitor runs every 60 s whatever the tests ask: a test with a fixed clock there keeps its fixtures with a
 * retention reaching past the real clock.)
 */
const NO_SWEEP_DURING_A_TEST_MS = 86_400_000;

export async function startTestStore(options: Omit<MongoStoreOptions, 'uri' | 'dbName'> & { ttlSweepMs?: number }): Promise<TestStore> {
  const { ttlSweepMs, ...storeOptions } = options;
  const sweep = ttlSweepMs ?? (storeOptions.now !== undefined ? NO_SWEEP_DURING_A_TEST_MS : undefined);
  const mongo = await startTestMongo(sweep !== undefined ? { ttlSweepMs: sweep } : {});
  const store = new MongoTraceStore({ uri: mongo.uri, dbName: mongo.dbName, ...storeOptions });
  return {
    mongo,
    store,
    async stop() {
      await store.close();
      await mongo.stop();
    },
  };
}
