/**
 * Change-stream answers that must match MongoDB's: stage errors after `$changeStream`, the non-resumable label on a
 * pipeline that removes the resume token, and `disambiguatedPaths` on update events with showExpandedEvents.
 * Runs unchanged against a real MongoDB replica set.
 */
import { MongoServerError, type ChangeStream, type ChangeStreamUpdateDocument, type Document } from 'mongodb';
import { conformanceSuite, nextEvent } from './fixture';

/** Test documents carry literal `_id`s of any type (numbers, documents), which the driver's typings reject. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDoc = any;

const { t, streams } = conformanceSuite();
let n = 0;

async function freshCollection(docs: AnyDoc[] = []) {
  const c = t.db.collection<AnyDoc>(`fcs${++n}`);
  await t.db.createCollection(c.collectionName);
  if (docs.length > 0) await c.insertMany(docs);
  return c;
}

function watch(c: { watch: (p?: Document[], o?: Document) => ChangeStream }, pipeline: Document[] = [], options: Document = {}): ChangeStream {
  const s = c.watch(pipeline, { maxAwaitTimeMS: 200, ...options });
  streams.push(s);
  return s;
}

describe('stages after $changeStream', () => {
  const run = async (coll: string, pipeline: Document[]): Promise<MongoServerError> => {
    const err = await t.db.command({ aggregate: coll, pipeline, cursor: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof MongoServerError)) throw new Error(`expected a server error, got ${String(err)}`);
    return err;
  };

  test('an unknown stage answers 40324 (unrecognized), as in any pipeline', async () => {
    const c = await freshCollection();
    const err = await run(c.collectionName, [{ $changeStream: {} }, { $unsupported: 'foo' }]);
    expect(err.code).toBe(40324);
    expect(err.message).toMatch(/Unrecognized pipeline stage name: '\$unsupported'/);
  });

  test('a known stage that may not follow $changeStream answers 20 IllegalOperation', async () => {
    const c = await freshCollection();
    const err = await run(c.collectionName, [{ $changeStream: {} }, { $group: { _id: null } }]);
    expect(err.code).toBe(20);
    expect(err.message).toMatch(/\$group is not permitted in a \$changeStream pipeline/);
  });

  test('the driver surfaces an unknown stage from watch() with 40324', async () => {
    const c = await freshCollection();
    const stream = watch(c, [{ $unsupported: 'foo' }]);
    const err = await stream.tryNext().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect((err as MongoServerError).code).toBe(40324);
  });
});

describe('a pipeline that removes the resume token', () => {
  test('fails with 280 ChangeStreamFatalError labelled NonResumableChangeStreamError, and the driver does not resume', async () => {
    const c = await freshCollection();
    const stream = watch(c, [{ $project: { _id: 0 } }]);
    await stream.tryNext();
    await c.insertOne({ _id: 1 });
    const err = await nextEvent(stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    const server = err as MongoServerError;
    expect(server.code).toBe(280);
    expect(server.codeName).toBe('ChangeStreamFatalError');
    expect(server.hasErrorLabel('NonResumableChangeStreamError')).toBe(true);
    expect(stream.closed).toBe(true);
  });
});

describe('disambiguatedPaths on update events', () => {
  const updateEvent = async (doc: AnyDoc, update: Document, options: Document): Promise<ChangeStreamUpdateDocument> => {
    const c = await freshCollection([doc]);
    const stream = watch(c, [{ $match: { operationType: 'update' } }], options);
    await stream.tryNext();
    await c.updateOne({ _id: doc._id }, update);
    const event = await nextEvent(stream);
    expect(event.operationType).toBe('update');
    return event as ChangeStreamUpdateDocument;
  };

  test('absent without showExpandedEvents', async () => {
    const event = await updateEvent({ _id: 1, a: { 1: 1 } }, { $set: { 'a.1': 2 } }, {});
    expect(event.updateDescription.updatedFields).toEqual({ 'a.1': 2 });
    expect('disambiguatedPaths' in event.updateDescription).toBe(false);
  });

  test('with showExpandedEvents: a numeric field name is spelled out', async () => {
    const event = await updateEvent({ _id: 1, a: { 1: 1 } }, { $set: { 'a.1': 2 } }, { showExpandedEvents: true });
    expect(event.updateDescription.updatedFields).toEqual({ 'a.1': 2 });
    expect(event.updateDescription.disambiguatedPaths).toEqual({ 'a.1': ['a', '1'] });
  });

  test('with showExpandedEvents: array indexes are integers, field names strings', async () => {
    const event = await updateEvent({ _id: 1, a: [{ 1: 1 }] }, { $set: { 'a.0.1': 2 } }, { showExpandedEvents: true });
    expect(event.updateDescription.disambiguatedPaths).toEqual({ 'a.0.1': ['a', 0, '1'] });
  });

  test('with showExpandedEvents and no ambiguous path: an empty document', async () => {
    const event = await updateEvent({ _id: 1, a: { b: 1 }, l: [1, 2] }, { $set: { 'a.b': 2, 'l.1': 3 } }, { showExpandedEvents: true });
    expect(event.updateDescription.updatedFields).toEqual({ 'a.b': 2, 'l.1': 3 });
    expect(event.updateDescription.disambiguatedPaths).toEqual({});
  });
});

describe('collMod in a change stream', () => {
  test('with showExpandedEvents, enabling pre- and post-images is a modify event naming the option', async () => {
    const c = await freshCollection();
    const stream = watch(c, [], { showExpandedEvents: true });
    await stream.tryNext();
    await t.db.command({ collMod: c.collectionName, changeStreamPreAndPostImages: { enabled: true } });
    const event = (await nextEvent(stream)) as Document;
    expect(event.operationType).toBe('modify');
    expect(event.ns).toEqual({ db: t.db.databaseName, coll: c.collectionName });
    expect(event.operationDescription).toMatchObject({ changeStreamPreAndPostImages: { enabled: true } });
  });
});

describe('collMod of a TTL index in a change stream', () => {
  test('with showExpandedEvents it is one modify event naming the index and its new expireAfterSeconds', async () => {
    const c = await freshCollection();
    await c.createIndex({ at: 1 }, { expireAfterSeconds: 100, name: 'at_ttl' });
    const stream = watch(c, [], { showExpandedEvents: true });
    await stream.tryNext();
    await t.db.command({ collMod: c.collectionName, index: { name: 'at_ttl', expireAfterSeconds: 5 } });
    const event = (await nextEvent(stream)) as Document;
    expect(event.operationType).toBe('modify');
    expect(event.operationDescription).toMatchObject({ index: { name: 'at_ttl', expireAfterSeconds: 5 } });
  });
});

describe('renameCollection in a change stream', () => {
  test('a collection stream sees rename (with to) then invalidate; a database stream sees the rename', async () => {
    const c = await freshCollection([{ _id: 1 }]);
    const target = `fcs${++n}`;
    const collStream = watch(c);
    const dbStream = watch(t.db, [{ $match: { operationType: 'rename' } }]);
    await collStream.tryNext();
    await dbStream.tryNext();
    await c.rename(target);
    const renamed = (await nextEvent(collStream)) as Document;
    expect(renamed).toMatchObject({
      operationType: 'rename',
      ns: { db: t.db.databaseName, coll: c.collectionName },
      to: { db: t.db.databaseName, coll: target },
    });
    expect((await nextEvent(collStream)).operationType).toBe('invalidate');
    expect(await nextEvent(dbStream)).toMatchObject({ operationType: 'rename', to: { db: t.db.databaseName, coll: target } });
  });

  test('the renamed collection keeps its UUID and documents', async () => {
    const c = await freshCollection([{ _id: 1 }, { _id: 2 }]);
    const target = `fcs${++n}`;
    const before = (await t.db.listCollections({ name: c.collectionName }).toArray())[0] as Document;
    await c.rename(target);
    const after = (await t.db.listCollections({ name: target }).toArray())[0] as Document;
    expect(after.info.uuid.toString('hex')).toBe(before.info.uuid.toString('hex'));
    expect(await t.db.collection(target).countDocuments()).toBe(2);
  });
});
