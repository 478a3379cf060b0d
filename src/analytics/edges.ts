/**
 * Counting each cross-service parent/child pair exactly once, whatever the arrival order and however many
 * gateways store spans at the same moment.
 *
 * Every call that stores spans (after its insert) looks for the other half of each pair it touches: the stored
 * parents of the children it inserted, and the stored children of the parents it inserted (one find per batch).
 * - When the call inserted both spans of a pair, the pair is its own: no other call inserted either span, so
 *   no other call can see the pair as one it touched. It counts it.
 * - When the other span was stored by another call, both calls may see the pair (each reads after its own
 *   insert, so at least one of them sees the other's span). Each tries a conditional update on the child,
 *   `{_id, ec: absent} -> {ec: <its own token>}`; the store applies it once, and a read of the token tells each
 *   call whether it won. Only the winner counts the pair.
 * A PRODUCER -> CONSUMER pair is a parent/child pair like any other, so messaging counts like a call.
 */
import { randomUUID } from 'node:crypto';
import type { AnyBulkWriteOperation, Db } from 'mongodb';
import type { SpanRecord } from '../domain';
import { Collections, spanDocId } from '../store';

import { EDGE_COUNTED_FIELD } from './documents';
import type { EdgeCall } from './rollup';

/** The fields of a stored span the pair search reads. */
export interface PairSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  startUs: number;
  durationUs: number;
  status: SpanRecord['status'];
}

const PAIR_PROJECTION = { _id: 0, traceId: 1, spanId: 1, parentSpanId: 1, service: 1, startUs: 1, durationUs: 1, status: 1 } as const;

/** The edge calls this batch of newly inserted spans is responsible for counting. */
export async function countableEdges(db: Db, inserted: readonly SpanRecord[]): Promise<EdgeCall[]> {
  if (inserted.length === 0) return [];
  const mine = new Map<string, SpanRecord>();
  for (const span of inserted) mine.set(spanDocId(span.traceId, span.spanId), span);

  const own: EdgeCall[] = [];
  const missingParents = new Set<string>();
  for (const child of inserted) {
    if (child.parentSpanId === null) continue;
    const parent = mine.get(spanDocId(child.traceId, child.parentSpanId));
    if (parent) {
      if (parent.service !== child.service) own.push({ source: parent.service, child });
    } else missingParents.add(child.parentSpanId);
  }

  const traceIds = [...new Set(inserted.map((s) => s.traceId))];
  const insertedIds = [...new Set(inserted.map((s) => s.spanId))];
  const others = (
    await db
      .collection(Collections.spans)
      .find<PairSpan>(
        { traceId: { $in: traceIds }, $or: [{ spanId: { $in: [...missingParents] } }, { parentSpanId: { $in: insertedIds } }] },
        { projection: PAIR_PROJECTION, batchSize: 10_000 },
      )
      .toArray()
  ).filter((s) => !mine.has(spanDocId(s.traceId, s.spanId)));

  // Pairs with one span stored by another call: the child's document is the one to claim.
  const contested = new Map<string, EdgeCall>();
  const othersById = new Map(others.map((s) => [spanDocId(s.traceId, s.spanId), s]));
  for (const child of inserted) {
    if (child.parentSpanId === null) continue;
    const parent = othersById.get(spanDocId(child.traceId, child.parentSpanId));
    if (parent && parent.service !== child.service) contested.set(spanDocId(child.traceId, child.spanId), { source: parent.service, child });
  }
  for (const other of others) {
    if (other.parentSpanId === null) continue;
    const parent = mine.get(spanDocId(other.traceId, other.parentSpanId));
    if (parent && parent.service !== other.service) contested.set(spanDocId(other.traceId, other.spanId), { source: parent.service, child: asRecord(other) });
  }
  if (contested.size === 0) return own;
  const won = await claim(db, [...contested.keys()]);
  return [...own, ...[...contested].filter(([id]) => won.has(id)).map(([, call]) => call)];
}

/** Every cross-service pair among `spans` (both spans in the list): what a set of whole traces contributed. */
export function pairsWithin(spans: readonly PairSpan[]): EdgeCall[] {
  const byId = new Map(spans.map((s) => [spanDocId(s.traceId, s.spanId), s]));
  const out: EdgeCall[] = [];
  for (const child of spans) {
    if (child.parentSpanId === null) continue;
    const parent = byId.get(spanDocId(child.traceId, child.parentSpanId));
    if (parent && parent.service !== child.service) out.push({ source: parent.service, child: asRecord(child) });
  }
  return out;
}

// Private: the conditional update on each child, then a read of which ones carry this call's token.
async function claim(db: Db, childIds: readonly string[]): Promise<Set<string>> {
  const token = randomUUID();
  const spans = db.collection<{ _id: string }>(Collections.spans);
  const ops: AnyBulkWriteOperation<{ _id: string }>[] = childIds.map((id) => ({
    updateOne: { filter: { _id: id, [EDGE_COUNTED_FIELD]: { $exists: false } }, update: { $set: { [EDGE_COUNTED_FIELD]: token } } },
  }));
  const result = await spans.bulkWrite(ops, { ordered: false });
  if (result.modifiedCount === 0) return new Set();
  if (result.modifiedCount === childIds.length) return new Set(childIds);
  const won = await spans.find({ _id: { $in: [...childIds] }, [EDGE_COUNTED_FIELD]: token }, { projection: { _id: 1 } }).toArray();
  return new Set(won.map((d) => d._id));
}

// Private: the rollups read only these fields of a span.
function asRecord(span: PairSpan): SpanRecord {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    service: span.service,
    operation: '',
    kind: 'INTERNAL',
    startUs: span.startUs,
    endUs: span.startUs + span.durationUs,
    durationUs: span.durationUs,
    status: span.status,
    result: null,
    attributes: [],
    metrics: [],
    events: [],
    links: [],
  };
}
