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

export async function startTestStore(options: Omit<MongoStoreOptions, 'uri' | 'dbName'> & { ttlSweepMs?: number }): Promise<TestStore> {
  const { ttlSweepMs, ...storeOptions } = options;
  const mongo = await startTestMongo(ttlSweepMs !== undefined ? { ttlSweepMs } : {});
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
