/**
 * The update operators a document store is sent most (`$set $unset $inc $min $max $addToSet $setOnInsert` on plain
 * field paths) applied directly, with MongoDB's semantics, instead of through mingo (which copies its operator table
 * and deep-clones the document for every update). Anything else, or any case whose outcome depends on rules this
 * code does not implement (array elements on a path, positional or conflicting paths, non-scalar `$min`/`$max`,
 * BSON number classes, a non-array `$addToSet` target), answers `undefined` and the caller takes the general path.
 *
 * Semantics followed (MongoDB 5.0+ update system):
 * - all operators' paths form one tree whose fields are applied in field-name order (numeric names numerically):
 *   an existing field changes in place, new fields are appended in that order, missing parents are created;
 * - `$min` / `$max` compare in BSON order (type class first, strings by UTF-8 bytes, NaN below every number) and
 *   replace only a strictly smaller / larger value; a missing field is set;
 * - `$addToSet` adds each value (`$each`: each element, duplicates among them once) not already equal to an
 *   element (BSON equality: numbers by value, documents field by field in order); a missing field becomes the array;
 * - `$inc` adds to a number (a missing field is set to the operand); adding 0 changes nothing;
 * - `$setOnInsert` acts as `$set` when the update inserts, and is ignored otherwise.
 *
 * The input document is not mutated (the result shares every value the update did not touch with it), unless the
 * caller asks for the update in place (`inPlace`): then the result is the input document itself, changed only
 * once every step is known to apply directly (a declined update leaves it as it was).
 */
import type { Document } from 'bson';
import { cloneDocument, isPlainDocument, setKey } from '../engine';

export interface FastUpdateResult {
  /** The document after the update (a new object; untouched values are shared with the input). */
  readonly doc: Document;
  /** Paths whose value changed (empty: the update is a no-op for this document). */
  readonly changed: readonly string[];
}

type Op = '$set' | '$unset' | '$inc' | '$min' | '$max' | '$addToSet';

interface Step {
  readonly op: Op;
  readonly path: string;
  /** Index of the path's last dot (-1 for a top-level field). */
  readonly lastDot: number;
  readonly operand: unknown;
}

const FAST_OPERATORS: ReadonlySet<string> = new Set(['$set', '$unset', '$inc', '$min', '$max', '$addToSet', '$setOnInsert']);

/**
 * `before` updated by the operator-style `update` (already validated by `updateKind` and `checkOperands`), or
 * undefined when this update needs the general path. `inserting`: the document is an upsert's new document.
 * `inPlace`: `before` is the caller's own copy, changed in place instead of copying the objects the update
 * touches (a rollup bucket's map of ~100-200 numeric fields costs ~10 µs to copy).
 *
 * Fields that exist change in place, so the order they are updated in cannot show; only the fields an update adds
 * are ordered (appended in MongoDB's order of paths, after every existing field of their parent). So the steps
 * run in the update's own order and the new fields wait, then are sorted and added: a statement whose paths
 * mostly exist (a rollup's ~80, a few of them new) sorts only those few.
 */
export function applyOperatorsDirectly(before: Document, update: Document, inserting: boolean, inPlace = false): FastUpdateResult | undefined {
  const steps = planSteps(update, inserting);
  if (!steps) return undefined;
  const root: Document = inPlace ? before : { ...before };
  // Objects of `root` already copied for this update (so each is copied once, and `before` never changes); null
  // in place, where nothing is copied.
  const copied = inPlace ? null : new Set<object>([root]);
  const changed: string[] = [];
  let added: Added[] | undefined;
  // In place, the changes to existing fields wait until every step is known to apply directly.
  let pending: Array<{ parent: Document; field: string; value: unknown }> | undefined;
  // Consecutive steps often share their parent: the last parent found, by its path.
  let cachedPrefix: string | undefined;
  let cachedParent: Document | undefined;
  // The object holding `step`'s field (copied into `root`), made where missing with `create`: null when missing,
  // undefined when the path cannot be applied directly.
  const parentFor = ({ path, lastDot }: Step, create: boolean): Document | null | undefined => {
    if (lastDot === -1) return root;
    if (cachedParent !== undefined && lastDot === cachedPrefix!.length && path.startsWith(cachedPrefix!)) return cachedParent;
    const parent = parentOf(root, path, lastDot, create, copied);
    if (parent) {
      cachedPrefix = path.slice(0, lastDot);
      cachedParent = parent;
    }
    return parent;
  };
  for (const step of steps) {
    const parent = parentFor(step, false);
    if (parent === undefined) return undefined;
    // A missing parent holds no field: the step adds one (parents created then), or `$unset` has nothing to do.
    const field = fieldOf(step);
    const has = parent !== null && Object.prototype.hasOwnProperty.call(parent, field);
    const next = applyStep(step, has, has ? parent![field] : undefined);
    if (next === NOT_FAST) return undefined;
    if (next === UNCHANGED) continue;
    if (!has) {
      (added ??= []).push({ step, value: next, key: undefined });
      continue;
    }
    if (inPlace) (pending ??= []).push({ parent: parent!, field, value: next });
    else if (next === REMOVE) delete parent![field];
    else parent![field] = next;
    changed.push(step.path);
  }
  if (pending) {
    for (const { parent, field, value } of pending) {
      if (value === REMOVE) delete parent[field];
      else parent[field] = value;
    }
  }
  if (added) {
    sortAdded(added);
    cachedParent = undefined;
    for (const { step, value } of added) {
      // The existing part of the path was walked above: only missing parents are made here (the paths do not
      // overlap, so every object on the way is a plain document found above or made here).
      const parent = parentFor(step, true);
      if (!parent) {
        if (inPlace) throw new Error(`update path ${step.path} could not be applied after it was planned`);
        return undefined;
      }
      parent[fieldOf(step)] = value;
      changed.push(step.path);
    }
  }
  return { doc: root, changed };
}

// Private: the name of `step`'s field in its parent.
function fieldOf({ path, lastDot }: Step): string {
  return lastDot === -1 ? path : path.slice(lastDot + 1);
}

/** A field an update adds, with its value; `key` is its path's sort key once sorted (see sortAdded). */
interface Added {
  readonly step: Step;
  readonly value: unknown;
  key: string | undefined;
}

// Private: the added fields in MongoDB's order of paths (by their sort keys where every path has one).
function sortAdded(added: Added[]): void {
  if (added.length < 2) return;
  let keyed = true;
  for (const a of added) {
    a.key = pathSortKey(a.step.path);
    if (a.key === undefined) {
      keyed = false;
      break;
    }
  }
  if (keyed) added.sort((a, b) => (a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0));
  else added.sort((a, b) => comparePaths(a.step.path, b.step.path));
}

const NOT_FAST = Symbol('not fast');
const UNCHANGED = Symbol('unchanged');
const REMOVE = Symbol('remove');

// Private: the new value of one field (or what to do with it).
function applyStep(step: Step, has: boolean, current: unknown): unknown {
  const { op, operand } = step;
  switch (op) {
    case '$set':
      return has && setKey(current) === setKey(operand) ? UNCHANGED : cloneDocument(operand);
    case '$unset':
      return has ? REMOVE : UNCHANGED;
    case '$inc': {
      if (typeof operand !== 'number') return NOT_FAST;
      if (!has) return operand;
      if (typeof current !== 'number') return NOT_FAST;
      return operand === 0 ? UNCHANGED : current + operand;
    }
    case '$min':
    case '$max': {
      if (!isScalar(operand) || (has && !isScalar(current))) return NOT_FAST;
      if (!has) return cloneDocument(operand);
      const c = compareScalars(operand, current);
      return (op === '$min' ? c < 0 : c > 0) ? cloneDocument(operand) : UNCHANGED;
    }
    case '$addToSet': {
      if (has && !Array.isArray(current)) return NOT_FAST;
      const values = addToSetValues(operand);
      if (!values) return NOT_FAST;
      const existing = has ? (current as unknown[]) : [];
      const keys = new Set(existing.map(setKey));
      let out: unknown[] | undefined;
      for (const v of values) {
        const k = setKey(v);
        if (keys.has(k)) continue;
        keys.add(k);
        (out ??= [...existing]).push(cloneDocument(v));
      }
      if (out) return out;
      return has ? UNCHANGED : [];
    }
    default: {
      const never: never = op;
      throw new Error(`unknown fast update operator ${String(never)}`);
    }
  }
}

// Private: the steps of an update in the update's order, or undefined when it needs the general path.
function planSteps(update: Document, inserting: boolean): Step[] | undefined {
  const steps: Step[] = [];
  // Every path, `$setOnInsert`'s included (they take part in the conflict check even when not applied, as in
  // MongoDB), with the position of its last dot.
  const paths = new Set<string>();
  const all: string[] = [];
  const lastDots: number[] = [];
  for (const name of Object.keys(update)) {
    if (!FAST_OPERATORS.has(name)) return undefined;
    const fields = update[name] as Document;
    const op: Op = name === '$setOnInsert' ? '$set' : (name as Op);
    const skip = name === '$setOnInsert' && !inserting;
    for (const path of Object.keys(fields)) {
      const lastDot = simplePathLastDot(path);
      if (lastDot === NOT_SIMPLE) return undefined;
      const operand = fields[path];
      if (operand === undefined && !skip) return undefined;
      paths.add(path);
      all.push(path);
      lastDots.push(lastDot);
      if (!skip) steps.push({ op, path, lastDot, operand });
    }
  }
  // The same path twice, or a path inside another (MongoDB's error 40): the general path reports it. A path whose
  // parent is the previous path's has the same ancestors, already looked for.
  if (paths.size !== all.length) return undefined;
  let checked: string | undefined;
  for (let i = 0; i < all.length; i++) {
    const path = all[i]!;
    const lastDot = lastDots[i]!;
    if (lastDot === -1 || (checked !== undefined && checked.length === lastDot && path.startsWith(checked))) continue;
    for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) if (paths.has(path.slice(0, dot))) return undefined;
    checked = path.slice(0, lastDot);
  }
  return steps;
}

const NOT_SIMPLE = -2;

// Private: the position of the last dot of a dotted path of plain field names (-1 for a top-level field), or
// NOT_SIMPLE for any other path: an empty one or one with an empty part, a `$`, or `_id` (left to the general
// path), all found in one pass over its characters.
function simplePathLastDot(path: string): number {
  const n = path.length;
  if (n === 0) return NOT_SIMPLE;
  let lastDot = -1;
  for (let i = 0; i < n; i++) {
    const c = path.charCodeAt(i);
    if (c === DOT) {
      // A leading dot or two in a row: an empty part.
      if (i === lastDot + 1) return NOT_SIMPLE;
      lastDot = i;
    } else if (c === DOLLAR) return NOT_SIMPLE;
  }
  if (lastDot === n - 1) return NOT_SIMPLE;
  if (path.charCodeAt(0) === 0x5f && path.startsWith('_id') && (n === 3 || path.charCodeAt(3) === DOT)) return NOT_SIMPLE;
  return lastDot;
}

const DOLLAR = 0x24;
const DOT = 0x2e;

/**
 * MongoDB's order of update fields: part by part (a path before the paths inside it), numeric names numerically,
 * others by their UTF-8 bytes. Compares the dotted paths in place, without splitting them.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let k = 0;
  let partStart = 0;
  while (k < n) {
    const x = a.charCodeAt(k);
    if (x !== b.charCodeAt(k)) break;
    k++;
    if (x === DOT) partStart = k;
  }
  const aEnded = k === a.length || a.charCodeAt(k) === DOT;
  const bEnded = k === b.length || b.charCodeAt(k) === DOT;
  // One part is a prefix of the other (or a path of the other): it comes first.
  if (aEnded || bEnded) {
    if (aEnded && bEnded) {
      if (k === a.length && k === b.length) return 0;
      return k === a.length ? -1 : 1;
    }
    return aEnded ? -1 : 1;
  }
  const aEnd = partEnd(a, k);
  const bEnd = partEnd(b, k);
  // All-digit names of different lengths: the shorter first ("9" before "10"), as mongod's path comparator.
  if (aEnd - partStart !== bEnd - partStart && allDigits(a, partStart, aEnd) && allDigits(b, partStart, bEnd)) return aEnd - bEnd;
  const x = a.charCodeAt(k);
  const y = b.charCodeAt(k);
  if (x < 0xd800 && y < 0xd800) return x - y;
  return compareUtf8(a.slice(k, aEnd), b.slice(k, bEnd));
}

/**
 * A string whose order (by UTF-16 code units, as `<` compares) among other paths' keys is `comparePaths`' order, or
 * undefined when the path has a name this cannot encode: one with a character from U+D800 on (where UTF-16 and
 * UTF-8 orders differ), or one not all digits that starts with a character up to '9' (all-digit names order
 * among themselves by length first, which only holds when every other name starts above them). Names are joined
 * by NUL (below any character a name holds, so a path comes before the paths inside it and a name before the
 * longer names it begins); an all-digit name is written as U+0001, its length as one character, then its digits.
 */
export function pathSortKey(path: string): string | undefined {
  let key = '';
  let from = 0;
  for (;;) {
    const end = partEnd(path, from);
    let digits = true;
    for (let i = from; i < end; i++) {
      const c = path.charCodeAt(i);
      if (c >= 0xd800) return undefined;
      if (c < 0x30 || c > 0x39) digits = false;
    }
    if (digits) key += '\u0001' + String.fromCharCode(end - from) + path.slice(from, end);
    else if (path.charCodeAt(from) <= 0x39) return undefined;
    else key += path.slice(from, end);
    if (end === path.length) return key;
    key += '\u0000';
    from = end + 1;
  }
}

function partEnd(path: string, from: number): number {
  const dot = path.indexOf('.', from);
  return dot === -1 ? path.length : dot;
}

function allDigits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * The object holding the last field of `path` (whose last dot is at `lastDot`), its ancestors copied into `copied`
 * first (so `before` is untouched; with no `copied`, the objects themselves); missing ancestors are created when `create`, else the answer is null. Undefined
 * when the path runs through an array or a non-object (MongoDB's rules there are the general path's).
 */
function parentOf(root: Document, path: string, lastDot: number, create: boolean, copied: Set<object> | null): Document | null | undefined {
  let node = root;
  let from = 0;
  while (from <= lastDot) {
    const dot = path.indexOf('.', from);
    const part = path.slice(from, dot);
    from = dot + 1;
    const child = node[part];
    if (child === undefined && !Object.prototype.hasOwnProperty.call(node, part)) {
      if (!create) return null;
      const made: Document = {};
      copied?.add(made);
      node[part] = made;
      node = made;
      continue;
    }
    if (!isPlainDocument(child)) return undefined;
    if (copied && !copied.has(child)) {
      const copy = { ...child };
      copied.add(copy);
      node[part] = copy;
      node = copy;
    } else node = child;
  }
  return node;
}

// Private: the values `$addToSet` adds (`{$each: [...]}` or one value), or undefined for an operand it does not
// take as is.
function addToSetValues(operand: unknown): unknown[] | undefined {
  if (isPlainDocument(operand)) {
    const keys = Object.keys(operand);
    if (keys.length > 0 && keys[0]!.startsWith('$')) {
      if (keys.length !== 1 || keys[0] !== '$each' || !Array.isArray(operand.$each)) return undefined;
      return operand.$each as unknown[];
    }
  }
  return [operand];
}

// Private: values `$min` / `$max` compare here: JavaScript numbers, strings, booleans, null and dates.
function isScalar(v: unknown): boolean {
  return v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v instanceof Date;
}

// Private: BSON comparison order of scalars (null < numbers < strings < booleans < dates).
function compareScalars(a: unknown, b: unknown): number {
  const ra = scalarRank(a);
  const rb = scalarRank(b);
  if (ra !== rb) return ra - rb;
  switch (typeof a) {
    case 'number':
      return compareNumbers(a, b as number);
    case 'string':
      return compareUtf8(a, b as string);
    case 'boolean':
      return Number(a) - Number(b);
    default:
      return a === null ? 0 : compareNumbers((a as Date).getTime(), (b as Date).getTime());
  }
}

function scalarRank(v: unknown): number {
  if (v === null) return 0;
  switch (typeof v) {
    case 'number':
      return 1;
    case 'string':
      return 2;
    case 'boolean':
      return 3;
    default:
      return 4;
  }
}

// Private: NaN equals NaN and sorts below every other number, as in MongoDB.
function compareNumbers(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Strings in MongoDB's order: by their UTF-8 bytes (which differs from UTF-16 order only past U+D7FF). */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return Buffer.compare(Buffer.from(a.slice(i), 'utf8'), Buffer.from(b.slice(i), 'utf8'));
  }
  return a.length - b.length;
}
