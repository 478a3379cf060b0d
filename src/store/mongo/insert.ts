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
 *   measured exactly).
 * What it does not do is the driver's retryable write: after a network error or a primary stepping down the
 * driver re-sends an `insertMany` once, and the server runs it at most once. Here such an error fails the
 * insert, and the caller's re-send (idempotent: what was stored comes back as duplicates) stores the rest.
 */
import { calculateObjectSize } from 'bson';
import type { Collection, Db, Document } from 'mongodb';
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

const limitsByDb = new WeakMap<Db, Promise<InsertLimits>>();

/** The server's limits for one insert command, asked once per database handle (again after a failure). */
export function insertLimits(db: Db): Promise<InsertLimits> {
  let limits = limitsByDb.get(db);
  if (!limits) {
    limits = db.command({ hello: 1 }).then(
      (hello) => ({
        maxDocuments: typeof hello.maxWriteBatchSize === 'number' && hello.maxWriteBatchSize > 0 ? hello.maxWriteBatchSize : DEFAULT_LIMITS.maxDocuments,
        maxBytes: typeof hello.maxBsonObjectSize === 'number' && hello.maxBsonObjectSize > 0 ? hello.maxBsonObjectSize : DEFAULT_LIMITS.maxBytes,
      }),
      (error: unknown) => {
        limitsByDb.delete(db);
        throw error;
      },
    );
    limitsByDb.set(db, limits);
  }
  return limits;
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
  const { maxDocuments, maxBytes } = limits ?? (await insertLimits(db));
  const writeConcern = writeConcernDocument(collection as unknown as Collection<Document>);
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
    const reply = await db.command(command, collection.bsonOptions);
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
