/**
 * Trace and service summaries, updated after each insert with commutative operators only ($min, $max,
 * $addToSet, and $inc for services), so batches of one trace may apply in any order with the same result.
 *
 * Trace counts are not `$inc`remented but raised with `$max` (counts only grow) to a count of stored spans, which
 * makes the trace update idempotent: it can be re-applied for duplicates, so a re-submit after a failure between
 * the span insert and the summary update (the client saw STORE_UNAVAILABLE) repairs the summary instead of
 * leaving its spans out of it. Each trace's summary is first inserted whole, as the batch alone makes it (one
 * insert command for all traces of the batch; on an empty trace that is exactly what the commutative update
 * would create, and an insert costs the store much less than an upsert applying operators). The count comes
 * from the batch itself for a trace whose summary this batch's insert created, and from the stored spans (one
 * aggregate over those traces only) for a trace whose summary already existed (its insert is refused as a
 * duplicate; the batch's part is then applied with the commutative update):
 * - The creating insert is the first write of that trace's summary. Every other batch's insert of it comes
 *   later, is refused, and that batch then counts the trace's stored spans; whichever of those counts runs last
 *   runs after every such batch's insert of spans (each batch stores its spans before its summaries) and after
 *   the creator's, so the largest count is the number of spans stored by all of them.
 * - Spans stored by a submit that failed before its summary update are counted when that submit is re-sent
 *   (they come back as duplicates, are re-applied, and the trace either is created with them or is counted).
 * The batch's own count takes each stored span of the trace once: the spans it inserted and the stored copies of
 * its duplicates (a span sent twice in one batch is one stored span).
 *
 * The gateway writes the summaries of concurrent inserts as one group (store.ts): the group's statements are
 * those of one insert that stored all their spans, and every insert of the group stored its spans before, so
 * the argument above holds with the group in the place of the batch.
 *
 * `durationUs` cannot be expressed with such operators; it is set on insert, and for a summary that already
 * existed it is re-derived from the stored start and end by the same pipeline update that raises the counts,
 * atomically per document: the last batch to move start or end re-derives it last. The services update runs
 * concurrently with the trace updates.
 */
import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db, type Document } from 'mongodb';
import { DUPLICATE_KEY, LOOKUP_BATCH_SIZE } from './constants';
import { Collections, traceDocSizeBound, type AttrDoc, type ServiceDoc, type SpanDoc, type TraceDoc } from './documents';
import { insertUnordered } from './insert';
import { UNAVAILABLE_SERVER_CODES } from '../../error-edge';
import { ErrorCode, TracegateError } from '../../errors';

export interface TraceDelta {
  startUs: number;
  endUs: number;
  /** Stored spans of the trace this batch holds (inserted, or the stored copy of a duplicate), once each. */
  spans: number;
  errors: number;
  /**
   * The latest receipt (and expiry) among the inserts that stored new spans of the trace; null when it only has
   * re-applied (duplicate) spans here: its expiry stays.
   */
  received: Receipt | null;
  /** `received`'s receipt time in ms (compared per span without converting a Date). */
  receivedMs: number;
  /** The receipt of the first insert (in the group's order) that holds spans of the trace. */
  seen: Receipt;
  services: Set<string>;
  /** (service, operation) pairs, each once, in the order first seen. */
  svcOps: { s: string; o: string }[];
  /** The operations of `svcOps` by service, to find a pair without building a key for it. */
  svcOpsSeen: Map<string, Seen>;
  /** Attributes, each (key, canonical value) pair once, in the order first seen. */
  attrs: AttrDoc[];
  /** The canonical values of `attrs` by key. */
  attrsSeen: Map<string, Seen>;
}

export interface Receipt {
  receivedAt: Date;
  expireAt: Date;
}

export interface ServiceDelta {
  /** The latest expiry among the inserts that hold spans of the service. */
  expireAt: Date;
  /** `expireAt` in ms. */
  expireMs: number;
  operations: Set<string>;
  spanCount: number;
  firstSeenUs: number;
  lastSeenUs: number;
}

/** What the summaries read of a stored span: its document's fields (attributes already in their stored form). */
export type SummarySource = Pick<SpanDoc, '_id' | 'traceId' | 'service' | 'operation' | 'startUs' | 'endUs' | 'status' | 'attrs'>;

/** The projection that reads a stored span as a SummarySource. */
export const SUMMARY_SOURCE_PROJECTION = { _id: 1, traceId: 1, service: 1, operation: 1, startUs: 1, endUs: 1, status: 1, attrs: 1 } as const;

/**
 * What one insert hands the summaries. `inserted`: documents of the spans it stored. `reapplied`: stored copies of
 * spans it found already stored; their trace summary is re-applied (idempotent), their service counts are not
 * touched again. `receivedAt` / `expireAt`: the insert's receipt time and the expiry of what it stored.
 */
export interface SummaryPart {
  inserted: readonly SummarySource[];
  reapplied: readonly SummarySource[];
  receivedAt: Date;
  expireAt: Date;
}

/**
 * The summaries of several inserts, each of which stored its spans before this runs, written as if one insert had
 * stored them all: the same statements for the union of their spans. Each stored span counts once (a span
 * re-applied by one part and inserted or re-applied by another is one stored span); a trace's receipt time and
 * expiry, and a service's expiry, are what the parts' own writes applied one after the other in the group's order
 * leave (the first part's, raised by `$max` to the latest).
 */
export async function updateSummaryGroup(db: Db, parts: readonly SummaryPart[]): Promise<void> {
  const { traces, services } = summaryDeltas(parts);
  if (traces.size === 0) return;
  // The services update does not depend on the trace summaries: it runs alongside them. Both are awaited
  // (settled) before this returns or throws, so nothing is acknowledged before the store acknowledged both.
  const [tracesDone, servicesDone] = await Promise.allSettled([updateTraces(db, traces), updateServices(db, services)]);
  if (tracesDone.status === 'rejected') throw tracesDone.reason;
  if (servicesDone.status === 'rejected') throw servicesDone.reason;
}

/** What a group's parts add to each trace and service summary, before any statement is built. */
export interface SummaryDeltas {
  traces: Map<string, TraceDelta>;
  services: Map<string, ServiceDelta>;
}

/** The trace and service deltas of a group of parts (see updateSummaryGroup): no store access. */
export function summaryDeltas(parts: readonly SummaryPart[]): SummaryDeltas {
  // Ids of the spans counted so far, needed only when some span is re-applied: a duplicate within the batch is
  // both inserted (its first copy) and re-applied (the stored copy), and two parts may re-apply the same span.
  const anyReapplied = parts.some((part) => part.reapplied.length > 0);
  const state: DeltaState = { traces: new Map(), services: new Map(), counted: anyReapplied ? new Set() : null, part: parts[0]!, receivedMs: 0, expireMs: 0 };
  // Every part's inserted spans first: a span one part inserted and another re-applied counts as inserted.
  addParts(state, parts, true);
  addParts(state, parts, false);
  return { traces: state.traces, services: state.services };
}

/**
 * The deltas being summed, and the part whose spans are being added (its receipt and expiry in ms, read once per
 * part: the spans compare numbers, not Dates). Module functions rather than closures per call do the adding, so
 * the engine optimizes them once for every group.
 */
interface DeltaState {
  traces: Map<string, TraceDelta>;
  services: Map<string, ServiceDelta>;
  counted: Set<string> | null;
  part: SummaryPart;
  receivedMs: number;
  expireMs: number;
}

// Private: the inserted (`isNew`) or the re-applied spans of every part, added.
function addParts(state: DeltaState, parts: readonly SummaryPart[], isNew: boolean): void {
  for (const p of parts) {
    state.part = p;
    state.receivedMs = p.receivedAt.getTime();
    state.expireMs = p.expireAt.getTime();
    const spans = isNew ? p.inserted : p.reapplied;
    for (let i = 0; i < spans.length; i++) addSource(state, spans[i]!, isNew);
  }
}

// Private: one span of `state.part` added to its trace's and its service's delta.
function addSource(state: DeltaState, span: SummarySource, isNew: boolean): void {
  const { part, receivedMs, expireMs, counted } = state;
  let t = state.traces.get(span.traceId);
  if (!t) {
    t = { startUs: span.startUs, endUs: span.endUs, spans: 0, errors: 0, received: null, receivedMs: 0, seen: part, services: new Set(), svcOps: [], svcOpsSeen: new Map(), attrs: [], attrsSeen: new Map() };
    state.traces.set(span.traceId, t);
  }
  if (isNew && (t.received === null || receivedMs > t.receivedMs)) {
    t.received = part;
    t.receivedMs = receivedMs;
  }
  if (counted === null || !counted.has(span._id)) {
    counted?.add(span._id);
    t.spans += 1;
    if (span.status === 'ERROR') t.errors += 1;
  }
  if (span.startUs < t.startUs) t.startUs = span.startUs;
  if (span.endUs > t.endUs) t.endUs = span.endUs;
  t.services.add(span.service);
  if (firstOf(t.svcOpsSeen, span.service, span.operation)) t.svcOps.push({ s: span.service, o: span.operation });
  const attrs = span.attrs;
  if (attrs) for (let i = 0; i < attrs.length; i++) if (firstOf(t.attrsSeen, attrs[i]!.k, attrs[i]!.v)) t.attrs.push(attrs[i]!);
  // Service counts grow only for newly inserted spans; operations and first/last seen are idempotent.
  let s = state.services.get(span.service);
  if (!s) {
    s = { operations: new Set(), spanCount: 0, firstSeenUs: span.startUs, lastSeenUs: span.endUs, expireAt: part.expireAt, expireMs };
    state.services.set(span.service, s);
  }
  s.operations.add(span.operation);
  if (isNew) s.spanCount += 1;
  if (span.startUs < s.firstSeenUs) s.firstSeenUs = span.startUs;
  if (span.endUs > s.lastSeenUs) s.lastSeenUs = span.endUs;
  if (expireMs > s.expireMs) {
    s.expireAt = part.expireAt;
    s.expireMs = expireMs;
  }
}

// Private: every trace of the batch inserted whole (one insert command: the summary as the batch alone makes
// it, counts of the batch's own spans); for the traces whose summary already existed (the insert refused as a
// duplicate) the commutative update of the batch's part, then their stored spans counted (one aggregate) and one
// pipeline update each that raises the counts and re-derives durationUs.
async function updateTraces(db: Db, traces: Map<string, TraceDelta>): Promise<void> {
  const collection = db.collection<TraceDoc>(Collections.traces);
  const ids = [...traces.keys()];
  const docs: TraceDoc[] = [...traces].map(([traceId, t]) => {
    const receipt = insertedReceipt(t);
    return {
      _id: traceId,
      startUs: t.startUs,
      endUs: t.endUs,
      durationUs: t.endUs - t.startUs,
      spanCount: t.spans,
      errorCount: t.errors,
      services: [...t.services],
      svcOps: t.svcOps,
      attrs: t.attrs,
      receivedAt: receipt.receivedAt,
      expireAt: receipt.expireAt,
    };
  });
  const existing = await insertNew(collection, docs);
  if (existing.length === 0) return;
  const existingIds = existing.map((index) => ids[index]!);
  const ops: AnyBulkWriteOperation<TraceDoc>[] = existingIds.map((traceId) => {
    const t = traces.get(traceId)!;
    return {
      updateOne: {
        filter: { _id: traceId },
        update: {
          $min: { startUs: t.startUs },
          $max: { endUs: t.endUs, spanCount: t.spans, errorCount: t.errors, ...(t.received ? { receivedAt: t.received.receivedAt, expireAt: t.received.expireAt } : {}) },
          $addToSet: { services: { $each: [...t.services] }, svcOps: { $each: t.svcOps }, attrs: { $each: t.attrs } },
          // A summary erased since the insert found it is created again; the counts below correct it.
          $setOnInsert: { durationUs: t.endUs - t.startUs, ...(t.received ? {} : { receivedAt: t.seen.receivedAt, expireAt: t.seen.expireAt }) },
        },
        upsert: true,
      },
    };
  });
  await upsertAll(collection, ops);
  await reconcileExisting(db, existingIds, traces);
}

/** The inner values seen with one outer value: the only one as itself, several as a set. */
type Seen = string | Set<string>;

// Private: whether (`outer`, `inner`) is seen for the first time; records it as seen.
function firstOf(seen: Map<string, Seen>, outer: string, inner: string): boolean {
  const known = seen.get(outer);
  if (known === undefined) {
    seen.set(outer, inner);
    return true;
  }
  if (typeof known === 'string') {
    if (known === inner) return false;
    seen.set(outer, new Set([known, inner]));
    return true;
  }
  if (known.has(inner)) return false;
  known.add(inner);
  return true;
}

// Private: the receipt a summary is created with: the first insert's, raised to the latest of those that stored
// new spans of the trace (what the first insert and the others' $max updates leave, one after the other).
function insertedReceipt(t: TraceDelta): Receipt {
  return t.received !== null && t.received.receivedAt > t.seen.receivedAt ? t.received : t.seen;
}

// Private: an unordered insert of summaries; the positions of those refused because the trace already has one.
// Any other refusal fails the whole update.
async function insertNew(collection: Collection<TraceDoc>, docs: TraceDoc[]): Promise<number[]> {
  const refusals = await insertUnordered(collection, docs, traceDocSizeBound);
  const other = refusals.find((r) => r.code !== DUPLICATE_KEY);
  if (other === undefined) return refusals.map((r) => r.index);
  if (other.code !== undefined && UNAVAILABLE_SERVER_CODES.has(other.code)) throw new TracegateError(ErrorCode.STORE_UNAVAILABLE, 'The trace store is unavailable; retry later');
  throw new Error(`trace summary insert refused by the store: ${other.message} (code ${other.code ?? 'none'})`);
}

// Private: counts of stored spans and error spans of the traces whose summary existed before this batch's upsert,
// raised into their summaries with durationUs re-derived from the stored start and end, one update per trace.
async function reconcileExisting(db: Db, traceIds: readonly string[], traces: Map<string, TraceDelta>): Promise<void> {
  const rows = await db
    .collection<SpanDoc>(Collections.spans)
    .aggregate<{ _id: string; spans: number; errors: number }>(
      [
        { $match: { traceId: { $in: [...traceIds] } } },
        // Only what the counts read: a store need not decode the whole span.
        { $project: { _id: 0, traceId: 1, status: 1 } },
        { $group: { _id: '$traceId', spans: { $sum: 1 }, errors: { $sum: { $cond: [{ $eq: ['$status', 'ERROR'] }, 1, 0] } } } },
      ],
      { batchSize: LOOKUP_BATCH_SIZE },
    )
    .toArray();
  const counts = new Map(rows.map((r) => [r._id, r]));
  const ops: AnyBulkWriteOperation<TraceDoc>[] = traceIds.map((traceId) => {
    const own = traces.get(traceId)!;
    const stored = counts.get(traceId);
    return {
      updateOne: {
        filter: { _id: traceId },
        update: [
          {
            $set: {
              spanCount: { $max: ['$spanCount', Math.max(own.spans, stored?.spans ?? 0)] },
              errorCount: { $max: ['$errorCount', Math.max(own.errors, stored?.errors ?? 0)] },
              durationUs: { $subtract: ['$endUs', '$startUs'] },
            },
          },
        ],
      },
    };
  });
  await db.collection<TraceDoc>(Collections.traces).bulkWrite(ops, { ordered: false });
}

// Private: one upsert per service of the batch.
async function updateServices(db: Db, services: Map<string, ServiceDelta>): Promise<void> {
  const ops: AnyBulkWriteOperation<ServiceDoc>[] = [...services].map(([name, s]) => ({
    updateOne: {
      filter: { _id: name },
      update: {
        $addToSet: { operations: { $each: [...s.operations] } },
        $inc: { spanCount: s.spanCount },
        $min: { firstSeenUs: s.firstSeenUs },
        $max: { lastSeenUs: s.lastSeenUs, expireAt: s.expireAt },
      },
      upsert: true,
    },
  }));
  await upsertAll(db.collection<ServiceDoc>(Collections.services), ops);
}

// Private: two concurrent upserts of a new _id can race on a real MongoDB; the loser fails with a duplicate
// key error and, the document now existing, succeeds as a plain update when retried (once, only those ops).
async function upsertAll<T extends Document>(collection: Collection<T>, ops: AnyBulkWriteOperation<T>[]): Promise<void> {
  try {
    await collection.bulkWrite(ops, { ordered: false });
  } catch (error) {
    await collection.bulkWrite(duplicatePositions(error).map((index) => ops[index]!), { ordered: false });
  }
}

// Private: the positions of an unordered bulk write's statements refused as duplicate keys, when those are all
// its failures; any other failure is thrown again.
function duplicatePositions(error: unknown): number[] {
  if (!(error instanceof MongoBulkWriteError)) throw error;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  if (writeErrors.length === 0 || !writeErrors.every((w) => w?.code === DUPLICATE_KEY)) throw error;
  return writeErrors.map((w) => w.index);
}
