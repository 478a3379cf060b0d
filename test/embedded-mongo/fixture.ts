/**
 * A driver connected to the store under test (MONGODB_URI or a fresh embedded store), with a unique database
 * dropped at the end. Conformance tests use only this: they run unchanged against a real MongoDB.
 */
import { MongoClient, type Db } from 'mongodb';
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
