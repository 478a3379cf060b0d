/**
 * Trace and service summary updates for newly inserted spans. Only commutative operators ($min, $max,
 * $inc, $addToSet), so two batches of one trace may apply in any order with the same result.
 * `durationUs` cannot be expressed that way; it is set afterwards by a guarded update that only matches
 * while start and end are still the values it was computed from (the last writer always re-derives it).
 */
import type { AnyBulkWriteOperation, Db } from 'mongodb';
import type { SpanRecord } from '../../domain';
import { Collections, toAttrDocs, type AttrDoc, type ServiceDoc, type TraceDoc } from './documents';

interface TraceDelta {
  startUs: number;
  endUs: number;
  spanCount: number;
  errorCount: number;
  services: Set<string>;
  svcOps: Map<string, { s: string; o: string }>;
  attrs: Map<string, AttrDoc>;
}

interface ServiceDelta {
  operations: Set<string>;
  spanCount: number;
  firstSeenUs: number;
  lastSeenUs: number;
}

export async function updateSummaries(db: Db, inserted: readonly SpanRecord[], receivedAt: Date, expireAt: Date): Promise<void> {
  if (inserted.length === 0) return;
  const traces = new Map<string, TraceDelta>();
  const services = new Map<string, ServiceDelta>();
  for (const span of inserted) {
    let t = traces.get(span.traceId);
    if (!t) {
      t = { startUs: span.startUs, endUs: span.endUs, spanCount: 0, errorCount: 0, services: new Set(), svcOps: new Map(), attrs: new Map() };
      traces.set(span.traceId, t);
    }
    t.startUs = Math.min(t.startUs, span.startUs);
    t.endUs = Math.max(t.endUs, span.endUs);
    t.spanCount += 1;
    if (span.status === 'ERROR') t.errorCount += 1;
    t.services.add(span.service);
    t.svcOps.set(JSON.stringify([span.service, span.operation]), { s: span.service, o: span.operation });
    for (const attr of toAttrDocs(span.attributes)) t.attrs.set(JSON.stringify([attr.k, attr.v]), attr);

    let s = services.get(span.service);
    if (!s) {
      s = { operations: new Set(), spanCount: 0, firstSeenUs: span.startUs, lastSeenUs: span.endUs };
      services.set(span.service, s);
    }
    s.operations.add(span.operation);
    s.spanCount += 1;
    s.firstSeenUs = Math.min(s.firstSeenUs, span.startUs);
    s.lastSeenUs = Math.max(s.lastSeenUs, span.endUs);
  }

  const traceOps: AnyBulkWriteOperation<TraceDoc>[] = [...traces].map(([traceId, t]) => ({
    updateOne: {
      filter: { _id: traceId },
      update: {
        $min: { startUs: t.startUs },
        $max: { endUs: t.endUs, receivedAt, expireAt },
        $inc: { spanCount: t.spanCount, errorCount: t.errorCount },
        $addToSet: { services: { $each: [...t.services] }, svcOps: { $each: [...t.svcOps.values()] }, attrs: { $each: [...t.attrs.values()] } },
        // Right for a trace first seen in this batch; a concurrent batch is reconciled by fixDurations.
        $setOnInsert: { durationUs: t.endUs - t.startUs },
      },
      upsert: true,
    },
  }));
  await db.collection<TraceDoc>(Collections.traces).bulkWrite(traceOps, { ordered: false });
  await fixDurations(db, [...traces.keys()]);

  const serviceOps: AnyBulkWriteOperation<ServiceDoc>[] = [...services].map(([name, s]) => ({
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
  await db.collection<ServiceDoc>(Collections.services).bulkWrite(serviceOps, { ordered: false });
}

// Private: re-derive durationUs from the stored start/end; the filter on start/end makes a stale
// computation match nothing, and whoever changed start/end last reads and writes the final value.
async function fixDurations(db: Db, traceIds: readonly string[]): Promise<void> {
  const traces = db.collection<TraceDoc>(Collections.traces);
  const docs = await traces
    .find({ _id: { $in: [...traceIds] } }, { projection: { startUs: 1, endUs: 1, durationUs: 1 } })
    .toArray();
  const ops: AnyBulkWriteOperation<TraceDoc>[] = docs
    .filter((d) => d.durationUs !== d.endUs - d.startUs)
    .map((d) => ({
      updateOne: { filter: { _id: d._id, startUs: d.startUs, endUs: d.endUs }, update: { $set: { durationUs: d.endUs - d.startUs } } },
    }));
  if (ops.length > 0) await traces.bulkWrite(ops, { ordered: false });
}
