/**
 * Wait notes: none for a child whose parent is already stored; removing resolved ones whole when unchanged since
 * the read, list by list when a child was noted meanwhile.
 */
import { MongoClient, type Collection } from 'mongodb';
import { EDGE_WAITS_COLLECTION, type WaitDoc } from '../../src/analytics/documents';
import { countableEdges, removeResolved, type PairSpan } from '../../src/analytics/edges';
import type { SpanCore } from '../../src/domain';
import { Collections, spanDocId } from '../../src/store';
import { startTestMongo, type TestMongo } from '../helpers/mongo';

describe('edge wait notes', () => {
  let mongo: TestMongo;
  let client: MongoClient;
  let waits: Collection<WaitDoc>;
  const expireAt = new Date(Date.now() + 60_000);

  beforeAll(async () => {
    mongo = await startTestMongo();
    client = new MongoClient(mongo.uri);
    waits = client.db(mongo.dbName).collection<WaitDoc>(EDGE_WAITS_COLLECTION);
  });
  afterAll(async () => {
    await client?.close();
    await mongo?.stop();
  });

  it('deletes a note all of whose lists were resolved when it is as read, else removes only the resolved lists', async () => {
    await waits.insertMany([
      { _id: 'a'.repeat(32), w: { '00000000000000a1': ['00000000000000c1'] }, expireAt },
      { _id: 'b'.repeat(32), w: { '00000000000000b1': ['00000000000000c2'], '00000000000000b2': ['00000000000000c3'] }, expireAt },
      { _id: 'c'.repeat(32), w: { '00000000000000d1': ['00000000000000c4'] }, expireAt },
    ]);
    const [a, b, c] = await waits.find({}).sort({ _id: 1 }).toArray();
    // Meanwhile another child was noted in c (a list of a parent this call did not insert) and in a (a second
    // child of the same parent).
    await waits.updateOne({ _id: c!._id }, { $addToSet: { 'w.00000000000000d2': { $each: ['00000000000000c5'] } } });
    await waits.updateOne({ _id: a!._id }, { $addToSet: { 'w.00000000000000a1': { $each: ['00000000000000c6'] } } });
    await removeResolved(waits, [
      { note: a!, lists: { 'w.00000000000000a1': '' }, all: true },
      { note: b!, lists: { 'w.00000000000000b1': '' }, all: false },
      { note: c!, lists: { 'w.00000000000000d1': '' }, all: true },
    ]);
    const left = await waits.find({}, { projection: { expireAt: 0 } }).sort({ _id: 1 }).toArray();
    // a: changed since the read, its resolved list removed and the emptied note deleted (the child noted meanwhile
    // finds its parent itself); b: the other list stays; c: the list noted meanwhile stays.
    expect(left).toEqual([
      { _id: 'b'.repeat(32), w: { '00000000000000b2': ['00000000000000c3'] } },
      { _id: 'c'.repeat(32), w: { '00000000000000d2': ['00000000000000c5'] } },
    ]);
  });

  it('deletes unchanged notes with one delete command', async () => {
    const d = { _id: 'd'.repeat(32), w: { '00000000000000e1': ['00000000000000f1', '00000000000000f2'] }, expireAt };
    await waits.insertOne(d);
    const [read] = await waits.find({ _id: d._id }).toArray();
    const commands: string[] = [];
    const listener = (e: { commandName: string }) => {
      if (e.commandName !== 'endSessions') commands.push(e.commandName);
    };
    const observed = new MongoClient(mongo.uri, { monitorCommands: true });
    observed.on('commandStarted', listener);
    try {
      await removeResolved(observed.db(mongo.dbName).collection<WaitDoc>(EDGE_WAITS_COLLECTION), [{ note: read!, lists: { 'w.00000000000000e1': '' }, all: true }]);
    } finally {
      await observed.close();
    }
    expect(commands).toEqual(['delete']);
    expect(await waits.countDocuments({ _id: d._id })).toBe(0);
  });

  it('counts a child whose parent is already stored without a wait note or a claim: two lookups, no write', async () => {
    const traceId = 'e'.repeat(32);
    const core = (spanId: string, parentSpanId: string | null, service: string): SpanCore => ({
      traceId,
      spanId,
      parentSpanId,
      service,
      operation: 'op',
      kind: 'SERVER',
      startUs: 1_700_000_000_000_000,
      endUs: 1_700_000_000_000_050,
      durationUs: 50,
      status: 'OK',
    });
    const parent = core('00000000000000a1', null, 'front');
    const child = core('00000000000000b1', parent.spanId, 'back');
    await client
      .db(mongo.dbName)
      .collection<PairSpan & { _id: string }>(Collections.spans)
      .insertOne({ _id: spanDocId(traceId, parent.spanId), traceId, spanId: parent.spanId, parentSpanId: null, service: 'front', startUs: parent.startUs, durationUs: 50, status: 'OK' });
    const commands: string[] = [];
    const observed = new MongoClient(mongo.uri, { monitorCommands: true });
    observed.on('commandStarted', (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.commandName !== 'endSessions') commands.push(`${e.commandName} ${String(e.command[e.commandName])}`);
    });
    try {
      const edges = await countableEdges(observed.db(mongo.dbName), [child], expireAt);
      expect(edges).toEqual([{ source: 'front', child }]);
    } finally {
      await observed.close();
    }
    expect(commands.sort()).toEqual([`find ${EDGE_WAITS_COLLECTION}`, `find ${Collections.spans}`]);
    expect(await waits.countDocuments({ _id: traceId })).toBe(0);
  });
});
