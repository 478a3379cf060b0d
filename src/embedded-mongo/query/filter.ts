/** Query filters, sort and projection with mingo's MongoDB semantics, reading candidates through the read plan. */
import { deserialize, type Document } from 'bson';
import { Query } from 'mingo';
import { BSON_DECODE_OPTIONS, compareValues as compare, FilterShape, isPlainDocument, valuesAtPath, type Collection, type RangeCondition, type ReadPlan } from '../engine';
import { MongoCommandError } from '../errors';
import { locateElements, pickFields } from '../raw-bson';
import { withMingo } from './mingo-errors';

/** mingo options: MongoDB's strict semantics; `_id` is the identity field. */
export const MINGO_OPTIONS = { idKey: '_id', useStrictMode: true, scriptEnabled: false } as const;

export interface Selection {
  readonly docs: Document[];
  readonly plan: Pick<ReadPlan, 'stage' | 'indexName' | 'keysExamined'>;
  readonly docsExamined: number;
}

/** Compiles a filter (throwing BadValue for an unknown operator) into a predicate; `variables` are what `$$name`
 *  refers to inside `$expr` (a command's `let`). `shape`: the filter's shape when the caller plans with it too. */
export function compileFilter(filter: Document, variables?: Readonly<Document>, shape?: FilterShape): (doc: Document) => boolean {
  if (Object.keys(filter).length === 0) return () => true;
  // A mingo Query copies mingo's whole operator table when built (~50 µs): a filter of exact equalities and a
  // range (see prefixRangeShape), which cannot be invalid, gets its Query only once a document must be tested (an
  // index plan may test none).
  const build = (): Query => withMingo(() => new Query(filter, variables ? { ...MINGO_OPTIONS, variables } : MINGO_OPTIONS));
  const known = shape ?? new FilterShape(filter);
  let query = known.exactPath === undefined && known.prefixRange === undefined ? build() : undefined;
  return (doc) => withMingo(() => (query ??= build()).test(doc));
}

/**
 * The stored documents matching `filter` (the stored objects themselves: callers must not mutate them), at most
 * `limit` of them, read through the collection's best plan (for `sort`: then the limit holds only when the plan
 * gives that order, else every match is read for the caller to sort). Documents tested are counted in
 * `metrics.docsExamined`.
 */
export function select(coll: Collection | undefined, filter: Document, limit = Infinity, variables?: Readonly<Document>, sort?: Document): Selection {
  const shape = new FilterShape(filter);
  const test = compileFilter(filter, variables, shape);
  if (!coll) return { docs: [], plan: { stage: 'COLLSCAN', indexName: undefined, keysExamined: 0 }, docsExamined: 0 };
  const plan = coll.plan(filter, sort, shape);
  const stopAt = sort && Object.keys(sort).length > 0 && !plan.sorted ? Infinity : limit;
  const matches = residualTest(plan, test);
  const docs: Document[] = [];
  let examined = 0;
  for (const doc of plan.candidates) {
    if (docs.length >= stopAt) break;
    examined += 1;
    if (matches(doc)) docs.push(doc);
  }
  coll.metrics.docsExamined += examined;
  return { docs, plan, docsExamined: examined };
}

/**
 * The documents matching `filter`, read lazily through the collection's plan for `sort`, or undefined when the
 * plan cannot give that order (the caller then sorts a materialized selection). Documents tested are counted in
 * `metrics.docsExamined` as they are read.
 */
export function selectLazily(coll: Collection, filter: Document, sort: Document | undefined, variables?: Readonly<Document>): Iterator<Document> | undefined {
  const shape = new FilterShape(filter);
  const test = compileFilter(filter, variables, shape);
  const plan = coll.plan(filter, sort, shape);
  if (sort && Object.keys(sort).length > 0 && !plan.sorted) return undefined;
  const matches = residualTest(plan, test);
  return (function* () {
    for (const doc of plan.candidates) {
      coll.metrics.docsExamined += 1;
      if (matches(doc)) yield doc;
    }
  })();
}

/**
 * `selectLazily` yielding the matches' stored BSON: a document is decoded only to test it against the filter, and
 * not at all when the plan is exact or the filter empty. `transient`: each yielded document is valid only until
 * the next is asked for (read without a copy of its own; see `ReadPlan.transientRawCandidates`).
 */
export function selectRawLazily(coll: Collection, filter: Document, sort: Document | undefined, variables?: Readonly<Document>): Iterator<Buffer> | undefined;
export function selectRawLazily(coll: Collection, filter: Document, sort: Document | undefined, variables: Readonly<Document> | undefined, transient: true): Iterator<Uint8Array> | undefined;
export function selectRawLazily(coll: Collection, filter: Document, sort: Document | undefined, variables?: Readonly<Document>, transient = false): Iterator<Uint8Array> | undefined {
  const empty = Object.keys(filter).length === 0;
  const shape = new FilterShape(filter);
  const test = compileFilter(filter, variables, shape);
  const plan = coll.plan(filter, sort, shape);
  if (sort && Object.keys(sort).length > 0 && !plan.sorted) return undefined;
  // Only the top-level fields the filter reads are decoded to test it; a range left by the plan is read from the
  // bytes when its value is a plain number or date.
  const fields = filterFields(filter);
  const range = plan.residualRange && rawRangeTest(plan.residualRange);
  return (function* () {
    for (const bytes of transient ? plan.transientRawCandidates : plan.rawCandidates) {
      coll.metrics.docsExamined += 1;
      if (empty || plan.exact || (range?.(bytes) ?? test(deserialize(fields ? pickFields(bytes, fields) : bytes, BSON_DECODE_OPTIONS)))) yield bytes;
    }
  })();
}

/** Whether a candidate of `plan` matches: none is tested when the plan is exact, only its range when it leaves one. */
function residualTest(plan: ReadPlan, test: (doc: Document) => boolean): (doc: Document) => boolean {
  if (plan.exact) return () => true;
  const range = plan.residualRange;
  if (!range) return test;
  const inRange = rangeTest(range);
  return (doc) => inRange(doc[range.path]) ?? test(doc);
}

// The numbers / milliseconds mingo compares, compared as mingo does (NaN compares equal to everything).
function compareLikeMingo(a: number, b: number): number {
  return Object.is(a, b) ? 0 : a < b ? -1 : a > b ? 1 : 0;
}

// Private: whether a value mingo reads as a number (or, for a range of dates, as a date's milliseconds) is in range.
function withinRange(range: RangeCondition, v: number): boolean {
  const { lower, upper } = range;
  if (lower) {
    const c = compareLikeMingo(v, lower.value);
    if (lower.inclusive ? c < 0 : c <= 0) return false;
  }
  if (upper) {
    const c = compareLikeMingo(v, upper.value);
    if (upper.inclusive ? c > 0 : c >= 0) return false;
  }
  return true;
}

/**
 * A decoded value's match of `range` when it is a number (a date for a range of dates), as mingo would answer it;
 * undefined for any other value (mingo decides).
 */
function rangeTest(range: RangeCondition): (v: unknown) => boolean | undefined {
  if (range.dates) return (v) => (v instanceof Date ? withinRange(range, v.getTime()) : undefined);
  return (v) => (typeof v === 'number' ? withinRange(range, v) : undefined);
}

/** Largest magnitude of a BSON int64 decoded as a number (promoteLongs: beyond it, a Long). */
const MAX_PROMOTED_LONG = Number.MAX_SAFE_INTEGER;
/** Largest magnitude of a date's milliseconds a JavaScript Date holds. */
const MAX_DATE_MS = 8.64e15;

/**
 * `rangeTest` on stored BSON: the range's top-level element read in place (a double, int32 or an int64 decoded as
 * a number; a date within JavaScript's range), undefined when the document lacks it or it is of another type.
 * A name repeated in the document is read at its last element, the one decoding keeps for the filter's test.
 */
function rawRangeTest(range: RangeCondition): (doc: Uint8Array) => boolean | undefined {
  const names = [Buffer.from(range.path, 'utf8')];
  const types = [0];
  const offsets = [0];
  return (doc) => {
    locateElements(doc, names, types, offsets);
    if (types[0] === 0) return undefined;
    const bytes = Buffer.isBuffer(doc) ? doc : Buffer.from(doc.buffer, doc.byteOffset, doc.length);
    return rawValueInRange(range, bytes, types[0]!, offsets[0]!);
  };
}

// Private: see rawRangeTest, for the element of `type` whose value starts at `at`.
function rawValueInRange(range: RangeCondition, bytes: Buffer, type: number, at: number): boolean | undefined {
  if (range.dates) {
    if (type !== 0x09) return undefined;
    const ms = Number(bytes.readBigInt64LE(at));
    return Math.abs(ms) <= MAX_DATE_MS ? withinRange(range, ms) : undefined;
  }
  if (type === 0x01) return withinRange(range, bytes.readDoubleLE(at));
  if (type === 0x10) return withinRange(range, bytes.readInt32LE(at));
  if (type === 0x12) {
    const n = Number(bytes.readBigInt64LE(at));
    return Math.abs(n) <= MAX_PROMOTED_LONG ? withinRange(range, n) : undefined;
  }
  return undefined;
}

/**
 * The top-level fields a filter reads (a dotted path reads its first field), when nothing else in it can look at
 * the document: top-level operators other than `$and` / `$or` / `$nor` (`$expr`, `$where`, `$jsonSchema`, ...)
 * give undefined. A document with only these fields matches exactly when the whole document does.
 */
export function filterFields(filter: Document): Set<string> | undefined {
  const out = new Set<string>();
  const walk = (f: Document): boolean => {
    for (const [key, value] of Object.entries(f)) {
      if (key === '$and' || key === '$or' || key === '$nor') {
        if (!Array.isArray(value) || !value.every((sub) => isPlainDocument(sub) && walk(sub))) return false;
      } else if (key.startsWith('$')) return false;
      else out.add(key.split('.')[0]!);
    }
    return true;
  };
  return walk(filter) ? out : undefined;
}

/**
 * Sorts (stable) by a MongoDB sort spec. Done here rather than by mingo because MongoDB sorts an array-valued field
 * by its smallest element ascending and by its largest element descending; values of different types compare in
 * BSON type order (`compareValues`). A missing field sorts as null.
 */
export function sortDocs(docs: Document[], sort: Document | undefined): Document[] {
  if (!sort || Object.keys(sort).length === 0) return docs;
  const specs = Object.entries(sort).map(([path, dir]) => {
    if (dir !== 1 && dir !== -1) {
      const meta = typeof dir === 'object' && dir !== null && '$meta' in dir;
      throw new MongoCommandError(
        meta ? 'NotImplemented' : 'BadValue',
        meta ? `sort by $meta is not supported by the embedded store ('${path}')` : `$sort key ordering must be 1 (for ascending) or -1 (for descending), got ${JSON.stringify(dir)} for '${path}'`,
      );
    }
    return { path, dir: dir as 1 | -1 };
  });
  const keyed = docs.map((doc) => ({ doc, keys: specs.map((s) => sortKey(doc, s.path, s.dir)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < specs.length; i++) {
      const c = compare(a.keys[i], b.keys[i]);
      if (c !== 0) return c * specs[i]!.dir;
    }
    return 0;
  });
  return keyed.map((k) => k.doc);
}

// Private: the value a document sorts by for one key (min of an array ascending, max descending).
function sortKey(doc: Document, path: string, dir: 1 | -1): unknown {
  let best: unknown;
  let first = true;
  for (const raw of valuesAtPath(doc, path)) {
    const v = raw === undefined ? null : raw;
    if (first || compare(v, best) * dir < 0) best = v;
    first = false;
  }
  return best;
}

/** Applies a find projection; returns new objects. */
export function project(docs: Document[], projection: Document | undefined, variables?: Readonly<Document>): Document[] {
  if (!projection || Object.keys(projection).length === 0) return docs;
  const options = variables ? { ...MINGO_OPTIONS, variables } : MINGO_OPTIONS;
  return withMingo(() => new Query({}, options).find(docs, projection).all() as Document[]);
}
