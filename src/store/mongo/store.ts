/**
 * TraceStore on MongoDB through the official driver: a real server when MONGODB_URI is set, otherwise the
 * embedded wire-compatible store. See ../types.ts for the contract.
 */
import { MongoClient, type Collection, type Db, type Document, type MongoClientOptions } from 'mongodb';
import { compareSpans, type SpanRecord } from '../../domain';
import { log } from '../../log';
import { counter, histogram, secondsSince } from '../../metrics';
import { decodeCursor, encodeCursor } from '../cursor';
import {
  MAX_SERVICES_LISTED,
  spanKeyString,
  type EraseOptions,
  type EraseOutcome,
  type InsertOutcome,
  type InsertOptions,
  type InsertedSpans,
  type ServiceRecord,
  type SpanChangeFeed,
  type SpanKey,
  type SpanReadOptions,
  type StoredSpan,
  type TracePage,
  type TraceQuery,
  type TraceSearch,
  type TraceStore,
  type TraceSummary,
} from '../types';
import {
  Collections,
  fromServiceDoc,
  fromSpanDoc,
  fromTraceDoc,
  spanDocId,
  spanDocSizeBound,
  spanDocSummary,
  toSpanDoc,
  type ServiceDoc,
  type SpanDocSummary,
  type SpanDoc,
  type TraceDoc,
} from './documents';
import { DUPLICATE_KEY, LOOKUP_BATCH_SIZE } from './constants';
import { toStoreError } from './errors';
import { findAll, spanRead } from './query';
import { UNAVAILABLE_SERVER_CODES } from '../../error-edge';
import { ErrorCode, TracegateError } from '../../errors';
import { eraseTraces } from './erase';
import { setUpIndexes } from './indexes';
import { DEFAULT_SEARCH_TUNING, readSearchPage, sortField, TRACE_READ_PROJECTION, traceRead, type SearchTuning } from './query';
import { GroupCommit } from '../group-commit';
import { insertUnordered, type InsertRefusal } from './insert';
import { SUMMARY_SOURCE_PROJECTION, updateSummaryGroup, type SummaryPart } from './summaries';

export { DUPLICATE_KEY, LOOKUP_BATCH_SIZE } from './constants';

export interface MongoStoreOptions {
  uri: string;
  dbName: string;
  /** How long stored spans and summaries live after receipt. */
  retentionMs: number;
  /** Bound on waiting for a reachable server before STORE_UNAVAILABLE (driver serverSelectionTimeoutMS). */
  serverSelectionTimeoutMs?: number;
  /**
   * Bound on waiting for one reply on a connection (driver socketTimeoutMS): a store that accepts
   * connections but stopped answering fails requests with STORE_UNAVAILABLE instead of hanging them.
   * Must stay well above change streams' await time (about 1 s). Default 30 s.
   */
  socketTimeoutMs?: number;
  /** Extra driver options (tests pass `monitorCommands: true`, which is on by default here). */
  clientOptions?: MongoClientOptions;
  /** The server clock, in ms (tests pin it). */
  now?: () => number;
  /** Time each operation and count its failures in the process's metrics (default true). */
  metrics?: boolean;
  /** How search pages read (tests lower the bounds to reach every path with few traces). */
  searchTuning?: Partial<SearchTuning>;
}

const operationDuration = histogram('tracegate_store_operation_duration_seconds', 'store operations (each one or a few driver commands) by operation, successful or not', ['operation']);
const operationErrors = counter('tracegate_store_errors_total', 'failed store operations by operation and kind (unavailable: the store could not be reached or did not answer)', ['operation', 'kind']);

const logger = log.child('store');

/** Operations that write: their outcome sets whether the store counts as writable (`ping`). */
const WRITE_OPERATIONS: ReadonlySet<string> = new Set(['insertSpans', 'probeWrite', 'deleteTraces']);
/** Where the readiness probe writes, once writes failed. */
const PROBE_COLLECTION = 'tracegate_probe';
/** What one readiness probe writes: 64 KiB, about a batch of 100 spans. */
const PROBE_ROOM = 'x'.repeat(64 * 1024);

export class MongoTraceStore implements TraceStore {
  /** The driver connection; listen to `commandStarted` to count store round trips. */
  readonly client: MongoClient;
  readonly db: Db;
  private readonly retentionMs: number;
  private readonly now: () => number;
  private indexesReady: Promise<void> | null = null;
  private connected: Promise<void> | null = null;
  private readonly metrics: boolean;
  private readonly searchTuning: SearchTuning;
  /** Set when a write failed with STORE_UNAVAILABLE; cleared by the next write that succeeds (ping probes one). */
  private writesFailing = false;
  /**
   * The summaries of concurrent inserts, written together: one group's statements in flight at a time, the next
   * group collected meanwhile (each insert stored its spans before it joins).
   */
  private readonly summaries = new GroupCommit<SummaryPart>((parts) => updateSummaryGroup(this.db, parts));

  constructor(options: MongoStoreOptions) {
    const selection = options.serverSelectionTimeoutMs ?? 2500;
    this.client = new MongoClient(options.uri, {
      appName: 'tracegate',
      monitorCommands: true,
      serverSelectionTimeoutMS: selection,
      connectTimeoutMS: selection,
      socketTimeoutMS: options.socketTimeoutMs ?? 30_000,
      ignoreUndefined: true,
      ...options.clientOptions,
    });
    this.db = this.client.db(options.dbName);
    this.retentionMs = options.retentionMs;
    this.now = options.now ?? Date.now;
    this.metrics = options.metrics ?? true;
    this.searchTuning = { ...DEFAULT_SEARCH_TUNING, ...options.searchTuning };
  }

  insertSpans(spans: readonly SpanRecord[], onInserted?: (inserted: StoredSpan[], stored: InsertedSpans) => void, options?: InsertOptions): Promise<InsertOutcome> {
    if (spans.length === 0) return Promise.resolve({ inserted: [], duplicates: 0, failed: [] });
    // Without a listener for them the records are not referenced past their mapping to documents (only the
    // documents are, which the summaries read), so a batch is alive once, not twice, while it is written.
    const records = options?.keepRecords === false && onInserted ? null : spans;
    const receivedAt = new Date(this.now());
    const expireAt = new Date(receivedAt.getTime() + this.retentionMs);
    const batch: PendingDocs = { docs: spans.map((s) => toSpanDoc(s, receivedAt, expireAt)) };
    return this.run('insertSpans', () => this.insertSpanDocs(batch, records, receivedAt, expireAt, onInserted));
  }

  // Private: the span insert, the early report and the summaries; `records` are the documents' own records, or
  // null when the caller did not keep them. `batch` holds the documents until the insert is acknowledged.
  private async insertSpanDocs(
    batch: PendingDocs,
    records: readonly SpanRecord[] | null,
    receivedAt: Date,
    expireAt: Date,
    onInserted: ((inserted: StoredSpan[], stored: InsertedSpans) => void) | undefined,
  ): Promise<InsertOutcome> {
    const refusals = await insertUnordered(this.spans(), batch.docs!, spanDocSizeBound);
    // A store that cannot write now (a full disk, a primary stepping down) refuses the rest too: the caller
    // retries the batch (STORE_UNAVAILABLE).
    if (refusals.some((r) => r.code !== undefined && UNAVAILABLE_SERVER_CODES.has(r.code))) {
      logger.warn('store unavailable: span writes refused', { codes: [...new Set(refusals.map((r) => r.code))] });
      throw new TracegateError(ErrorCode.STORE_UNAVAILABLE, 'The trace store is unavailable; retry later');
    }
    const settled = settleInsert(batch, records, refusals, onInserted);
    const { duplicateIds } = settled;
    // The stored (first) copies of duplicates: their trace summary is re-applied, which repairs it when an
    // earlier submit stored the spans but failed before its summary update.
    const reapplied =
      duplicateIds.length === 0
        ? []
        : await this.spans()
            .find({ _id: { $in: [...new Set(duplicateIds)] } }, { batchSize: LOOKUP_BATCH_SIZE, projection: SUMMARY_SOURCE_PROJECTION })
            .toArray();
    if (settled.summaries.length > 0 || reapplied.length > 0) await this.summaries.add({ inserted: settled.summaries, reapplied, receivedAt, expireAt });
    return { inserted: settled.inserted, duplicates: duplicateIds.length, failed: settled.failed };
  }

  async tracesByIds(traceIds: readonly string[]): Promise<Map<string, TraceSummary>> {
    const out = new Map<string, TraceSummary>();
    if (traceIds.length === 0) return out;
    return this.run('tracesByIds', async () => {
      const docs = await findAll<TraceDoc>(this.db, Collections.traces, { filter: { _id: { $in: [...new Set(traceIds)] } }, projection: TRACE_READ_PROJECTION });
      for (const doc of docs) out.set(doc._id, fromTraceDoc(doc));
      return out;
    });
  }

  async spansByTraceIds(traceIds: readonly string[], options: SpanReadOptions = {}): Promise<Map<string, StoredSpan[]>> {
    const out = new Map<string, StoredSpan[]>();
    if (traceIds.length === 0) return out;
    const read = spanRead(options.parts);
    return this.run('spansByTraceIds', async () => {
      const docs = await findAll<SpanDoc>(this.db, Collections.spans, { filter: { traceId: { $in: [...new Set(traceIds)] } }, ...(read.projection ? { projection: read.projection } : {}) });
      for (const doc of docs) {
        const span = read.decode(doc);
        const list = out.get(span.traceId);
        if (list) list.push(span);
        else out.set(span.traceId, [span]);
      }
      for (const list of out.values()) list.sort(compareSpans);
      return out;
    });
  }

  async spansByKeys(keys: readonly SpanKey[], options: SpanReadOptions = {}): Promise<Map<string, StoredSpan>> {
    const out = new Map<string, StoredSpan>();
    if (keys.length === 0) return out;
    const read = spanRead(options.parts);
    return this.run('spansByKeys', async () => {
      const ids = [...new Set(keys.map((k) => spanDocId(k.traceId, k.spanId)))];
      const docs = await findAll<SpanDoc>(this.db, Collections.spans, { filter: { _id: { $in: ids } }, ...(read.projection ? { projection: read.projection } : {}) });
      for (const doc of docs) out.set(spanKeyString(doc), read.decode(doc));
      return out;
    });
  }

  async servicesByNames(names: readonly string[]): Promise<Map<string, ServiceRecord>> {
    const out = new Map<string, ServiceRecord>();
    if (names.length === 0) return out;
    return this.run('servicesByNames', async () => {
      const docs = await findAll<ServiceDoc>(this.db, Collections.services, { filter: { _id: { $in: [...new Set(names)] } } });
      for (const doc of docs) out.set(doc._id, fromServiceDoc(doc));
      return out;
    });
  }

  async listServices(): Promise<ServiceRecord[]> {
    return this.run('listServices', async () => {
      const docs = await findAll<ServiceDoc>(this.db, Collections.services, { filter: {}, sort: { _id: 1 }, limit: MAX_SERVICES_LISTED });
      return docs.map(fromServiceDoc);
    });
  }

  async searchTraces(search: TraceSearch): Promise<TracePage> {
    const position = search.after === null ? null : decodeCursor(search.after, search.order);
    return this.run('searchTraces', async () => {
      const read = traceRead(search.parts, search.order);
      const docs = await readSearchPage(this.db, search.query, search.order, position, search.first + 1, read.projection, this.searchTuning);
      const field = sortField(search.order);
      const page = docs.slice(0, search.first);
      return {
        items: page.map((doc) => ({
          cursor: encodeCursor({ order: search.order, key: doc[field], traceId: doc._id }),
          trace: read.decode(doc),
        })),
        hasNextPage: docs.length > search.first,
      };
    });
  }

  async eraseTraces(query: TraceQuery, options: EraseOptions): Promise<EraseOutcome> {
    return this.run('eraseTraces', () => eraseTraces(this.db, query, options));
  }

  /**
   * Runs `body` on this store's database once connected and indexed, with the same error mapping as the
   * store's own operations (STORE_UNAVAILABLE). For features that keep their own collections (analytics).
   */
  withDb<T>(operation: string, body: (db: Db) => Promise<T>): Promise<T> {
    return this.run(operation, () => body(this.db));
  }

  spanChanges(): SpanChangeFeed {
    const spans = this.db.collection<Document>(Collections.spans);
    return { watch: (pipeline, options) => spans.watch(pipeline, options), toSpan: (doc) => fromSpanDoc(doc as SpanDoc) };
  }

  async ping(): Promise<void> {
    if (this.writesFailing) {
      // A store that answers reads may still refuse writes (a full disk, no writable primary): readiness
      // follows what a write does. The probe inserts a document of an ingest batch's order of size, so a store
      // that can still rewrite a few pages but not grow (a full disk) stays not ready; the earlier probe
      // documents are removed only once one succeeded, so a failing probe never frees the room the next one uses.
      await this.run('probeWrite', async () => {
        const probes = this.db.collection<{ at: Date; room: string }>(PROBE_COLLECTION);
        const { insertedId } = await probes.insertOne({ at: new Date(this.now()), room: PROBE_ROOM });
        await probes.deleteMany({ _id: { $ne: insertedId } });
      });
      return;
    }
    await this.run('ping', async () => {
      await this.db.command({ ping: 1 });
    });
  }

  /** True from a write that failed with STORE_UNAVAILABLE until a write succeeds. */
  get writesFailingNow(): boolean {
    return this.writesFailing;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  // Private: every operation waits for a connection and the indexes (each made once, retried after a
  // failure) and maps unavailability to STORE_UNAVAILABLE.
  private async run<T>(operation: string, body: () => Promise<T>): Promise<T> {
    const start = this.metrics ? process.hrtime.bigint() : 0n;
    try {
      await this.ensureConnected();
      await this.ensureIndexes();
      const result = await body();
      if (WRITE_OPERATIONS.has(operation)) this.writesFailing = false;
      return result;
    } catch (error) {
      const mapped = toStoreError(error, operation);
      if (WRITE_OPERATIONS.has(operation) && mapped instanceof TracegateError && mapped.code === ErrorCode.STORE_UNAVAILABLE) this.writesFailing = true;
      if (this.metrics) operationErrors.inc({ operation, kind: mapped instanceof TracegateError && mapped.code === ErrorCode.STORE_UNAVAILABLE ? 'unavailable' : 'other' });
      throw mapped;
    } finally {
      if (this.metrics) operationDuration.observe({ operation }, secondsSince(start));
    }
  }

  // Private: the driver's implicit connect closes its topology for good when the first attempt fails (the
  // store was down at start); an explicit connect, retried on the next operation, builds a new one. Once
  // connected, the driver's server monitoring reconnects by itself.
  private ensureConnected(): Promise<void> {
    if (!this.connected) {
      this.connected = this.client.connect().then(
        () => undefined,
        (error: unknown) => {
          this.connected = null;
          throw error;
        },
      );
    }
    return this.connected;
  }

  private ensureIndexes(): Promise<void> {
    if (!this.indexesReady) {
      // Operations wait for the indexes they need, not for the replacement of an earlier version's index, which
      // goes on meanwhile (its outcome is logged).
      this.indexesReady = setUpIndexes(this.db, logger).then(() => undefined, (error: unknown) => {
        this.indexesReady = null;
        throw error;
      });
    }
    return this.indexesReady;
  }

  private spans(): Collection<SpanDoc> {
    return this.db.collection<SpanDoc>(Collections.spans);
  }
}

/** The documents of an insert, held until the store acknowledged it (then null). */
interface PendingDocs {
  docs: SpanDoc[] | null;
}

/** An acknowledged span insert, sorted: what was stored, duplicated or refused. */
interface SettledInsert {
  /** The caller's records of the stored spans (empty when it did not keep them). */
  inserted: SpanRecord[];
  /** What the summaries and stored steps read of each stored span, in submission order. */
  summaries: SpanDocSummary[];
  duplicateIds: string[];
  failed: InsertOutcome['failed'];
}

// Private: sorts an acknowledged insert's documents by the store's refusals, reports the stored spans to
// `onInserted`, and lets go of the documents: the summaries and stored steps read each stored span's
// SpanDocSummary, so a document's payload (result, metrics, events, links) is not held while they are written.
// The records `onInserted` may read back from the documents are read during that call only.
function settleInsert(
  batch: PendingDocs,
  records: readonly SpanRecord[] | null,
  refusals: readonly InsertRefusal[],
  onInserted: ((inserted: StoredSpan[], stored: InsertedSpans) => void) | undefined,
): SettledInsert {
  const docs = batch.docs!;
  batch.docs = null;
  let inserted: SpanRecord[] = records === null ? [] : (records as SpanRecord[]);
  let insertedDocs: SpanDoc[] = docs;
  const duplicateIds: string[] = [];
  const failed: InsertOutcome['failed'] = [];
  if (refusals.length > 0) {
    const refused = new Map<number, InsertRefusal>();
    for (const r of refusals) refused.set(r.index, r);
    inserted = [];
    insertedDocs = [];
    for (let position = 0; position < docs.length; position++) {
      const doc = docs[position]!;
      const refusal = refused.get(position);
      if (!refusal) {
        if (records !== null) inserted.push(records[position]!);
        insertedDocs.push(doc);
      } else if (refusal.code === DUPLICATE_KEY) duplicateIds.push(doc._id);
      else {
        logger.error('span write refused by the store', { traceId: doc.traceId, spanId: doc.spanId, code: refusal.code, message: refusal.message });
        failed.push({ position, message: 'the store refused this span; nothing of it was stored' });
      }
    }
  }
  const summaries = insertedDocs.map(spanDocSummary);
  if (onInserted && summaries.length > 0) {
    const kept = records === null ? null : inserted;
    let readable: SpanDoc[] | null = insertedDocs;
    try {
      onInserted(inserted, {
        cores: summaries,
        records: () => {
          if (kept) return kept;
          if (!readable) throw new Error('insertSpans: the stored records are read during onInserted only');
          return readable.map(fromSpanDoc);
        },
      });
    } finally {
      readable = null;
    }
  }
  return { inserted, summaries, duplicateIds, failed };
}
