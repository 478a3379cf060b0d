/**
 * ChangeStreamSource against the embedded store over the official driver: its own re-open from the last resume
 * token when the driver gives up (here: the reader's client is closed under the stream, which the driver does
 * not resume), retrying until the client is connected again.
 */
import { MongoClient, type Document } from 'mongodb';
import { ChangeStreamSource, type LiveSpan } from '../../src/live';
import { createLogger } from '../../src/log';
import { startTestMongo, type TestMongo } from '../helpers/mongo';
import { eventually } from '../helpers/eventually';


describe('ChangeStreamSource', () => {
  let mongo: TestMongo;
  let reader: MongoClient;
  let writer: MongoClient;

  beforeAll(async () => {
    mongo = await startTestMongo();
    reader = await MongoClient.connect(mongo.uri);
    writer = await MongoClient.connect(mongo.uri);
  });
  afterAll(async () => {
    await reader?.close();
    await writer?.close();
    await mongo?.stop();
  });

  it('re-opens from its last resume token after the driver gave up: nothing missed, nothing repeated', async () => {
    const lines: string[] = [];
    const got: string[] = [];
    const source = new ChangeStreamSource<LiveSpan>({
      collection: reader.db(mongo.dbName).collection<Document>('spans'),
      toSpan: (doc) => doc as unknown as LiveSpan,
      log: createLogger('info', 'live', (l) => lines.push(l)),
    });
    await source.open((spans) => got.push(...spans.map((s) => s.spanId)));
    const spans = writer.db(mongo.dbName).collection<{ _id: string } & Document>('spans');
    const doc = (spanId: string) => ({ _id: spanId, traceId: 't', spanId, service: 's', operation: 'o', status: 'OK', durationUs: 1 });
    try {
      await spans.insertMany([doc('a'), doc('b')]);
      await eventually(() => got.length === 2, 'the first two');

      await reader.close(); // the stream's pending getMore fails; the driver does not resume a closed client
      await spans.insertMany([doc('c'), doc('d'), doc('e')]);
      await eventually(() => lines.some((l) => l.includes('re-opening the change stream failed')), 'a failed re-open while the client is down');
      await reader.connect(); // the connection comes back: the next retry succeeds
      await eventually(() => source.resumeCount === 1, 'the source to re-open the stream', { state: () => lines.join('\n') });
      await spans.insertOne(doc('f'));
      await eventually(() => got.includes('f'), 'the span after the re-open');
      expect(got).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
      expect(lines.join('\n')).toMatch(/WARN \[live\] change stream interrupted; re-opening from the last resume token/);
      expect(lines.join('\n')).toMatch(/INFO \[live\] change stream resumed resumes=1/);
    } finally {
      await source.close();
    }
  });
});
