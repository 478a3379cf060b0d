/**
 * Index definitions, created at start and idempotently (createIndexes with the same spec is a no-op).
 * TTL indexes expire on `expireAt` (server receive time + retention) with expireAfterSeconds 0, so a
 * change of retention applies to new writes without rebuilding the index.
 */
import { MongoServerError, type Db, type IndexDescription } from 'mongodb';
import { log, type Logger } from '../../log';
import { Collections } from './documents';

export const INDEXES: Record<keyof typeof Collections, IndexDescription[]> = {
  spans: [
    { key: { traceId: 1, spanId: 1 }, name: 'trace_span_unique', unique: true },
    // A service's spans: the erasure of traces recounts the services it touched from their remaining spans.
    { key: { service: 1, startUs: -1 }, name: 'service_start' },
    { key: { expireAt: 1 }, name: 'retention_ttl', expireAfterSeconds: 0 },
  ],
  traces: [
    { key: { startUs: -1, _id: -1 }, name: 'start' },
    { key: { durationUs: -1, _id: -1 }, name: 'duration' },
    // A service's traces in a search page's order, (start time, trace id) either way: the page's sort and its
    // cursor's range are one index range, so a page reads about its own size of entries (services holds no
    // duplicates, and start time and trace id are never arrays, so the index gives the order, on MongoDB too).
    { key: { services: 1, startUs: -1, _id: -1 }, name: 'services_start_id' },
    // An operation's traces (of a service), in the same order: keyed per (service, operation) pair of the trace,
    // with its start time and id; one $elemMatch fixing both gives the page's sort and cursor range.
    { key: { 'svcOps.o': 1, 'svcOps.s': 1, startUs: -1, _id: -1 }, name: 'operations_start_id' },
    // An attribute's traces in the same order (one $elemMatch fixing key and value).
    { key: { 'attrs.k': 1, 'attrs.v': 1, startUs: -1, _id: -1 }, name: 'attrs_start_id' },
    { key: { expireAt: 1 }, name: 'retention_ttl', expireAfterSeconds: 0 },
  ],
  services: [{ key: { expireAt: 1 }, name: 'retention_ttl', expireAfterSeconds: 0 }],
};

/**
 * Indexes of earlier versions and the index of INDEXES that replaces each, by collection; `null`: none, no query
 * reads the index any more and it is only dropped. `services_start` (services, startUs) and `operations`
 * (svcOps.o, svcOps.s) did not order the traces they find by (start time, trace id), so every search page by
 * service, or by service and operation, sorted all the matching traces after its cursor in memory. The spans'
 * `attrs` (attrs.k, attrs.v) served no query (searches by attribute read the trace summaries' `attrs_start_id`)
 * and cost an index entry per attribute of every stored span.
 */
export const OBSOLETE_INDEXES: Partial<Record<keyof typeof Collections, ReadonlyArray<{ name: string; replacedBy: string | null }>>> = {
  spans: [{ name: 'attrs', replacedBy: null }],
  traces: [
    { name: 'services_start', replacedBy: 'services_start_id' },
    { name: 'operations', replacedBy: 'operations_start_id' },
    { name: 'attrs', replacedBy: 'attrs_start_id' },
  ],
};

/** What setting up the indexes changed: indexes built over a collection that already had indexes, and indexes dropped. */
export interface IndexChanges {
  built: Array<{ collection: string; names: string[]; ms: number }>;
  dropped: Array<{ collection: string; name: string }>;
}

/** The indexes set up for the store's operations, and the replacement of earlier ones still going on. */
export interface IndexSetup {
  changes: IndexChanges;
  /**
   * Settles (never rejects) once every index that replaces an earlier one is built and the earlier one dropped.
   * A failure is logged: the earlier index keeps serving (slower) and the next start tries again.
   */
  replacing: Promise<void>;
}

const MONGO_NAMESPACE_NOT_FOUND = 26;
const MONGO_INDEX_NOT_FOUND = 27;

/**
 * Creates every index of INDEXES (each collection's in one createIndexes: a no-op for those that exist). An index
 * that replaces an earlier one still present is built afterwards, without holding up the store's operations (the
 * earlier index answers their queries meanwhile), and the earlier one is dropped once it is built; one that nothing
 * replaces is dropped in the same background step, after the collection's indexes are created. Safe when several
 * gateways start at once: creating an index that exists or is being built with the same spec is a no-op or waits
 * for that build, and an earlier index another instance dropped first is skipped. Builds over existing documents and
 * drops are logged with their durations.
 */
export async function setUpIndexes(db: Db, logger: Logger = log.child('store')): Promise<IndexSetup> {
  const changes: IndexChanges = { built: [], dropped: [] };
  const replacements: Array<() => Promise<void>> = [];
  for (const [collection, indexes] of Object.entries(INDEXES) as Array<[keyof typeof Collections, IndexDescription[]]>) {
    const existing = await indexNames(db, collection);
    const earlier = (OBSOLETE_INDEXES[collection] ?? []).filter((o) => existing.has(o.name));
    const later = new Set(earlier.flatMap((o) => (o.replacedBy === null ? [] : [o.replacedBy])));
    await build(db, logger, changes, collection, indexes.filter((i) => !later.has(i.name!)), existing);
    if (earlier.length === 0) continue;
    replacements.push(async () => {
      await build(db, logger, changes, collection, indexes.filter((i) => later.has(i.name!)), existing);
      for (const { name } of earlier) {
        try {
          await db.collection(collection).dropIndex(name);
          changes.dropped.push({ collection, name });
          logger.info('dropped an index of an earlier version', { collection, index: name });
        } catch (error) {
          // Another gateway starting at the same time dropped it first.
          if (!(error instanceof MongoServerError && error.code === MONGO_INDEX_NOT_FOUND)) throw error;
        }
      }
    });
  }
  const replacing = (async () => {
    for (const replace of replacements) await replace();
  })().catch((error: unknown) => {
    logger.warn('could not replace or drop an index of an earlier version: it stays (an earlier search index keeps answering searches, slower) until the next start tries again', { error: String(error) });
  });
  return { changes, replacing };
}

/** `setUpIndexes`, waiting for the replacements as well. */
export async function ensureIndexes(db: Db, logger: Logger = log.child('store')): Promise<IndexChanges> {
  const setup = await setUpIndexes(db, logger);
  await setup.replacing;
  return setup.changes;
}

// Private: creates `indexes` on `collection` (one createIndexes), logging a build over existing documents.
async function build(db: Db, logger: Logger, changes: IndexChanges, collection: string, indexes: IndexDescription[], existing: ReadonlySet<string>): Promise<void> {
  if (indexes.length === 0) return;
  const missing = indexes.map((i) => i.name!).filter((name) => !existing.has(name));
  // A collection without indexes is new: nothing to build over.
  const building = existing.size > 0 && missing.length > 0;
  if (building) logger.info('building indexes over the existing documents', { collection, indexes: missing });
  const started = performance.now();
  await db.collection(collection).createIndexes(indexes);
  if (!building) return;
  const ms = Math.round(performance.now() - started);
  changes.built.push({ collection, names: missing, ms });
  logger.info('built indexes', { collection, indexes: missing, ms });
}

// Private: the names of a collection's indexes (none when the collection does not exist yet).
async function indexNames(db: Db, collection: string): Promise<Set<string>> {
  try {
    const list = await db.collection(collection).listIndexes().toArray();
    return new Set(list.map((i) => i.name as string));
  } catch (error) {
    if (error instanceof MongoServerError && error.code === MONGO_NAMESPACE_NOT_FOUND) return new Set();
    throw error;
  }
}
