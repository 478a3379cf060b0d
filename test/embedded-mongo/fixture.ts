/**
 * A driver connected to the store under test (MONGODB_URI or a fresh embedded store), with a unique database
 * dropped at the end. Conformance tests use only this: they run unchanged against a real MongoDB.
 */
import { MongoBulkWriteError, MongoClient, MongoServerError, type ChangeStream, type ChangeStreamDocument, type Db, type Document, type WriteError } from 'mongodb';
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

/** The server error `p` fails with; throws when it succeeds or fails otherwise. */
export async function failure(p: Promise<unknown>): Promise<MongoServerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof MongoServerError)) throw new Error(`expected a server error, got ${String(err)}`);
  return err;
}

/** The bulk write error `p` fails with, and its write errors as a list; throws when it succeeds or fails otherwise. */
export async function bulkFailure(p: Promise<unknown>): Promise<{ bulk: MongoBulkWriteError; writeErrors: WriteError[] }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof MongoBulkWriteError)) throw new Error(`expected a bulk write error, got ${String(err)}`);
  return { bulk: err, writeErrors: Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors] };
}
