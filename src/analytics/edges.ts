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

/**
 * The edge calls this batch of newly inserted spans is responsible for counting.
 *
 * This function only sequences the store commands; the work over the spans, the notes and the spans read back is
 * done by the small synchronous functions below (one loop each). This one runs once per rollup group, and the
 * engine optimizes a function by the work done in its own body: kept free of loops, it is not optimized, while
 * each loop is optimized on its own, which costs little and, should the loop meet a shape it has not seen (a
 * note's lists, a span read back), is redone alone rather than with everything this function would inline.
 */
export async function countableEdges(db: Db, inserted: readonly SpanCore[], waitExpireAt: Date): Promise<EdgeCall[]> {
  if (inserted.length === 0) return [];
  const search = startSearch(inserted);
  const spans = db.collection<PairSpan & { _id: string }>(Collections.spans);
  const waits = db.collection<WaitDoc>(EDGE_WAITS_COLLECTION);
  // As a child: look the awaited parents up before noting any wait; a parent found now was stored before this
  // call noted anything, so no other call can see the pair (see the module comment). As a parent: read the notes
  // of the batch's traces (one `_id` per trace) for children stored earlier by other calls that wait for a span
  // this call inserted.
  const [parents, found] = await Promise.all([
    search.waiting.size > 0 ? spans.find({ _id: { $in: [...search.waiting.keys()] } }, { projection: PAIR_PROJECTION }).toArray() : [],
    waits.find({ _id: { $in: traceIdsOf(inserted) } }).toArray(),
  ]);
  countFoundParents(search, parents);
  const resolved = readNotes(search, found);
  // Resolved lists leave their notes alongside the rest (a child noted after the read finds its parent itself).
  const removed = resolved.length > 0 ? removeResolved(waits, resolved) : Promise.resolve();
  try {
    // Parents still missing: the wait is noted first, then they are looked up again (see the module comment for
    // why this order), in one lookup with the waiting children.
    await noteWaits(waits, search.waiting, waitExpireAt);
    if (search.waiting.size > 0 || search.waitingChildIds.size > 0) {
      const ids = [...search.waiting.keys(), ...search.waitingChildIds];
      contestPairs(search, await spans.find({ _id: { $in: ids } }, { projection: PAIR_PROJECTION }).toArray());
    }
  } finally {
    await removed;
  }
  if (search.contested.size === 0) return search.own;
  const won = await claim(db, [...search.contested.keys()]);
  return wonCalls(search, won);
}

/** Where one search for the pairs of a batch stands. */
interface PairSearch {
  /** The batch's own spans. */
  mine: SpansByKey;
  /** Edge calls this call counts alone: both spans its own, or the parent stored before any wait was noted. */
  own: EdgeCall[];
  /** Children whose parent this call did not insert (nor found yet), by the parent's document id. */
  waiting: Map<string, SpanCore[]>;
  /** Children noted by other calls as waiting for a span this call inserted, by document id. */
  waitingChildIds: Set<string>;
  /** Pairs seen by this call and maybe by another, by the child's document id: counted by the claim's winner. */
  contested: Map<string, EdgeCall>;
}

// Private: the batch's own pairs counted, and its children whose parent it did not insert set waiting.
function startSearch(inserted: readonly SpanCore[]): PairSearch {
  const search: PairSearch = { mine: new SpansByKey(inserted), own: [], waiting: new Map(), waitingChildIds: new Set(), contested: new Map() };
  for (let i = 0; i < inserted.length; i++) {
    const child = inserted[i]!;
    if (child.parentSpanId === null) continue;
    const parent = search.mine.get(child.traceId, child.parentSpanId);
    if (parent) {
      if (parent.service !== child.service) search.own.push({ source: parent.service, child });
    } else {
      const parentId = spanDocId(child.traceId, child.parentSpanId);
      const children = search.waiting.get(parentId);
      if (children) children.push(child);
      else search.waiting.set(parentId, [child]);
    }
  }
  return search;
}

// Private: the ids of the traces of `spans`, each once.
function traceIdsOf(spans: readonly SpanCore[]): string[] {
  const ids = new Set<string>();
  for (let i = 0; i < spans.length; i++) ids.add(spans[i]!.traceId);
  return [...ids];
}

// Private: parents found by the first lookup: their children's calls are this call's own, and no longer waiting.
function countFoundParents(search: PairSearch, parents: readonly PairSpan[]): void {
  for (const doc of parents) {
    const id = spanDocId(doc.traceId, doc.spanId);
    for (const call of callsFrom(doc, search.waiting.get(id))) search.own.push(call);
    search.waiting.delete(id);
  }
}

// Private: the children the notes list as waiting for a span this call inserted (into `waitingChildIds`), and per
// note the lists of those parents, which are resolved.
function readNotes(search: PairSearch, notes: readonly WaitDoc[]): ResolvedWaits[] {
  const resolved: ResolvedWaits[] = [];
  for (const note of notes) {
    const lists: Record<string, ''> = {};
    let any = false;
    let all = true;
    for (const [parentSpanId, children] of Object.entries(note.w ?? {})) {
      if (!search.mine.get(note._id, parentSpanId)) {
        all = false;
        continue;
      }
      for (const spanId of children) search.waitingChildIds.add(spanDocId(note._id, spanId));
      lists[`w.${parentSpanId}`] = '';
      any = true;
    }
    if (any) resolved.push({ note, lists, all });
  }
  return resolved;
}

// Private: pairs seen by the second lookup, which another call may see too: a waiting child's parent found, or a
// child noted by another call whose parent this call inserted.
function contestPairs(search: PairSearch, docs: readonly PairSpan[]): void {
  for (const doc of docs) {
    const id = spanDocId(doc.traceId, doc.spanId);
    for (const call of callsFrom(doc, search.waiting.get(id))) search.contested.set(spanDocId(call.child.traceId, call.child.spanId), call);
    if (search.waitingChildIds.has(id) && doc.parentSpanId !== null) {
      const parent = search.mine.get(doc.traceId, doc.parentSpanId);
      if (parent && parent.service !== doc.service) search.contested.set(id, { source: parent.service, child: asRecord(doc) });
    }
  }
}

// Private: this call's own calls and the contested ones whose claim it won.
function wonCalls(search: PairSearch, won: ReadonlySet<string>): EdgeCall[] {
  const out = search.own;
  for (const [id, call] of search.contested) if (won.has(id)) out.push(call);
  return out;
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
