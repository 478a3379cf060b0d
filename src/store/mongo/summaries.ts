/**
 * Trace and service summaries, updated after each insert with commutative operators only ($min, $max,
 * $addToSet, and $inc for services), so batches of one trace may apply in any order with the same result.
 *
 * Trace counts are not `$inc`remented: they are counted from the stored spans of the batch's traces (one
 * aggregate) and applied with `$max` (counts only grow). That makes the trace update idempotent, so it can be
 * re-applied for duplicates: a re-submit after a failure between the span insert and the summary update
 * (the client saw STORE_UNAVAILABLE) repairs the summary instead of leaving its spans out of it.
 *
 * `durationUs` cannot be expressed with such operators; it is set on insert, and after an update of an existing
 * summary by a guarded update that only matches while start and end are still the values it was computed from
 * (the last writer re-derives it). The services update runs concurrently with the trace updates.
 */
import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db, type Document } from 'mongodb';
import { DUPLICATE_KEY, LOOKUP_BATCH_SIZE } from './constants';
import { Collections, type AttrDoc, type ServiceDoc, type SpanDoc, type TraceDoc } from './documents';

interface TraceDelta {
  startUs: number;
  endUs: number;
  /** False when the trace only has re-applied (duplicate) spans in this batch: its expiry stays. */
  received: boolean;
  services: Set<string>;
  /** (service, operation) pairs by a key unique to the pair. */
  svcOps: Map<string, { s: string; o: string }>;
  /** Attributes by a key unique to the (key, canonical value) pair. */
  attrs: Map<string, AttrDoc>;
}

interface ServiceDelta {
  operations: Set<string>;
  spanCount: number;
  firstSeenUs: number;
  lastSeenUs: number;
}

/** What the summaries read of a stored span: its document's fields (attributes already in their stored form). */
export type SummarySource = Pick<SpanDoc, 'traceId' | 'service' | 'operation' | 'startUs' | 'endUs' | 'attrs'>;

/** The projection that reads a stored span as a SummarySource. */
export const SUMMARY_SOURCE_PROJECTION = { traceId: 1, service: 1, operation: 1, startUs: 1, endUs: 1, attrs: 1 } as const;

/**
 * `inserted`: documents of the spans this call stored. `reapplied`: stored copies of spans this call found
 * already stored; their trace summary is re-applied (idempotent), their service counts are not touched again.
 */
export async function updateSummaries(
  db: Db,
  inserted: readonly SummarySource[],
  reapplied: readonly SummarySource[],
  receivedAt: Date,
  expireAt: Date,
): Promise<void> {
  if (inserted.length === 0 && reapplied.length === 0) return;
  const traces = new Map<string, TraceDelta>();
  const services = new Map<string, ServiceDelta>();
  const add = (span: SummarySource, isNew: boolean): void => {
    let t = traces.get(span.traceId);
    if (!t) {
      t = { startUs: span.startUs, endUs: span.endUs, received: isNew, services: new Set(), svcOps: new Map(), attrs: new Map() };
      traces.set(span.traceId, t);
    }
    if (isNew) t.received = true;
    if (span.startUs < t.startUs) t.startUs = span.startUs;
    if (span.endUs > t.endUs) t.endUs = span.endUs;
    t.services.add(span.service);
    const pair = `${span.service.length}:${span.service}${span.operation}`;
    if (!t.svcOps.has(pair)) t.svcOps.set(pair, { s: span.service, o: span.operation });
    for (const attr of span.attrs ?? []) {
      const key = `${attr.k.length}:${attr.k}${attr.v}`;
      if (!t.attrs.has(key)) t.attrs.set(key, attr);
    }
    // Service counts grow only for newly inserted spans; operations and first/last seen are idempotent.
    let s = services.get(span.service);
    if (!s) {
      s = { operations: new Set(), spanCount: 0, firstSeenUs: span.startUs, lastSeenUs: span.endUs };
      services.set(span.service, s);
    }
    s.operations.add(span.operation);
    if (isNew) s.spanCount += 1;
    if (span.startUs < s.firstSeenUs) s.firstSeenUs = span.startUs;
    if (span.endUs > s.lastSeenUs) s.lastSeenUs = span.endUs;
  };
  for (const span of inserted) add(span, true);
  for (const span of reapplied) add(span, false);
  // The services update does not depend on the trace summaries: it runs alongside them. Both are awaited
  // (settled) before this returns or throws, so nothing is acknowledged before the store acknowledged both.
  const [tracesDone, servicesDone] = await Promise.allSettled([updateTraces(db, traces, receivedAt, expireAt), updateServices(db, services, expireAt)]);
  if (tracesDone.status === 'rejected') throw tracesDone.reason;
  if (servicesDone.status === 'rejected') throw servicesDone.reason;
}

// Private: span counts (one aggregate), the commutative upsert of every trace of the batch, then the
// duration fix-up for the traces the upsert did not create.
async function updateTraces(db: Db, traces: Map<string, TraceDelta>, receivedAt: Date, expireAt: Date): Promise<void> {
  const counts = await countSpans(db, [...traces.keys()]);

  const traceOps: AnyBulkWriteOperation<TraceDoc>[] = [...traces].map(([traceId, t]) => {
    const count = counts.get(traceId) ?? { spans: 0, errors: 0 };
    return {
      updateOne: {
        filter: { _id: traceId },
        update: {
          $min: { startUs: t.startUs },
          $max: { endUs: t.endUs, spanCount: count.spans, errorCount: count.errors, ...(t.received ? { receivedAt, expireAt } : {}) },
          $addToSet: { services: { $each: [...t.services] }, svcOps: { $each: [...t.svcOps.values()] }, attrs: { $each: [...t.attrs.values()] } },
          // Right for a trace first seen in this batch; a concurrent batch is reconciled by fixDurations.
          $setOnInsert: { durationUs: t.endUs - t.startUs, ...(t.received ? {} : { receivedAt, expireAt }) },
        },
        upsert: true,
      },
    };
  });
  const created = await upsertAll(db.collection<TraceDoc>(Collections.traces), traceOps);
  // A trace this batch's upsert created got its durationUs from $setOnInsert, computed from the very start and
  // end it inserted; any later change of start/end is made by another batch's upsert, which matches the
  // document and so runs the fix-up itself. Only traces that already existed need the read-back.
  const ids = [...traces.keys()];
  const existing = created === null ? ids : ids.filter((_, index) => !created.has(index));
  if (existing.length > 0) await fixDurations(db, existing);
}

// Private: stored spans and error spans per trace: one aggregate for the whole batch.
async function countSpans(db: Db, traceIds: readonly string[]): Promise<Map<string, { spans: number; errors: number }>> {
  const rows = await db
    .collection<SpanDoc>(Collections.spans)
    .aggregate<{ _id: string; spans: number; errors: number }>(
      [
        { $match: { traceId: { $in: [...traceIds] } } },
        { $group: { _id: '$traceId', spans: { $sum: 1 }, errors: { $sum: { $cond: [{ $eq: ['$status', 'ERROR'] }, 1, 0] } } } },
      ],
      { batchSize: LOOKUP_BATCH_SIZE },
    )
    .toArray();
  return new Map(rows.map((r) => [r._id, { spans: r.spans, errors: r.errors }]));
}

// Private: one upsert per service of the batch.
async function updateServices(db: Db, services: Map<string, ServiceDelta>, expireAt: Date): Promise<void> {
  const ops: AnyBulkWriteOperation<ServiceDoc>[] = [...services].map(([name, s]) => ({
    updateOne: {
      filter: { _id: name },
      update: {
        $addToSet: { operations: { $each: [...s.operations] } },
        $inc: { spanCount: s.spanCount },
        $min: { firstSeenUs: s.firstSeenUs },
        $max: { lastSeenUs: s.lastSeenUs, expireAt },
      },
      upsert: true,
    },
  }));
  await upsertAll(db.collection<ServiceDoc>(Collections.services), ops);
}

// Private: two concurrent upserts of a new _id can race on a real MongoDB; the loser fails with a duplicate
// key error and, the document now existing, succeeds as a plain update when retried (once, only those ops).
// Returns the indexes of the ops whose upsert inserted a document, or null when that is not known (after a
// retry: callers then treat every document as pre-existing).
async function upsertAll<T extends Document>(collection: Collection<T>, ops: AnyBulkWriteOperation<T>[]): Promise<Set<number> | null> {
  try {
    const result = await collection.bulkWrite(ops, { ordered: false });
    const upserted = result.upsertedIds as Record<string, unknown> | undefined;
    if (!upserted || result.upsertedCount !== Object.keys(upserted).length) return null;
    return new Set(Object.keys(upserted).map(Number));
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    if (writeErrors.length === 0 || !writeErrors.every((w) => w?.code === DUPLICATE_KEY)) throw error;
    await collection.bulkWrite(writeErrors.map((w) => ops[w.index]!), { ordered: false });
    return null;
  }
}

// Private: re-derive durationUs from the stored start/end; the filter on start/end makes a stale
// computation match nothing, and whoever changed start/end last reads and writes the final value.
async function fixDurations(db: Db, traceIds: readonly string[]): Promise<void> {
  const traces = db.collection<TraceDoc>(Collections.traces);
  const docs = await traces
    .find({ _id: { $in: [...traceIds] } }, { projection: { startUs: 1, endUs: 1, durationUs: 1 }, batchSize: LOOKUP_BATCH_SIZE })
    .toArray();
  const ops: AnyBulkWriteOperation<TraceDoc>[] = docs
    .filter((d) => d.durationUs !== d.endUs - d.startUs)
    .map((d) => ({
      updateOne: { filter: { _id: d._id, startUs: d.startUs, endUs: d.endUs }, update: { $set: { durationUs: d.endUs - d.startUs } } },
    }));
  if (ops.length > 0) await traces.bulkWrite(ops, { ordered: false });
}
