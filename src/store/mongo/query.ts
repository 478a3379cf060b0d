/**
 * TraceQuery -> MongoDB filter on `traces`. Client values appear only as literal operands (`$eq`-style
 * equality on strings and canonical JSON text, numeric bounds), never as field names or operators.
 */
import { Long, type Db, type Document, type Filter } from 'mongodb';
import { canonicalJson, type SpanRecord } from '../../domain';
import type { CursorPosition } from '../cursor';
import { SPAN_PARTS, TRACE_PARTS, type SpanPart, type TraceOrder, type TracePart, type TraceQuery, type TraceSummary } from '../types';
import { Collections, fromSpanDoc, fromSpanDocParts, fromTraceDoc, fromTraceDocParts, type SpanDoc, type TraceDoc } from './documents';

/**
 * What a trace read leaves out: a trace document also holds every (service, operation) pair and attribute seen
 * in the trace, for filters only, which a reply need not carry nor the gateway decode. An exclusion of
 * top-level fields: the embedded store applies it to the stored bytes without decoding the document.
 */
export const TRACE_READ_PROJECTION = { svcOps: 0, attrs: 0, receivedAt: 0, expireAt: 0 } as const;

/** The document fields holding each optional part of a trace summary. */
const TRACE_PART_FIELDS: Readonly<Record<TracePart, readonly (keyof TraceDoc)[]>> = {
  times: ['endUs', 'durationUs'],
  counts: ['spanCount', 'errorCount'],
  services: ['services'],
};

/**
 * How to read trace summaries in `order` with only the given parts: the find projection (an exclusion, which
 * the embedded store applies to the stored bytes) and the decoder. The field the order sorts on is always read:
 * the page's cursors hold it.
 */
export function traceRead(parts: ReadonlySet<TracePart> | undefined, order: TraceOrder): { projection: Record<string, 0>; decode(doc: TraceDoc): TraceSummary } {
  if (parts === undefined || TRACE_PARTS.every((p) => parts.has(p))) return { projection: TRACE_READ_PROJECTION, decode: fromTraceDoc };
  const projection: Record<string, 0> = { ...TRACE_READ_PROJECTION };
  for (const part of TRACE_PARTS) if (!parts.has(part)) for (const field of TRACE_PART_FIELDS[part]) if (field !== sortField(order)) projection[field] = 0;
  return { projection, decode: (doc) => fromTraceDocParts(doc, parts) };
}

export function traceFilter(query: TraceQuery): Filter<TraceDoc> {
  const and: Filter<TraceDoc>[] = [];
  if (query.service !== undefined && query.operation !== undefined) {
    and.push({ svcOps: { $elemMatch: { s: { $eq: query.service }, o: { $eq: query.operation } } } });
  } else if (query.service !== undefined) {
    and.push({ services: { $eq: query.service } });
  } else if (query.operation !== undefined) {
    and.push({ 'svcOps.o': { $eq: query.operation } });
  }
  if (query.status === 'ERROR') and.push({ errorCount: { $gt: 0 } });
  if (query.status === 'OK') and.push({ errorCount: { $eq: 0 } });
  if (query.minDurationUs !== undefined) and.push({ durationUs: { $gte: query.minDurationUs } });
  if (query.maxDurationUs !== undefined) and.push({ durationUs: { $lte: query.maxDurationUs } });
  if (query.startFromUs !== undefined) and.push({ startUs: { $gte: query.startFromUs } });
  if (query.startToUs !== undefined) and.push({ startUs: { $lte: query.startToUs } });
  for (const attr of query.attributes ?? []) {
    and.push({ attrs: { $elemMatch: { k: { $eq: attr.key }, v: { $eq: canonicalJson(attr.value) } } } });
  }
  return and.length === 0 ? {} : { $and: and };
}

export function sortField(order: TraceOrder): 'startUs' | 'durationUs' {
  return order === 'DURATION_DESC' ? 'durationUs' : 'startUs';
}

export function traceSort(order: TraceOrder): Record<string, 1 | -1> {
  const direction = order === 'START_TIME_ASC' ? 1 : -1;
  return { [sortField(order)]: direction, _id: direction };
}

/**
 * Everything strictly after the cursor's position in the order's (field, _id) sort. The first condition, implied
 * by the `$or`, is the range an index on the sort field can scan from, so a page deep in a long list starts at
 * the cursor instead of examining every entry before it (a planner does not derive a range from an `$or`).
 */
export function afterFilter(position: CursorPosition): Filter<TraceDoc> {
  const field = sortField(position.order);
  const ascending = position.order === 'START_TIME_ASC';
  const op = ascending ? '$gt' : '$lt';
  return {
    [field]: { [ascending ? '$gte' : '$lte']: position.key },
    $or: [
      { [field]: { [op]: position.key } },
      { [field]: { $eq: position.key }, _id: { [op]: position.traceId } },
    ],
  } as Filter<TraceDoc>;
}

/** How a search page is read, beyond its filter and order (see `readSearchPage`); tests lower the bounds. */
export interface SearchTuning {
  /**
   * A store of at most this many pages of trace summaries answers every search with one find (the store sorts the
   * matches when no index gives the page's order).
   */
  sortStoreUpTo: number;
  /**
   * Matches a `DURATION_DESC` search whose filter an index narrows sorts in the gateway, and summaries it walks in the
   * duration index before the store sorts the rest of its matches. Default: derived per page from the page's size
   * and the number of summaries stored (see `durationPage`).
   */
  walkUpTo?: number;
  /** An operation's traces are read per service of the operation, for up to this many services. */
  servicesUpTo: number;
}

export const DEFAULT_SEARCH_TUNING: SearchTuning = { sortStoreUpTo: 100, servicesUpTo: 64 };

/**
 * The `limit` first trace summaries matching `query` after `position` (null: from the start) in `order`, each read
 * with `projection` (which must keep `_id` and the order's sort field). Each search shape reads from an index in
 * the page's order, or a bounded number of summaries but in the cases docs/operations.md names ("Searches no index
 * orders"), on the embedded store and on MongoDB alike:
 * - an index gives the order (no filter; a service, a service and operation or an attribute in a start time order;
 *   a filter on status or durations alone, which walks the order's index checking it): one find;
 * - an operation without a service, in a start time order: `operations_start_id` orders an operation's traces per
 *   service, so the page is read per service of the operation (each one index range in the page's order) and merged;
 * - `DURATION_DESC` with a filter an index narrows: see `durationPage`.
 * The summaries and their order are those of one find with the filter and the order's sort.
 */
export async function readSearchPage(db: Db, query: TraceQuery, order: TraceOrder, position: CursorPosition | null, limit: number, projection: Document, tuning: SearchTuning = DEFAULT_SEARCH_TUNING): Promise<TraceDoc[]> {
  const duration = order === 'DURATION_DESC' && narrowedByIndex(query);
  const perService = order !== 'DURATION_DESC' && query.operation !== undefined && query.service === undefined;
  // A store of a few pages of summaries sorts any filter's matches faster than the page is read another way.
  const stored = duration || perService ? await db.collection<TraceDoc>(Collections.traces).estimatedDocumentCount() : 0;
  if (stored <= tuning.sortStoreUpTo * limit) return findPage(db, traceFilter(query), order, position, limit, projection);
  if (duration) return durationPage(db, query, position, limit, projection, tuning.walkUpTo ?? Math.round(Math.sqrt(limit * stored)));
  if (perService) {
    const services = await operationServices(db, query.operation!, tuning.servicesUpTo);
    if (services !== undefined) {
      const pages = await Promise.all(services.map((service) => findPage(db, traceFilter({ ...query, service }), order, position, limit, projection)));
      return mergePages(pages, order, limit);
    }
  }
  return findPage(db, traceFilter(query), order, position, limit, projection);
}

// Private: whether an index other than the order's narrows the filter's matches (an equality on a service, an
// operation or an attribute, or a start time range).
function narrowedByIndex(query: TraceQuery): boolean {
  return query.service !== undefined || query.operation !== undefined || (query.attributes?.length ?? 0) > 0 || query.startFromUs !== undefined || query.startToUs !== undefined;
}

// Private: one find of a page, in the order's sort.
function findPage(db: Db, base: Filter<TraceDoc>, order: TraceOrder, position: CursorPosition | null, limit: number, projection: Document): Promise<TraceDoc[]> {
  return findAll<TraceDoc>(db, Collections.traces, { filter: afterCursor(base, position), projection, sort: traceSort(order), limit });
}

// Private: `base`'s matches after the cursor's position (all of them without a cursor).
function afterCursor(base: Filter<TraceDoc>, position: CursorPosition | null): Filter<TraceDoc> {
  return position ? { $and: [base, afterFilter(position)] } : base;
}

/**
 * The services of the traces with `operation` (undefined past `cap` of them), in index order: each read is the
 * first entry of `operations_start_id` after the last service found (an `$elemMatch` fixing the operation with a
 * range on the service, one index range on both stores, read in the index's order as no other index applies), so
 * finding k services reads k + 1 summaries.
 */
async function operationServices(db: Db, operation: string, cap: number): Promise<string[] | undefined> {
  const services: string[] = [];
  let last: string | undefined;
  for (;;) {
    // After `last`: from the least string above it (a `$gt` range includes the bound's own keys on the embedded store).
    const pair: Document = last === undefined ? { o: { $eq: operation } } : { o: { $eq: operation }, s: { $gte: `${last}\u0000` } };
    const [doc] = await findAll<Pick<TraceDoc, 'svcOps'>>(db, Collections.traces, { filter: { svcOps: { $elemMatch: pair } }, projection: { _id: 0, svcOps: 1 }, limit: 1 });
    if (!doc) return services;
    // The entry read is the summary's least service of the operation after the last one (in the store's string order).
    const after = last === undefined ? undefined : Buffer.from(last, 'utf8');
    let next: Buffer | undefined;
    for (const { s, o } of doc.svcOps) {
      if (o !== operation) continue;
      const name = Buffer.from(s, 'utf8');
      if ((after === undefined || Buffer.compare(name, after) > 0) && (next === undefined || Buffer.compare(name, next) < 0)) next = name;
    }
    if (next === undefined) throw new Error(`operation ${JSON.stringify(operation)}: expected a trace summary with the operation after service ${JSON.stringify(last)}, received one without`);
    last = next.toString('utf8');
    services.push(last);
    if (services.length > cap) return undefined;
  }
}

// Private: the first `limit` summaries of several pages of one order, each trace once.
function mergePages(pages: TraceDoc[][], order: TraceOrder, limit: number): TraceDoc[] {
  if (pages.length === 1) return pages[0]!;
  const seen = new Set<string>();
  const out: TraceDoc[] = [];
  for (const doc of pages.flat().sort(compareIn(order))) {
    if (seen.has(doc._id)) continue;
    seen.add(doc._id);
    out.push(doc);
    if (out.length === limit) break;
  }
  return out;
}

// Private: the order's sort, (sort field, trace id), on decoded summaries (trace ids are lowercase hex: compared as
// the store compares strings).
function compareIn(order: TraceOrder): (a: TraceDoc, b: TraceDoc) => number {
  const field = sortField(order);
  const direction = order === 'START_TIME_ASC' ? 1 : -1;
  return (a, b) => direction * (a[field] !== b[field] ? a[field] - b[field] : a._id < b._id ? -1 : a._id > b._id ? 1 : 0);
}

/**
 * A `DURATION_DESC` page of a filter an index narrows. No index orders a service's (operation's, attribute's, time
 * range's) traces by duration, so, with M the filter's matches after the cursor and N the summaries stored (`bound`
 * is sqrt(page x N) unless tuned, at least 4 pages: about 3,200 for pages of 100 in 100,000 traces):
 * 1. up to `bound` matches are read through the narrowing index, in its order: when that is all of them (a narrow
 *    filter), the page is sorted from them in the gateway;
 * 2. else the duration index is walked from the cursor in chunks of growing size, each one find of an index range in
 *    the page's order reading the fields the filter tests, which the gateway tests (`matchesQuery`): a page of
 *    matches spread over the duration order comes within about page x N / M < `bound` summaries;
 * 3. after `bound` summaries walked without a full page (twice that once half a page is found), one find reads the
 *    rest of the page after the last summary walked through the narrowing index, the store sorting its matches:
 *    O(M), the slow case (matches gathered at the short end of the duration order), documented.
 * So a page reads at most about 3 x sqrt(page x N) summaries but in that case. The page is the one a find of the
 * filter in the order's sort reads.
 */
async function durationPage(db: Db, query: TraceQuery, position: CursorPosition | null, limit: number, projection: Document, bound: number): Promise<TraceDoc[]> {
  const base = traceFilter(query);
  const few = Math.max(NARROW_PAGES * limit, bound);
  const narrow = await findAll<TraceDoc>(db, Collections.traces, { filter: afterCursor(base, position), projection, limit: few });
  if (narrow.length < few) return narrow.sort(compareIn('DURATION_DESC')).slice(0, limit);
  // The page's projection, keeping the fields the filter tests.
  const walkProjection: Document = { ...projection };
  for (const field of QUERY_FIELDS) delete walkProjection[field];
  const out: TraceDoc[] = [];
  let from = position;
  let chunk = Math.max(4 * limit, 64);
  // A walk that found half a page goes on to twice the bound: the rest of the page is likely as near.
  const walkUpTo = (): number => (out.length * 2 >= limit ? 2 * bound : bound);
  for (let walked = 0; walked < walkUpTo(); ) {
    const size = Math.min(chunk, walkUpTo() - walked);
    const docs = await findAll<TraceDoc>(db, Collections.traces, { filter: from ? afterFilter(from) : {}, projection: walkProjection, sort: traceSort('DURATION_DESC'), limit: size });
    walked += docs.length;
    for (const doc of docs) {
      if (!matchesQuery(doc, query)) continue;
      out.push(doc);
      if (out.length === limit) return out;
    }
    if (docs.length < size) return out;
    const last = docs.at(-1)!;
    from = { order: 'DURATION_DESC', key: last.durationUs, traceId: last._id };
    chunk *= 4;
  }
  return [...out, ...(await findPage(db, base, 'DURATION_DESC', from, limit - out.length, projection))];
}

/** The least pages of matches a `DURATION_DESC` search reads and sorts in the gateway. */
const NARROW_PAGES = 4;

/** The summary fields `traceFilter` tests. */
const QUERY_FIELDS = ['services', 'svcOps', 'errorCount', 'durationUs', 'startUs', 'attrs'] as const satisfies readonly (keyof TraceDoc)[];

/**
 * Whether a summary matches `query` as `traceFilter(query)` matches it on the store (a summary read with the fields of
 * QUERY_FIELDS). Strings and canonical JSON texts compare as the store compares them under `$eq` (exactly).
 */
export function matchesQuery(doc: TraceDoc, query: TraceQuery): boolean {
  const { service, operation } = query;
  if (service !== undefined && operation !== undefined) {
    if (!doc.svcOps.some((p) => p.s === service && p.o === operation)) return false;
  } else if (service !== undefined) {
    if (!doc.services.includes(service)) return false;
  } else if (operation !== undefined) {
    if (!doc.svcOps.some((p) => p.o === operation)) return false;
  }
  if (query.status === 'ERROR' && !(doc.errorCount > 0)) return false;
  if (query.status === 'OK' && doc.errorCount !== 0) return false;
  if (query.minDurationUs !== undefined && !(doc.durationUs >= query.minDurationUs)) return false;
  if (query.maxDurationUs !== undefined && !(doc.durationUs <= query.maxDurationUs)) return false;
  if (query.startFromUs !== undefined && !(doc.startUs >= query.startFromUs)) return false;
  if (query.startToUs !== undefined && !(doc.startUs <= query.startToUs)) return false;
  for (const attr of query.attributes ?? []) {
    const v = canonicalJson(attr.value);
    if (!doc.attrs.some((a) => a.k === attr.key && a.v === v)) return false;
  }
  return true;
}

/** The span document fields no read returns (the key, retention bookkeeping). */
const SPAN_UNREAD_FIELDS = ['_id', 'receivedAt', 'expireAt'] as const;

/** Parts whose fields most span documents do not have (`links` is set only on spans with links). */
const SPARSE_PARTS: ReadonlySet<SpanPart> = new Set(['links']);

/** The document fields holding each optional part. */
const PART_FIELDS: Readonly<Record<SpanPart, readonly (keyof SpanDoc)[]>> = {
  result: ['result'],
  attributes: ['attrs'],
  metrics: ['metrics'],
  events: ['events'],
  links: ['links'],
  kind: ['kind'],
  times: ['endUs', 'durationUs'],
  status: ['status'],
};

/**
 * How to read spans with only the given optional parts: the find projection (null: the whole document) and
 * the decoder, which leaves a part not read absent.
 */
export interface SpanRead {
  projection: Record<string, 0 | 1> | null;
  decode(doc: SpanDoc): SpanRecord;
}

const WHOLE_SPAN: SpanRead = { projection: null, decode: fromSpanDoc };

export function spanRead(parts: ReadonlySet<SpanPart> | undefined): SpanRead {
  if (parts === undefined || SPAN_PARTS.every((p) => parts.has(p))) return WHOLE_SPAN;
  const key = SPAN_PARTS.filter((p) => parts.has(p)).join(',');
  let read = partialReads.get(key);
  if (!read) {
    // An exclusion of top-level fields, which the embedded store applies to the stored bytes without decoding: it
    // copies each document it takes a field out of, and sends a document that has none of them as stored. The
    // bookkeeping fields, which every document has, are left out only when a part every document has is left out
    // too (each document is copied anyway, and sent and decoded ~70 bytes shorter); a read leaving out sparse
    // parts alone (every part but links) copies no document without them, and decodes the bookkeeping fields,
    // which costs the gateway less than the copies cost the store.
    const projection: Record<string, 0 | 1> = {};
    if (SPAN_PARTS.some((p) => !parts.has(p) && !SPARSE_PARTS.has(p))) for (const field of SPAN_UNREAD_FIELDS) projection[field] = 0;
    for (const part of SPAN_PARTS) if (!parts.has(part)) for (const field of PART_FIELDS[part]) projection[field] = 0;
    const has = new Set(parts);
    read = { projection, decode: (doc) => fromSpanDocParts(doc, has) };
    partialReads.set(key, read);
  }
  return read;
}

const partialReads = new Map<string, SpanRead>();


/** What `findAll` reads: a find's filter and options, as the `find` command takes them. */
export interface FindAll {
  filter: Document;
  projection?: Document;
  sort?: Record<string, 1 | -1>;
  limit?: number;
  /** Documents in the command's reply (default: the limit, else as many as 16 MiB holds). */
  batchSize?: number;
}

/**
 * Every document a find matches, read with one `find` command whose reply the driver decodes in one pass. The
 * driver's cursor (`find().toArray()`) decodes each document of a reply separately, with its options copied per
 * document: measured on this project's store, the command costs about 30% less client CPU than the cursor for
 * 80 span documents and 40% less for 1,000. A batch stops at 16 MiB: a reply that did not hold every document
 * (a cursor left open) is read again through the driver's cursor, which follows it with getMore on the server that
 * holds it, and the command's cursor is closed.
 */
export async function findAll<T>(db: Db, collection: string, find: FindAll): Promise<T[]> {
  const reply = await db.command({
    find: collection,
    filter: find.filter,
    ...(find.projection ? { projection: find.projection } : {}),
    ...(find.sort ? { sort: find.sort } : {}),
    ...(find.limit !== undefined ? { limit: find.limit } : {}),
    batchSize: find.batchSize ?? find.limit ?? WHOLE_REPLY_BATCH,
  });
  const cursor = (reply as { cursor?: { id?: unknown; firstBatch?: T[] } }).cursor;
  if (!cursor || !Array.isArray(cursor.firstBatch)) throw new Error(`find on ${collection}: expected a reply with cursor.firstBatch, received ${Object.keys(reply).join(', ')}`);
  if (isClosedCursor(cursor.id)) return cursor.firstBatch;
  await db.command({ killCursors: collection, cursors: [cursor.id] }).catch(() => undefined);
  return db
    .collection(collection)
    .find(find.filter, {
      batchSize: WHOLE_REPLY_BATCH,
      ...(find.projection ? { projection: find.projection } : {}),
      ...(find.sort ? { sort: find.sort } : {}),
      ...(find.limit !== undefined ? { limit: find.limit } : {}),
      })
    .toArray() as Promise<T[]>;
}

/** A first batch as large as a reply may be (the server stops it at 16 MiB). */
const WHOLE_REPLY_BATCH = 1_000_000;

function isClosedCursor(id: unknown): boolean {
  if (id === undefined || id === null || id === 0) return true;
  if (Long.isLong(id)) return id.isZero();
  return typeof id === 'bigint' && id === 0n;
}
