/**
 * Erasure of whole traces: every trace whose summary matches a TraceQuery, with all its spans. Trace summaries
 * are deleted with their traces; service summaries are corrected by commutative updates (`$inc` of the span
 * count by minus the erased spans, `$pull` of operations no remaining span of the service has, first/last seen
 * re-derived from the remaining spans), and a service left with no span is deleted.
 *
 * Traces are matched once, up front; each batch of trace ids is then counted, handed to `onErase` (rollups kept
 * elsewhere), and deleted. A span of an erased trace arriving after its batch was deleted is stored as new.
 */
import type { Db } from 'mongodb';
import type { SpanRecord } from '../../domain';
import { LOOKUP_BATCH_SIZE } from './constants';
import { Collections, fromSpanDoc, type ServiceDoc, type SpanDoc, type TraceDoc } from './documents';
import { traceFilter } from './query';
import type { EraseOptions, EraseOutcome, TraceQuery } from '../types';

/** Trace ids per delete round. */
export const ERASE_BATCH_SIZE = 500;

export async function eraseTraces(db: Db, query: TraceQuery, options: EraseOptions): Promise<EraseOutcome> {
  const traces = db.collection<TraceDoc>(Collections.traces);
  const spans = db.collection<SpanDoc>(Collections.spans);
  const ids = (await traces.find(traceFilter(query), { projection: { _id: 1 }, batchSize: LOOKUP_BATCH_SIZE }).toArray()).map((d) => d._id);
  const outcome: EraseOutcome = { traces: 0, spans: 0, traceIds: [] };
  for (let i = 0; i < ids.length; i += ERASE_BATCH_SIZE) {
    const batch = ids.slice(i, i + ERASE_BATCH_SIZE);
    if (options.dryRun) {
      outcome.traces += batch.length;
      outcome.spans += await spans.countDocuments({ traceId: { $in: batch } });
      outcome.traceIds.push(...batch);
      continue;
    }
    const docs = await spans.find({ traceId: { $in: batch } }, { batchSize: LOOKUP_BATCH_SIZE }).toArray();
    const records = docs.map(fromSpanDoc);
    if (options.onErase && records.length > 0) await options.onErase(records);
    const deletedSpans = docs.length === 0 ? 0 : (await spans.deleteMany({ _id: { $in: docs.map((d) => d._id) } })).deletedCount;
    const deletedTraces = (await traces.deleteMany({ _id: { $in: batch } })).deletedCount;
    await correctServices(db, records);
    outcome.traces += deletedTraces;
    outcome.spans += deletedSpans;
    outcome.traceIds.push(...batch);
  }
  return outcome;
}

// Private: per service, minus the erased spans, without the operations no remaining span has, first/last seen
// from the remaining spans; deleted when no span is left.
async function correctServices(db: Db, erased: readonly SpanRecord[]): Promise<void> {
  if (erased.length === 0) return;
  const services = db.collection<ServiceDoc>(Collections.services);
  const byService = new Map<string, { count: number; operations: Set<string> }>();
  for (const span of erased) {
    let s = byService.get(span.service);
    if (!s) byService.set(span.service, (s = { count: 0, operations: new Set() }));
    s.count += 1;
    s.operations.add(span.operation);
  }
  const remaining = await db
    .collection<SpanDoc>(Collections.spans)
    .aggregate<{ _id: string; operations: string[]; firstSeenUs: number; lastSeenUs: number }>(
      [
        { $match: { service: { $in: [...byService.keys()] } } },
        { $group: { _id: '$service', operations: { $addToSet: '$operation' }, firstSeenUs: { $min: '$startUs' }, lastSeenUs: { $max: '$endUs' } } },
      ],
      { batchSize: LOOKUP_BATCH_SIZE },
    )
    .toArray();
  const left = new Map(remaining.map((r) => [r._id, r]));
  for (const [name, s] of byService) {
    const rest = left.get(name);
    if (!rest) {
      await services.deleteOne({ _id: name });
      continue;
    }
    const gone = [...s.operations].filter((op) => !rest.operations.includes(op));
    await services.updateOne(
      { _id: name },
      {
        $inc: { spanCount: -s.count },
        $set: { firstSeenUs: rest.firstSeenUs, lastSeenUs: rest.lastSeenUs },
        ...(gone.length > 0 ? { $pull: { operations: { $in: gone } } } : {}),
      },
    );
  }
}
