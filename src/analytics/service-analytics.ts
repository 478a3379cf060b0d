/**
 * Service analytics over the rollups: writing them for newly stored spans, reading the service graph,
 * per-service and per-operation series, and removing what deleted spans contributed.
 *
 * Reads touch rollup documents only (one per bucket), never spans, so their cost depends on the window and the
 * number of services, operations and edges, not on how many spans are stored.
 */
import type { AnyBulkWriteOperation, Collection, Db, Filter } from 'mongodb';
import type { SpanCore, SpanRecord } from '../domain';
import { GroupCommit, type MongoTraceStore } from '../store';
import { EDGE_WAITS_COLLECTION, EDGE_WAITS_INDEXES, ROLLUP_INDEXES, ROLLUPS_COLLECTION, type RollupDoc, type RollupFigures, type RollupKindCode } from './documents';
import { countableEdges, pairsWithin } from './edges';
import { bucketPlace, documentHead, HOUR_MS, MINUTE_MS, operationOfField, rollupDeltas, type BucketDelta, type EdgeCall } from './rollup';
import { addBucketBytes, bucketHead, type BucketHead } from './bucket-bytes';
import { addDoc, emptyAccumulator, mergeInto, StatPointModel, type Accumulator } from './stat-point';
import type { StatsWindow } from './window';

export interface AnalyticsOptions {
  /** How long a rollup bucket lives after its last write. */
  retentionMs: number;
  /** The server clock, in ms. */
  now?: () => number;
}

/** Per-minute accumulators of one series (service, operation or edge), keyed by minute. */
export class Series {
  /** Accumulators by bucket start: minutes, and hours where a long window was read per hour. */
  readonly minutes = new Map<number, Accumulator>();
  /** Earliest start and latest end of a bucket with calls (ms); null while empty. */
  firstMs: number | null = null;
  lastMs: number | null = null;

  /** A bucket document's figures: its own, and those of each operation it holds (a service's minute). */
  add(doc: RollupDoc): void {
    this.addFigures(doc, doc);
    if (doc.o) for (const part of Object.values(doc.o)) this.addFigures(doc, part);
  }

  /** Figures stored in the document `doc` (the document itself, or one operation's part of it). */
  addFigures(doc: Pick<RollupDoc, 'k' | 'm'>, figures: Partial<RollupFigures>): void {
    if ((figures.c ?? 0) > 0) this.called(doc);
    addDoc(this.bucket(doc.m), figures);
  }

  /** A bucket document's figures read from its stored bytes (`head`: `bucketHead` of the same bytes), as `add` adds them. */
  addBytes(head: BucketHead, bytes: Uint8Array): void {
    if (addBucketBytes(this.bucket(head.m), bytes)) this.called(head);
  }

  // Private: the accumulator of the bucket starting at `startMs`.
  private bucket(startMs: number): Accumulator {
    let acc = this.minutes.get(startMs);
    if (!acc) {
      acc = emptyAccumulator();
      this.minutes.set(startMs, acc);
    }
    return acc;
  }

  // Private: widens the first and last times with calls to a bucket with calls.
  private called(doc: Pick<RollupDoc, 'k' | 'm'>): void {
    const end = doc.m + (doc.k === 'S' || doc.k === 'E' ? HOUR_MS : MINUTE_MS);
    this.firstMs = this.firstMs === null ? doc.m : Math.min(this.firstMs, doc.m);
    this.lastMs = this.lastMs === null ? end : Math.max(this.lastMs, end);
  }

  /** The whole window as one point (start null). */
  total(window: StatsWindow): StatPointModel {
    const acc = emptyAccumulator();
    for (const minute of this.minutes.values()) mergeInto(acc, minute);
    return new StatPointModel(null, (window.toMs - window.fromMs) / 1000, acc);
  }

  /**
   * One point per step covering [from, to), empty buckets included (a series read per minute). A point of one
   * minute reads that minute's accumulator itself (points only read theirs).
   */
  points(window: StatsWindow): StatPointModel[] {
    const out: StatPointModel[] = [];
    if (window.stepMs === MINUTE_MS) {
      for (let start = window.fromMs; start < window.toMs; start += MINUTE_MS) {
        out.push(new StatPointModel(start, MINUTE_MS / 1000, this.minutes.get(start) ?? emptyAccumulator()));
      }
      return out;
    }
    for (let start = window.fromMs; start < window.toMs; start += window.stepMs) {
      const acc = emptyAccumulator();
      for (let minute = start; minute < start + window.stepMs; minute += MINUTE_MS) {
        const m = this.minutes.get(minute);
        if (m) mergeInto(acc, m);
      }
      out.push(new StatPointModel(start, window.stepMs / 1000, acc));
    }
    return out;
  }
}

export interface GraphNode {
  service: string;
  series: Series;
}

export interface GraphEdge {
  source: string;
  target: string;
  series: Series;
}

export interface ServiceGraphData {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface OperationSeries {
  service: string;
  operation: string;
  series: Series;
}


export class ServiceAnalytics {
  private readonly retentionMs: number;
  private readonly now: () => number;
  private indexes: Promise<void> | null = null;
  /** The rollups of concurrent inserts, written together: one group in flight at a time, the next collected meanwhile. */
  private readonly recorded = new GroupCommit<readonly SpanCore[]>((batches) => this.recordGroup(batches.length === 1 ? batches[0]! : batches.flat()));

  constructor(
    private readonly store: MongoTraceStore,
    options: AnalyticsOptions,
  ) {
    this.retentionMs = options.retentionMs;
    this.now = options.now ?? Date.now;
  }

  /**
   * Adds newly stored spans to the rollups: their service and operation buckets, and the edges this call is
   * responsible for (edges.ts). Call it once per insert, with exactly the spans that insert stored (never
   * duplicates). Calls made while an earlier group's rollups are being written join the next group, which is
   * written as if one insert had stored all its spans (see recordGroup); each call settles with the write of its
   * group, and a failure fails every call of that group with the same error.
   */
  record(inserted: readonly SpanCore[]): Promise<void> {
    if (inserted.length === 0) return Promise.resolve();
    return this.recorded.add(inserted);
  }

  /**
   * Rollups of newly stored spans, those of one insert or of several (each span stored by exactly one of them, all
   * stored before this runs). The deltas of spans are sums and extremes, so the spans of several inserts written
   * as one set make exactly the documents their separate writes would; and the edge search (edges.ts) treats the
   * set as one call that inserted all of them, which every span of it was stored before. One `_id` lookup of
   * waiting children, a wait note and a parent lookup only for children whose parent is not in the set, a
   * conditional update and a read only when a pair's other span came from another call, then one bulk write for
   * every bucket the set touched.
   */
  private async recordGroup(inserted: readonly SpanCore[]): Promise<void> {
    await this.store.withDb('recordRollups', async (db) => {
      await this.ensureIndexes(db);
      const edges = await countableEdges(db, inserted, this.expireAt());
      await this.apply(db, rollupDeltas(inserted, edges), 1);
    });
  }

  /**
   * Removes what stored spans contributed (for deletions): call it with whole traces, before or after deleting
   * their spans. Counts, sums and bins are subtracted exactly; a bucket left with no calls is deleted; the min
   * and max of a bucket that keeps calls stay as recorded until `rebuild`.
   */
  async forget(spans: readonly SpanRecord[]): Promise<void> {
    if (spans.length === 0) return;
    await this.store.withDb('forgetRollups', async (db) => {
      await this.ensureIndexes(db);
      const edges: EdgeCall[] = pairsWithin(spans);
      const deltas = rollupDeltas(spans, edges);
      await this.apply(db, deltas, -1);
      const places = deltas.map((d) => bucketPlace(d.key));
      const whole = [...new Set(places.filter((p) => p.prefix === '').map((p) => p.docId))];
      if (whole.length > 0) await rollups(db).deleteMany({ _id: { $in: whole }, c: { $lte: 0 } });
      // An operation left without calls leaves its service's minute (each removal only while it still has none),
      // then a minute left without operations is deleted.
      const parts = places.filter((p) => p.prefix !== '');
      if (parts.length === 0) return;
      await rollups(db).bulkWrite(
        parts.map((p) => ({ updateOne: { filter: { _id: p.docId, [`${p.prefix}c`]: { $lte: 0 } }, update: { $unset: { [p.prefix.slice(0, -1)]: '' } } } })),
        { ordered: false },
      );
      await rollups(db).deleteMany({ _id: { $in: [...new Set(parts.map((p) => p.docId))] }, o: {}, c: { $exists: false } });
    });
  }

  /** Every service with calls in the window and every edge between services (narrowed to `service` and its neighbours). */
  async serviceGraph(window: StatsWindow, service?: string | null): Promise<ServiceGraphData> {
    return this.store.withDb('serviceGraph', async (db) => {
      await this.ensureIndexes(db);
      const [serviceDocs, edgeDocs] = await Promise.all([readTiered(db, 's', 'S', window), readTiered(db, 'e', 'E', window)]);
      const edges = new Map<string, GraphEdge>();
      for (const bytes of edgeDocs) {
        const head = bucketHead(bytes);
        const target = head.x ?? '';
        if (service != null && head.s !== service && target !== service) continue;
        const key = JSON.stringify([head.s, target]);
        let edge = edges.get(key);
        if (!edge) {
          edge = { source: head.s, target, series: new Series() };
          edges.set(key, edge);
        }
        edge.series.addBytes(head, bytes);
      }
      const wanted = service == null ? null : new Set([service, ...[...edges.values()].flatMap((e) => [e.source, e.target])]);
      const nodes = new Map<string, GraphNode>();
      for (const bytes of serviceDocs) {
        const head = bucketHead(bytes);
        if (wanted && !wanted.has(head.s)) continue;
        let node = nodes.get(head.s);
        if (!node) {
          node = { service: head.s, series: new Series() };
          nodes.set(head.s, node);
        }
        node.series.addBytes(head, bytes);
      }
      const byName = (a: { service: string }, b: { service: string }) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0);
      return {
        nodes: [...nodes.values()].sort(byName),
        edges: [...edges.values()].sort((a, b) => byName({ service: a.source + '\u0000' + a.target }, { service: b.source + '\u0000' + b.target })),
      };
    });
  }

  /** One service's buckets in the window. */
  async serviceSeries(service: string, window: StatsWindow): Promise<Series> {
    return this.store.withDb('serviceStats', async (db) => {
      await this.ensureIndexes(db);
      const series = new Series();
      for (const bytes of await readBytes(db, 's', window, service)) series.addBytes(bucketHead(bytes), bytes);
      return series;
    });
  }

  /** Operations in the window, of one service or of all: the operations held by the services' minute documents. */
  async operationSeries(window: StatsWindow, service?: string | null): Promise<OperationSeries[]> {
    return this.store.withDb('operationStats', async (db) => {
      await this.ensureIndexes(db);
      const out = new Map<string, OperationSeries>();
      for (const doc of await read(db, 's', window, service ?? undefined)) {
        for (const [field, figures] of Object.entries(doc.o ?? {})) {
          const operation = operationOfField(field);
          const key = JSON.stringify([doc.s, operation]);
          let op = out.get(key);
          if (!op) {
            op = { service: doc.s, operation, series: new Series() };
            out.set(key, op);
          }
          op.series.addFigures(doc, figures);
        }
      }
      return [...out.values()];
    });
  }

  /** Drops every rollup (used by the rebuild before recomputing). */
  async clear(db: Db, filter: Filter<RollupDoc> = {}): Promise<void> {
    await rollups(db).deleteMany(filter);
  }

  /**
   * Applies deltas as one unordered bulk write of one update per document (a service's minute takes all its
   * operations' deltas in one); `sign` -1 subtracts them.
   */
  async apply(db: Db, deltas: readonly BucketDelta[], sign: 1 | -1): Promise<void> {
    if (deltas.length === 0) return;
    await upsertAllRollups(rollups(db), rollupStatements(deltas, sign, this.expireAt()));
  }

  /**
   * When a bucket or wait note written now expires: the retention after now, rounded up to the whole minute, so
   * the writes of one minute leave a document's `expireAt` (and its TTL index entry) as the first of them set it.
   */
  private expireAt(): Date {
    return new Date(Math.ceil((this.now() + this.retentionMs) / MINUTE_MS) * MINUTE_MS);
  }

  ensureIndexes(db: Db): Promise<void> {
    if (!this.indexes) {
      this.indexes = Promise.all([rollups(db).createIndexes(ROLLUP_INDEXES), db.collection(EDGE_WAITS_COLLECTION).createIndexes(EDGE_WAITS_INDEXES)])
        .then(() => undefined)
        .catch((error: unknown) => {
          this.indexes = null;
          throw error;
        });
    }
    return this.indexes;
  }
}

/**
 * The statements of `apply`: one update per rollup document (a service's minute takes all its operations' deltas
 * in one); `sign` 1 upserts and raises `expireAt` to the given expiry, -1 subtracts.
 */
export function rollupStatements(deltas: readonly BucketDelta[], sign: 1 | -1, expireAt: Date): AnyBulkWriteOperation<RollupDoc>[] {
  const docs = new Map<string, { inc: Record<string, number>; min: Record<string, number>; max: Record<string, number | Date>; onInsert: Partial<RollupDoc> }>();
  for (const d of deltas) {
    const { docId, prefix } = bucketPlace(d.key);
    let doc = docs.get(docId);
    if (!doc) {
      doc = { inc: {}, min: {}, max: sign === 1 ? { expireAt } : {}, onInsert: documentHead(d.key) };
      docs.set(docId, doc);
    }
    const paths = bucketPaths(prefix);
    const inc = doc.inc;
    inc[paths.c] = sign * d.calls;
    // Errors and zero durations are absent from most buckets: a count of 0 adds no path (a missing field reads as 0).
    if (d.errors !== 0) inc[paths.e] = sign * d.errors;
    inc[paths.d] = sign * d.sumUs;
    if (d.zeros !== 0) inc[paths.z] = sign * d.zeros;
    for (const [bin, count] of d.bins) inc[paths.bins.get(bin) ?? binPath(paths, bin)] = sign * count;
    if (sign === 1) {
      doc.min[paths.lo] = d.minUs;
      doc.max[paths.hi] = d.maxUs;
    }
  }
  return [...docs].map(
    ([docId, doc]) =>
      ({
        updateOne: {
          filter: { _id: docId },
          update: sign === 1 ? { $inc: doc.inc, $min: doc.min, $max: doc.max, $setOnInsert: doc.onInsert } : { $inc: doc.inc },
          upsert: sign === 1,
        },
      }) as AnyBulkWriteOperation<RollupDoc>,
  );
}

/**
 * The update paths of the buckets stored under one prefix ('' or `o.<field>.`): the same strings from one write to
 * the next, so building a statement does not make (and the engine does not intern) a new key text per path.
 */
interface BucketPaths {
  prefix: string;
  c: string;
  e: string;
  d: string;
  z: string;
  lo: string;
  hi: string;
  /** A bin's path by bin index. */
  bins: Map<number, string>;
}

/** Paths kept at most (about 70 bytes each); past it the kept paths are dropped and kept anew. */
const MAX_KEPT_PATHS = 50_000;
const pathsByPrefix = new Map<string, BucketPaths>();
let keptPaths = 0;

// Private: the paths of a prefix, kept from earlier writes or made now.
function bucketPaths(prefix: string): BucketPaths {
  let paths = pathsByPrefix.get(prefix);
  if (paths === undefined) {
    keep(6);
    paths = { prefix, c: `${prefix}c`, e: `${prefix}e`, d: `${prefix}d`, z: `${prefix}z`, lo: `${prefix}lo`, hi: `${prefix}hi`, bins: new Map() };
    pathsByPrefix.set(prefix, paths);
  }
  return paths;
}

// Private: a bin's path under `paths`, made now and kept.
function binPath(paths: BucketPaths, bin: number): string {
  const path = `${paths.prefix}b.${bin}`;
  keep(1);
  paths.bins.set(bin, path);
  return path;
}

// Private: counts `n` more kept paths, dropping every kept path first when that would pass the bound (statements
// being built keep the paths they hold; the next write makes and keeps them again).
function keep(n: number): void {
  if (keptPaths + n > MAX_KEPT_PATHS) {
    pathsByPrefix.clear();
    keptPaths = 0;
  }
  keptPaths += n;
}

/** The rollup collection of a database. */
export function rollups(db: Db): Collection<RollupDoc> {
  return db.collection<RollupDoc>(ROLLUPS_COLLECTION);
}

// Private: a window's buckets (stored bytes) with its whole hours read per hour and the minutes before and after per minute.
async function readTiered(db: Db, minuteKind: RollupKindCode, hourKind: RollupKindCode, window: StatsWindow): Promise<Uint8Array[]> {
  const firstHour = Math.ceil(window.fromMs / HOUR_MS) * HOUR_MS;
  const endHour = Math.floor(window.toMs / HOUR_MS) * HOUR_MS;
  if (endHour <= firstHour) return readBytes(db, minuteKind, window);
  const parts = await Promise.all([
    window.fromMs < firstHour ? readBytes(db, minuteKind, { ...window, toMs: firstHour }) : [],
    readBytes(db, hourKind, { ...window, fromMs: firstHour, toMs: endHour }),
    endHour < window.toMs ? readBytes(db, minuteKind, { ...window, fromMs: endHour }) : [],
  ]);
  return parts.flat();
}

// Private: the filter of the bucket documents of one kind in the window (minutes in [from, to)), of one service when given.
function bucketFilter(kind: RollupKindCode, window: StatsWindow, service?: string): Filter<RollupDoc> {
  return service === undefined ? { k: kind, m: { $gte: window.fromMs, $lt: window.toMs } } : { k: kind, s: service, m: { $gte: window.fromMs, $lt: window.toMs } };
}

// Private: those documents decoded.
async function read(db: Db, kind: RollupKindCode, window: StatsWindow, service?: string): Promise<RollupDoc[]> {
  return rollups(db).find(bucketFilter(kind, window, service), { batchSize: 10_000, projection: { expireAt: 0 } }).toArray();
}

// Private: those documents as the store sends them (BSON bytes, read by bucket-bytes.ts), without the fields no read uses.
async function readBytes(db: Db, kind: RollupKindCode, window: StatsWindow, service?: string): Promise<Uint8Array[]> {
  const docs = await rollups(db).find(bucketFilter(kind, window, service), { batchSize: 10_000, projection: { _id: 0, expireAt: 0 }, raw: true }).toArray();
  return docs as unknown as Uint8Array[];
}

// Private: two concurrent upserts of a new bucket can race on a real MongoDB; the loser fails with a duplicate
// key error and, the document now existing, succeeds as a plain update when retried (once, only those ops).
async function upsertAllRollups(collection: Collection<RollupDoc>, ops: AnyBulkWriteOperation<RollupDoc>[]): Promise<void> {
  try {
    await collection.bulkWrite(ops, { ordered: false });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: { code?: number; index: number }[] | { code?: number; index: number } }).writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
    if (list.length === 0 || !list.every((w) => w?.code === 11000)) throw error;
    await collection.bulkWrite(list.map((w) => ops[w.index]!), { ordered: false });
  }
}
