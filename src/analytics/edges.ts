/**
 * Counting each cross-service parent/child pair exactly once, whatever the arrival order and however many
 * gateways store spans at the same moment.
 *
 * Every call that stores spans (after its insert) looks for the other half of each pair it touches:
 * - When the call inserted both spans of a pair, the pair is its own: no other call inserted either span, so
 *   no other call can see the pair as one it touched. It counts it.
 * - For a child whose parent it did not insert, it first looks the parent up, before noting anything. A parent
 *   found then was stored before any note of this child existed; a parent's call sees a pair only through a
 *   child's note, so this pair is the child's call's alone, and it counts it.
 * - For a child whose parent that lookup missed, it notes in `edge_waits` (in the note of the trace, under the
 *   parent's span id) that the child waits for that parent, then looks the parent up again. It reads the notes
 *   of the traces of the spans it inserted (an `_id` lookup per trace, alongside the first lookup) and looks up
 *   the children waiting for a span it inserted, in one find with the second lookup, after the note is written.
 *   If the child's call misses the parent again, its second lookup ran before the parent's insert, so its wait
 *   was written before the parent's call read the waits: at least one of the two calls sees the pair, possibly
 *   both.
 * - A pair seen by a call that did not insert both spans is contested. Each such call tries a conditional update on the child,
 *   `{_id, ec: absent} -> {ec: <its own token>}`; the store applies it once, and a read of the token tells each
 *   call whether it won. Only the winner counts the pair.
 * A PRODUCER -> CONSUMER pair is a parent/child pair like any other, so messaging counts like a call.
 */
import { randomUUID } from 'node:crypto';
import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import type { SpanCore } from '../domain';
import { Collections, spanDocId } from '../store';

import { EDGE_COUNTED_FIELD, EDGE_WAITS_COLLECTION, type WaitDoc } from './documents';
import type { EdgeCall } from './rollup';

/** The fields of a stored span the pair search reads. */
export interface PairSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  startUs: number;
  durationUs: number;
  status: SpanCore['status'];
}

const PAIR_PROJECTION = { _id: 1, traceId: 1, spanId: 1, parentSpanId: 1, service: 1, startUs: 1, durationUs: 1, status: 1 } as const;

/** The edge calls this batch of newly inserted spans is responsible for counting. */
export async function countableEdges(db: Db, inserted: readonly SpanCore[], waitExpireAt: Date): Promise<EdgeCall[]> {
  if (inserted.length === 0) return [];
  const mine = new SpansByKey(inserted);

  const own: EdgeCall[] = [];
  // Children whose parent this call did not insert, by the parent's document id.
  const waiting = new Map<string, SpanCore[]>();
  for (const child of inserted) {
    if (child.parentSpanId === null) continue;
    const parent = mine.get(child.traceId, child.parentSpanId);
    if (parent) {
      if (parent.service !== child.service) own.push({ source: parent.service, child });
    } else {
      const parentId = spanDocId(child.traceId, child.parentSpanId);
      waiting.set(parentId, [...(waiting.get(parentId) ?? []), child]);
    }
  }

  const contested = new Map<string, EdgeCall>();
  const spans = db.collection<PairSpan & { _id: string }>(Collections.spans);
  const waits = db.collection<WaitDoc>(EDGE_WAITS_COLLECTION);
  // As a child: look the awaited parents up before noting any wait; a parent found now was stored before this
  // call noted anything, so no other call can see the pair (see the module comment). As a parent: read the notes
  // of the batch's traces (one `_id` per trace) for children stored earlier by other calls that wait for a span
  // this call inserted.
  const [parents, found] = await Promise.all([
    waiting.size > 0 ? spans.find({ _id: { $in: [...waiting.keys()] } }, { projection: PAIR_PROJECTION }).toArray() : [],
    waits.find({ _id: { $in: [...new Set(inserted.map((s) => s.traceId))] } }).toArray(),
  ]);
  for (const doc of parents) {
    const id = spanDocId(doc.traceId, doc.spanId);
    own.push(...callsFrom(doc, waiting.get(id)));
    waiting.delete(id);
  }
  const waitingChildIds = new Set<string>();
  // Per note, the lists of the awaited parents this call inserted: they are resolved.
  const resolved: ResolvedWaits[] = [];
  for (const note of found) {
    const lists: Record<string, ''> = {};
    let all = true;
    for (const [parentSpanId, children] of Object.entries(note.w ?? {})) {
      if (!mine.get(note._id, parentSpanId)) {
        all = false;
        continue;
      }
      for (const spanId of children) waitingChildIds.add(spanDocId(note._id, spanId));
      lists[`w.${parentSpanId}`] = '';
    }
    if (Object.keys(lists).length > 0) resolved.push({ note, lists, all });
  }
  // Resolved lists leave their notes alongside the rest (a child noted after the read finds its parent itself).
  const removed = resolved.length > 0 ? removeResolved(waits, resolved) : Promise.resolve();
  try {
    // Parents still missing: the wait is noted first, then they are looked up again (see the module comment for
    // why this order), in one lookup with the waiting children.
    await noteWaits(waits, waiting, waitExpireAt);
    if (waiting.size > 0 || waitingChildIds.size > 0) {
      const docs = await spans.find({ _id: { $in: [...waiting.keys(), ...waitingChildIds] } }, { projection: PAIR_PROJECTION }).toArray();
      for (const doc of docs) {
        const id = spanDocId(doc.traceId, doc.spanId);
        for (const call of callsFrom(doc, waiting.get(id))) contested.set(spanDocId(call.child.traceId, call.child.spanId), call);
        if (waitingChildIds.has(id) && doc.parentSpanId !== null) {
          const parent = mine.get(doc.traceId, doc.parentSpanId);
          if (parent && parent.service !== doc.service) contested.set(id, { source: parent.service, child: asRecord(doc) });
        }
      }
    }
  } finally {
    await removed;
  }
  if (contested.size === 0) return own;
  const won = await claim(db, [...contested.keys()]);
  return [...own, ...[...contested].filter(([id]) => won.has(id)).map(([, call]) => call)];
}

// Private: the cross-service calls from a stored parent to the children that wait for it.
function callsFrom(parent: PairSpan, children: readonly SpanCore[] | undefined): EdgeCall[] {
  return (children ?? []).filter((child) => child.service !== parent.service).map((child) => ({ source: parent.service, child }));
}

/**
 * Spans by trace id, then span id: found by the two ids as they are, without joining them into a document id
 * per span (the batch's own spans are looked up once per child).
 */
class SpansByKey {
  private readonly byTrace = new Map<string, Map<string, SpanCore>>();

  constructor(spans: readonly SpanCore[]) {
    for (const span of spans) {
      let bySpan = this.byTrace.get(span.traceId);
      if (!bySpan) {
        bySpan = new Map();
        this.byTrace.set(span.traceId, bySpan);
      }
      bySpan.set(span.spanId, span);
    }
  }

  get(traceId: string, spanId: string): SpanCore | undefined {
    return this.byTrace.get(traceId)?.get(spanId);
  }
}

// Private: one note per trace, one `w.<parent span id>` list per awaited parent (span ids are hex: plain field names).
async function noteWaits(waits: Collection<WaitDoc>, waiting: ReadonlyMap<string, readonly SpanCore[]>, expireAt: Date): Promise<void> {
  if (waiting.size === 0) return;
  const notes = new Map<string, Record<string, { $each: string[] }>>();
  for (const children of waiting.values()) {
    const { traceId, parentSpanId } = children[0]!;
    let note = notes.get(traceId);
    if (!note) {
      note = {};
      notes.set(traceId, note);
    }
    note[`w.${parentSpanId!}`] = { $each: children.map((c) => c.spanId) };
  }
  await waits.bulkWrite(
    [...notes].map(([traceId, lists]) => ({ updateOne: { filter: { _id: traceId }, update: { $addToSet: lists, $max: { expireAt } }, upsert: true } })),
    { ordered: false },
  );
}

/** A wait note as read, the `w.<parent>` paths of its lists this call resolved, and whether that is all of them. */
export interface ResolvedWaits {
  note: WaitDoc;
  lists: Record<string, ''>;
  all: boolean;
}

/**
 * Resolved lists leave their notes: a child that starts waiting for one of these parents after the read finds the
 * parent itself. A note whose lists were all resolved is deleted if it is still as read (an equality filter on
 * its lists: a list or child added since makes it differ); otherwise only the resolved lists are removed, and a
 * note left without lists is deleted.
 */
export async function removeResolved(waits: Collection<WaitDoc>, resolved: readonly ResolvedWaits[]): Promise<void> {
  const whole = resolved.filter((r) => r.all);
  const ops: AnyBulkWriteOperation<WaitDoc>[] = resolved.map((r) =>
    r.all ? { deleteOne: { filter: { _id: r.note._id, w: r.note.w } } } : { updateOne: { filter: { _id: r.note._id }, update: { $unset: r.lists } } },
  );
  const result = await waits.bulkWrite(ops, { ordered: false });
  if (result.deletedCount === whole.length) return;
  // Some note changed since the read: remove just the resolved lists of those, then the notes left empty.
  await waits.bulkWrite(whole.map((r) => ({ updateOne: { filter: { _id: r.note._id }, update: { $unset: r.lists } } })), { ordered: false });
  await waits.deleteMany({ _id: { $in: whole.map((r) => r.note._id) }, w: {} });
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

// Private: the span as the rollups read it (its operation and kind are not read for an edge's child).
function asRecord(span: PairSpan): SpanCore {
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
  };
}
