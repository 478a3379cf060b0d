/**
 * Unordered inserts sent as the server's `insert` command through the driver (`db.command`), rather than through
 * `insertMany`, whose bulk-write machinery builds an operation object per document, serializes each document on
 * its own into a buffer of its own and then copies those into the message, and builds a result with every
 * inserted `_id`. Here the documents are serialized once, as part of the command, and the reply is read as the
 * server sent it.
 *
 * What `insertMany(docs, { ordered: false })` guarantees is kept:
 * - the collection's write concern is sent with every command; a write-concern error in a reply fails the insert
 *   (STORE_UNAVAILABLE: the documents may be stored but not as durably as configured; a re-send is idempotent);
 * - per-document write errors (a duplicate key, say) come back by position in `docs`, all of them, every other
 *   document having been stored; a command the server refuses as a whole fails the insert;
 * - documents are split into commands within the server's limits (`maxWriteBatchSize` documents, and
 *   `maxBsonObjectSize` bytes of command, from its `hello`), sent one after the other, each split on an upper bound
 *   of a document's BSON size that costs no serialization (a document whose bound alone is over the limit is
 *   measured exactly);
 * - the driver's retryable write (MongoDB "Retryable Writes" spec): when the client has `retryWrites` on (the
 *   driver's default), the write concern is acknowledged and the server supports it (its `hello` carries
 *   `logicalSessionTimeoutMinutes` and it is a replica set member or a mongos, or the client is load balanced),
 *   each command goes with an explicit session's `lsid` and a `txnNumber` taken from that server session's own
 *   count (so the driver, reusing the session later, never repeats a number). A command that fails with an error
 *   the driver labels `RetryableWriteError` (a network error, a primary stepping down) is sent once more, the same
 *   `lsid` and `txnNumber` with it: the server runs it at most once and answers the retry with the first run's
 *   outcome, so documents the lost attempt stored count as inserted, not as duplicates. If the retry fails too,
 *   the insert fails with the first error (or the retry's, if it says writes were performed), which the caller
 *   reports as STORE_UNAVAILABLE. With `retryWrites=false`, an unacknowledged write concern or a standalone server,
 *   each command is sent once and such an error fails the insert.
 */
import { calculateObjectSize } from 'bson';
import { Long, MongoError, MongoErrorLabel, type ClientSession, type Collection, type Db, type Document } from 'mongodb';
import { ErrorCode, TracegateError } from '../../errors';
import { log } from '../../log';

/** A document the server refused, by its position in the inserted list. */
export interface InsertRefusal {
  index: number;
  code: number | undefined;
  message: string;
}

/** What one insert command may hold. */
export interface InsertLimits {
  maxDocuments: number;
  maxBytes: number;
}

/** Room left in a command for its other fields (name, options, session, write concern) besides the documents. */
const COMMAND_ROOM = 16 * 1024;
/** What a server's hello leaves out is taken as MongoDB's own limits (as the driver does). */
const DEFAULT_LIMITS: InsertLimits = { maxDocuments: 100_000, maxBytes: 16 * 1024 * 1024 };

const logger = log.child('store');

/** What the server's hello says about inserts: its limits, and whether it supports retryable writes. */
interface ServerTraits extends InsertLimits {
  retryableWrites: boolean;
}

const traitsByDb = new WeakMap<Db, Promise<ServerTraits>>();

/** The server's limits for one insert command, asked once per database handle (again after a failure). */
export async function insertLimits(db: Db): Promise<InsertLimits> {
  const { maxDocuments, maxBytes } = await serverTraits(db);
  return { maxDocuments, maxBytes };
}

// Private: the server's hello, read once per database handle (again after a failure). Retryable writes as the
// driver decides them (`supportsRetryableWrites`): a load-balanced client, or a server with logical sessions
// that is not a standalone (a replica set member names its set, a mongos says `isdbgrid`).
function serverTraits(db: Db): Promise<ServerTraits> {
  let traits = traitsByDb.get(db);
  if (!traits) {
    traits = db.command({ hello: 1 }).then(
      (hello) => ({
        maxDocuments: typeof hello.maxWriteBatchSize === 'number' && hello.maxWriteBatchSize > 0 ? hello.maxWriteBatchSize : DEFAULT_LIMITS.maxDocuments,
        maxBytes: typeof hello.maxBsonObjectSize === 'number' && hello.maxBsonObjectSize > 0 ? hello.maxBsonObjectSize : DEFAULT_LIMITS.maxBytes,
        retryableWrites:
          db.client.options.loadBalanced === true ||
          (hello.logicalSessionTimeoutMinutes != null && (typeof hello.setName === 'string' || hello.msg === 'isdbgrid')),
      }),
      (error: unknown) => {
        traitsByDb.delete(db);
        throw error;
      },
    );
    traitsByDb.set(db, traits);
  }
  return traits;
}

/**
 * Inserts `docs` unordered into `collection`; resolves with the refused ones by position (empty when all were
 * stored). Throws the driver's error when a command fails as a whole, and STORE_UNAVAILABLE when a reply carries a
 * write-concern error (the earlier commands' documents, and maybe this one's, are stored).
 */
export async function insertUnordered<T extends Document>(
  collection: Collection<T>,
  docs: readonly T[],
  /** An upper bound of a document's BSON size (bsonSizeBound, or a cheaper one that knows the shape). */
  sizeBound: (doc: T) => number = bsonSizeBound,
  limits?: InsertLimits,
): Promise<InsertRefusal[]> {
  if (docs.length === 0) return [];
  const db = collection.db;
  const traits = await serverTraits(db);
  const { maxDocuments, maxBytes } = limits ?? traits;
  const writeConcern = writeConcernDocument(collection as unknown as Collection<Document>);
  const session =
    traits.retryableWrites && db.client.options.retryWrites && writeConcern?.w !== 0 ? db.client.startSession({ causalConsistency: false }) : null;
  try {
    return await insertParts(collection, docs, sizeBound, maxDocuments, maxBytes, writeConcern, session);
  } finally {
    if (session) await session.endSession();
  }
}

// Private: the commands of one insert, one after the other, each retried once when `session` is given.
async function insertParts<T extends Document>(
  collection: Collection<T>,
  docs: readonly T[],
  sizeBound: (doc: T) => number,
  maxDocuments: number,
  maxBytes: number,
  writeConcern: Document | null,
  session: ClientSession | null,
): Promise<InsertRefusal[]> {
  const db = collection.db;
  const refused: InsertRefusal[] = [];
  const room = maxBytes - COMMAND_ROOM;
  let start = 0;
  while (start < docs.length) {
    // The largest run from `start` whose bounds fit (at least one document).
    let end = start;
    let bytes = 0;
    while (end < docs.length && end - start < maxDocuments) {
      const doc = docs[end]!;
      let size = sizeBound(doc);
      if (size > room) size = calculateObjectSize(doc);
      if (end > start && bytes + size > room) break;
      bytes += size;
      end += 1;
    }
    const part = start === 0 && end === docs.length ? docs : docs.slice(start, end);
    const command: Document = { insert: collection.collectionName, documents: part, ordered: false };
    if (writeConcern) command.writeConcern = writeConcern;
    const reply = session ? await commandRetried(db, command, collection.bsonOptions, session) : await db.command(command, collection.bsonOptions);
    if (Array.isArray(reply.writeErrors)) {
      for (const w of reply.writeErrors as { index: number; code?: unknown; errmsg?: unknown }[]) {
        refused.push({ index: start + w.index, code: typeof w.code === 'number' ? w.code : undefined, message: typeof w.errmsg === 'string' ? w.errmsg : 'write refused' });
      }
    }
    const wce = reply.writeConcernError as { code?: unknown; errmsg?: unknown } | undefined;
    if (wce) {
      logger.warn('store unavailable: write concern not satisfied', { collection: collection.collectionName, code: wce.code, message: wce.errmsg });
      throw new TracegateError(ErrorCode.STORE_UNAVAILABLE, 'The trace store is unavailable; retry later');
    }
    start = end;
  }
  return refused;
}

// Private: `command` as a retryable write in `session` (as the driver's executeOperation runs one): the server
// session's transaction number advanced by one and sent with the command, and the command sent once more, the
// same number with it, after an error labelled RetryableWriteError. Of two errors the first one is thrown, unless
// the retry's does not say that no writes were performed.
async function commandRetried(db: Db, command: Document, bsonOptions: Collection['bsonOptions'], session: ClientSession): Promise<Document> {
  const serverSession = session.serverSession;
  serverSession.txnNumber += 1;
  command.txnNumber = Long.fromNumber(serverSession.txnNumber);
  const options = { ...bsonOptions, session };
  try {
    return await db.command(command, options);
  } catch (first) {
    if (!(first instanceof MongoError) || !(first.hasErrorLabel(MongoErrorLabel.RetryableWriteError) || first.hasErrorLabel(MongoErrorLabel.PoolRequestedRetry))) throw first;
    logger.warn('store write retried', { collection: command.insert, error: first.message });
    try {
      return await db.command(command, options);
    } catch (second) {
      throw second instanceof MongoError && !second.hasErrorLabel(MongoErrorLabel.NoWritesPerformed) ? second : first;
    }
  }
}

// Private: the write concern the collection is configured with, as the command sends it (absent: the server's
// default, as for the driver).
function writeConcernDocument(collection: Collection<Document>): Document | null {
  const wc = collection.writeConcern;
  if (!wc) return null;
  const out: Document = {};
  if (wc.w !== undefined) out.w = wc.w;
  if (wc.wtimeoutMS !== undefined) out.wtimeout = wc.wtimeoutMS;
  if (wc.journal !== undefined) out.j = wc.journal;
  return Object.keys(out).length > 0 ? out : null;
}

/** Key bytes of an array element: its index in decimal; counted as this many for any array of fewer than 10^7. */
const INDEX_KEY_BYTES = 7;

/**
 * An upper bound of `value`'s BSON size as a document (or of one element's value), from string lengths only:
 * a UTF-16 code unit is at most 3 bytes of UTF-8, every element costs its type byte, its key and its key's NUL,
 * a string its length prefix and NUL, a number, date or timestamp 8 bytes, a document or array its length prefix
 * and NUL. Values of other types are measured exactly.
 */
export function bsonSizeBound(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return 5 + 3 * value.length;
    case 'number':
    case 'bigint':
      return 8;
    case 'boolean':
      return 1;
    case 'undefined':
      return 0;
    case 'object': {
      if (value === null) return 0;
      if (Array.isArray(value)) {
        let size = 5;
        for (let i = 0; i < value.length; i++) size += 2 + INDEX_KEY_BYTES + bsonSizeBound(value[i]);
        return size;
      }
      if (value instanceof Date) return 8;
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return calculateObjectSize({ v: value }) - 8;
      let size = 5;
      for (const key in value) size += 2 + 3 * key.length + bsonSizeBound((value as Record<string, unknown>)[key]);
      return size;
    }
    default:
      return calculateObjectSize({ v: value }) - 8;
  }
}
