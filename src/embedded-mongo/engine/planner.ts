/**
 * Derives index-usable equality constraints from a query filter. The result only narrows: every document matching
 * the filter has, for each constrained path, one of the listed values; the full filter is still applied afterwards.
 */
import type { Document } from 'bson';
import { isPlainDocument, keyOf } from './values';

/** Path -> canonical keys of the values the path must equal (any of). */
export type EqualityConstraints = Map<string, string[]>;

export function equalityConstraints(filter: Document): EqualityConstraints {
  const out: EqualityConstraints = new Map();
  collect(filter, '', out);
  return out;
}

function collect(filter: Document, prefix: string, out: EqualityConstraints): void {
  for (const [field, cond] of Object.entries(filter)) {
    if (field === '$and' && Array.isArray(cond)) {
      for (const sub of cond) if (isPlainDocument(sub)) collect(sub, prefix, out);
      continue;
    }
    if (field.startsWith('$')) continue;
    const path = prefix + field;
    if (isOperatorDocument(cond)) {
      if ('$eq' in cond && indexable(cond.$eq)) add(out, path, [cond.$eq]);
      if (Array.isArray(cond.$in) && cond.$in.every(indexable)) add(out, path, cond.$in);
      // {arr: {$elemMatch: {k: 'a', v: 1}}}: a matching element has k 'a', so the multikey path arr.k holds 'a'.
      if (isPlainDocument(cond.$elemMatch) && !isOperatorDocument(cond.$elemMatch)) collect(cond.$elemMatch, path + '.', out);
    } else if (indexable(cond)) {
      add(out, path, [cond]);
    }
  }
}

// Private: a constraint seen twice (e.g. in $and) keeps the narrower list; either is a valid superset.
function add(out: EqualityConstraints, path: string, values: unknown[]): void {
  const keys = [...new Set(values.map(keyOf))];
  const existing = out.get(path);
  if (!existing || keys.length < existing.length) out.set(path, keys);
}

/** Values whose equality match is exactly "an indexed value has this key": no null (matches missing), arrays,
 *  regexes or operator documents. */
function indexable(v: unknown): boolean {
  if (v === null || v === undefined || Array.isArray(v) || v instanceof RegExp) return false;
  if (isPlainDocument(v)) return !isOperatorDocument(v);
  const bsonType = (v as { _bsontype?: string })._bsontype;
  return bsonType !== 'BSONRegExp' && bsonType !== 'MinKey' && bsonType !== 'MaxKey';
}

function isOperatorDocument(v: unknown): v is Document {
  if (!isPlainDocument(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys[0]!.startsWith('$');
}

/**
 * The path of a filter that is nothing but one equality / `$eq` / `$in` whose values compare exactly by their
 * canonical key (strings, ObjectIds, booleans, dates), or undefined. Documents an index returns for such a filter
 * all match it, so they need no further test. Numbers are left out on purpose: int64 values beyond 2^53 share a
 * key with nearby doubles.
 */
export function exactEqualityPath(filter: Document): string | undefined {
  const keys = Object.keys(filter);
  if (keys.length !== 1) return undefined;
  const path = keys[0]!;
  if (path.startsWith('$') || path.split('.').some((part) => /^\d+$/.test(part))) return undefined;
  const cond = filter[path];
  if (exactValue(cond)) return path;
  if (!isPlainDocument(cond)) return undefined;
  const ops = Object.keys(cond);
  if (ops.length !== 1) return undefined;
  if (ops[0] === '$eq' && exactValue(cond.$eq)) return path;
  if (ops[0] === '$in' && Array.isArray(cond.$in) && cond.$in.every(exactValue)) return path;
  return undefined;
}

function exactValue(v: unknown): boolean {
  if (typeof v === 'string' || typeof v === 'boolean' || v instanceof Date) return true;
  return (v as { _bsontype?: string } | null)?._bsontype === 'ObjectId';
}

/** What a filter requires of one path: any of some values, and / or a range of one type class. */
export interface PathBounds {
  /** The path equals one of these (deduplicated by equality). */
  eq?: unknown[];
  /** Lower bound (value and whether it is included). */
  lower?: { value: unknown; inclusive: boolean };
  /** Upper bound. */
  upper?: { value: unknown; inclusive: boolean };
  /** The one `$elemMatch` (on the array `path`) every bound of this path came from; null when they came from
   *  elsewhere or from several places; absent when no bound did. */
  scope?: ElemMatchScope | null;
}

/** One `$elemMatch` clause of a filter (the same object for every path it bounds). */
export interface ElemMatchScope {
  readonly path: string;
}

/**
 * Per path, the equality values and range bounds a filter implies (top level and inside `$and`). Like
 * `equalityConstraints`, it only narrows: the filter is still applied to every document an index returns.
 */
export function pathBounds(filter: Document): Map<string, PathBounds> {
  const out = new Map<string, PathBounds>();
  collectBounds(filter, '', out, null);
  return out;
}

function collectBounds(filter: Document, prefix: string, out: Map<string, PathBounds>, scope: ElemMatchScope | null): void {
  for (const [field, cond] of Object.entries(filter)) {
    if (field === '$and' && Array.isArray(cond)) {
      for (const sub of cond) if (isPlainDocument(sub)) collectBounds(sub, prefix, out, scope);
      continue;
    }
    if (field.startsWith('$')) continue;
    const path = prefix + field;
    const bounds = out.get(path) ?? {};
    const before = { eq: bounds.eq, lower: bounds.lower, upper: bounds.upper };
    if (isOperatorDocument(cond)) {
      if ('$eq' in cond && indexable(cond.$eq)) setEq(bounds, [cond.$eq]);
      if (Array.isArray(cond.$in) && cond.$in.length > 0 && cond.$in.every(indexable)) setEq(bounds, cond.$in);
      for (const op of ['$gt', '$gte'] as const) {
        if (op in cond && rangeable(cond[op]) && !bounds.lower) bounds.lower = { value: cond[op], inclusive: op === '$gte' };
      }
      for (const op of ['$lt', '$lte'] as const) {
        if (op in cond && rangeable(cond[op]) && !bounds.upper) bounds.upper = { value: cond[op], inclusive: op === '$lte' };
      }
      if (isPlainDocument(cond.$elemMatch) && !isOperatorDocument(cond.$elemMatch)) collectBounds(cond.$elemMatch, path + '.', out, { path });
    } else if (indexable(cond)) {
      setEq(bounds, [cond]);
    }
    if (bounds.eq !== before.eq || bounds.lower !== before.lower || bounds.upper !== before.upper) {
      bounds.scope = bounds.scope === undefined ? scope : bounds.scope === scope ? scope : null;
    }
    if (bounds.eq || bounds.lower || bounds.upper) out.set(path, bounds);
  }
}

// Private: the narrower of two equality lists (either is a valid superset).
function setEq(bounds: PathBounds, values: unknown[]): void {
  const seen = new Map<string, unknown>();
  for (const v of values) {
    const key = keyOf(v);
    if (!seen.has(key)) seen.set(key, v);
  }
  const list = [...seen.values()];
  if (!bounds.eq || list.length < bounds.eq.length) bounds.eq = list;
}

/** Range bounds usable on an index: scalars of one type class (MongoDB brackets ranges by type). */
function rangeable(v: unknown): boolean {
  if (v === null || v === undefined || Array.isArray(v) || v instanceof RegExp || isPlainDocument(v)) return false;
  if (typeof v === 'number') return !Number.isNaN(v);
  const bsonType = (v as { _bsontype?: string })._bsontype;
  return bsonType !== 'BSONRegExp' && bsonType !== 'MinKey' && bsonType !== 'MaxKey';
}

/**
 * What the planner and the filter's compiler both read of one filter, each computed once and only when asked:
 * its `exactEqualityPath` and its `prefixRangeShape`.
 */
export class FilterShape {
  private exact: string | null | undefined;
  private prefix: PrefixRangeShape | null | undefined;

  constructor(readonly filter: Document) {}

  get exactPath(): string | undefined {
    if (this.exact === undefined) this.exact = exactEqualityPath(this.filter) ?? null;
    return this.exact ?? undefined;
  }

  get prefixRange(): PrefixRangeShape | undefined {
    if (this.prefix === undefined) this.prefix = prefixRangeShape(this.filter) ?? null;
    return this.prefix ?? undefined;
  }
}

/** A range on one top-level path: numbers (compared as numbers) or dates (as their milliseconds). */
export interface RangeCondition {
  readonly path: string;
  /** The values are dates (given here as their milliseconds), else numbers. */
  readonly dates: boolean;
  readonly lower?: { readonly value: number; readonly inclusive: boolean };
  readonly upper?: { readonly value: number; readonly inclusive: boolean };
}

/** A filter of exact equalities on some top-level paths and at most one range (see `prefixRangeShape`). */
export interface PrefixRangeShape {
  /** Paths each equal to one of some exact values (as in `exactEqualityPath`). */
  readonly equalities: ReadonlySet<string>;
  readonly range: RangeCondition | undefined;
}

/**
 * The shape of a filter that is nothing but top-level conditions, each an equality / `$eq` / `$in` of exact values
 * (as `exactEqualityPath` accepts) or, on at most one path, one lower and / or one upper bound (`$gt` / `$gte`,
 * `$lt` / `$lte`) that are all numbers (not NaN) or all valid dates; undefined for any other filter, or one with no
 * equality. An index read whose keys fix every equality path leaves only the range to decide per document.
 */
export function prefixRangeShape(filter: Document): PrefixRangeShape | undefined {
  const equalities = new Set<string>();
  let range: RangeCondition | undefined;
  for (const path of Object.keys(filter)) {
    if (path.startsWith('$') || path.includes('.')) return undefined;
    const cond = filter[path];
    if (exactValue(cond)) {
      equalities.add(path);
      continue;
    }
    if (!isPlainDocument(cond)) return undefined;
    const ops = Object.keys(cond);
    if (ops.length === 1 && ops[0] === '$eq' && exactValue(cond.$eq)) equalities.add(path);
    else if (ops.length === 1 && ops[0] === '$in' && Array.isArray(cond.$in) && cond.$in.length > 0 && cond.$in.every(exactValue)) equalities.add(path);
    else {
      const r = rangeCondition(path, cond, ops);
      if (!r || range) return undefined;
      range = r;
    }
  }
  return equalities.size > 0 ? { equalities, range } : undefined;
}

// Private: `cond` (with operators `ops`) as a RangeCondition, or undefined when it is anything else.
function rangeCondition(path: string, cond: Document, ops: string[]): RangeCondition | undefined {
  let lower: RangeCondition['lower'];
  let upper: RangeCondition['upper'];
  let dates: boolean | undefined;
  for (const op of ops) {
    const v = cond[op];
    const isDate = v instanceof Date;
    if (isDate ? Number.isNaN(v.getTime()) : typeof v !== 'number' || Number.isNaN(v)) return undefined;
    if (dates !== undefined && dates !== isDate) return undefined;
    dates = isDate;
    const value = isDate ? v.getTime() : (v as number);
    if ((op === '$gt' || op === '$gte') && !lower) lower = { value, inclusive: op === '$gte' };
    else if ((op === '$lt' || op === '$lte') && !upper) upper = { value, inclusive: op === '$lte' };
    else return undefined;
  }
  return dates === undefined ? undefined : { path, dates, lower, upper };
}
