/**
 * A driver connected to the store under test (MONGODB_URI or a fresh embedded store), with a unique database
 * dropped at the end. Conformance tests use only this: they run unchanged against a real MongoDB.
 */
import { MongoClient, type ChangeStream, type ChangeStreamDocument, type Db, type Document } from 'mongodb';
import { startTestMongo, type TestMongo } from '../helpers/mongo';

export interface Conformance {
  client: MongoClient;
  db: Db;
  mongo: TestMongo;
  close(): Promise<void>;
}

export async function openConformance(options: { ttlSweepMs?: number } = {}): Promise<Conformance> {
  const mongo = await startTestMongo(options);
  const client = await MongoClient.connect(mongo.uri, { serverSelectionTimeoutMS: 5000 });
  const db = client.db(mongo.dbName);
  return {
    client,
    db,
    mongo,
    async close() {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
      await mongo.stop();
    },
  };
}

/**
 * A test file's conformance fixture: opened before its tests, closed after them together with the change streams
 * its tests pushed onto `streams`. `t` reads through to the fixture once it is open.
 */
export function conformanceSuite(): { t: Conformance; streams: ChangeStream[] } {
  let opened: Conformance | undefined;
  const streams: ChangeStream[] = [];
  const current = (): Conformance => {
    if (!opened) throw new Error('the conformance fixture opens in beforeAll: use it inside a test');
    return opened;
  };
  const t: Conformance = {
    get client() {
      return current().client;
    },
    get db() {
      return current().db;
    },
    get mongo() {
      return current().mongo;
    },
    close: () => current().close(),
  };
  beforeAll(async () => {
    opened = await openConformance();
  });
  afterAll(async () => {
    for (const s of streams) await s.close().catch(() => undefined);
    await opened?.close();
  });
  return { t, streams };
}

/** Bounded wait for the next change event (or the stream's error): fails the test instead of hanging it. */
export async function nextEvent<T extends Document>(stream: ChangeStream<T>, ms = 25_000): Promise<ChangeStreamDocument<T>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      stream.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no change event within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
