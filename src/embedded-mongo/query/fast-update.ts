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
 * The input document is never mutated: the result shares every value the update did not touch with it.
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
  readonly parts: readonly string[];
  readonly operand: unknown;
}

const FAST_OPERATORS: ReadonlySet<string> = new Set(['$set', '$unset', '$inc', '$min', '$max', '$addToSet', '$setOnInsert']);

/**
 * `before` updated by the operator-style `update` (already validated by `updateKind` and `checkOperands`), or
 * undefined when this update needs the general path. `inserting`: the document is an upsert's new document.
 */
export function applyOperatorsDirectly(before: Document, update: Document, inserting: boolean): FastUpdateResult | undefined {
  const steps = planSteps(update, inserting);
  if (!steps) return undefined;
  const root: Document = { ...before };
  // Objects of `root` already copied for this update (so each is copied once, and `before` never changes).
  const copied = new Set<object>([root]);
  const changed: string[] = [];
  for (const step of steps) {
    const parent = parentOf(root, step.parts, step.op !== '$unset', copied);
    if (parent === undefined) return undefined;
    if (parent === null) continue;
    const field = step.parts[step.parts.length - 1]!;
    const has = Object.prototype.hasOwnProperty.call(parent, field);
    const current = has ? parent[field] : undefined;
    const next = applyStep(step, has, current);
    if (next === NOT_FAST) return undefined;
    if (next === UNCHANGED) continue;
    if (next === REMOVE) delete parent[field];
    else parent[field] = next;
    changed.push(step.path);
  }
  return { doc: root, changed };
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

// Private: the steps of an update in MongoDB's application order, or undefined when it needs the general path.
function planSteps(update: Document, inserting: boolean): Step[] | undefined {
  const steps: Step[] = [];
  const paths = new Set<string>();
  for (const name of Object.keys(update)) {
    if (!FAST_OPERATORS.has(name)) return undefined;
    const fields = update[name] as Document;
    const op: Op = name === '$setOnInsert' ? '$set' : (name as Op);
    for (const path of Object.keys(fields)) {
      if (!simplePath(path) || paths.has(path)) return undefined;
      paths.add(path);
      // $setOnInsert paths take part in the conflict check even when they are not applied, as in MongoDB.
      if (name === '$setOnInsert' && !inserting) continue;
      const operand = fields[path];
      if (operand === undefined) return undefined;
      steps.push({ op, path, parts: path.split('.'), operand });
    }
  }
  // A path equal to or inside another conflicts (MongoDB's error 40): the general path reports it.
  for (const path of paths) {
    for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) {
      if (paths.has(path.slice(0, dot))) return undefined;
    }
  }
  return steps.sort((a, b) => comparePaths(a.parts, b.parts));
}

// Private: a dotted path of plain field names (no `$`, no empty part); `_id` is left to the general path.
function simplePath(path: string): boolean {
  if (path.length === 0 || path.includes('$') || path === '_id' || path.startsWith('_id.')) return false;
  return !path.startsWith('.') && !path.endsWith('.') && !path.includes('..');
}

// Private: MongoDB's order of update fields: part by part, numeric names numerically, others by their UTF-8 bytes.
function comparePaths(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    // All-digit names of different lengths: the shorter first ("9" before "10"), as mongod's path comparator.
    if (x.length !== y.length && DIGITS.test(x) && DIGITS.test(y)) return x.length - y.length;
    return compareUtf8(x, y);
  }
  return a.length - b.length;
}

const DIGITS = /^[0-9]+$/;

/**
 * The object holding the path's last field, its ancestors copied into `copied` first (so `before` is untouched);
 * missing ancestors are created when `create`, else the answer is null. Undefined when the path runs through an
 * array or a non-object (MongoDB's rules there are the general path's).
 */
function parentOf(root: Document, parts: readonly string[], create: boolean, copied: Set<object>): Document | null | undefined {
  let node = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    const child = node[part];
    if (child === undefined && !Object.prototype.hasOwnProperty.call(node, part)) {
      if (!create) return null;
      const made: Document = {};
      copied.add(made);
      node[part] = made;
      node = made;
      continue;
    }
    if (!isPlainDocument(child)) return undefined;
    if (!copied.has(child)) {
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
