/**
 * A `$group` of counts read straight from stored BSON: the shape
 * `[$match, $project (top-level inclusion)?, $group]` whose `_id` is a top-level field path or a constant and whose
 * accumulators are `$sum` of an integer constant or of `$cond` (`$eq` of a top-level field path and a string or
 * number literal, then / else integer constants). Each matching document is walked once as bytes for the few fields
 * the group reads; nothing is decoded but a string group key, and no pipeline machinery runs per document.
 *
 * Semantics followed (MongoDB's, and the general path's): a missing or null group key is the group `null`; groups
 * come in the order their first document was read; `$eq` in an expression compares without array traversal (an
 * array is not equal to a string or number), strings by their bytes, numbers by value across int32 and double;
 * a field the `$project` does not keep is missing. Anything this code does not decide (another key type, a symbol,
 * int64 or decimal value compared to a number, a sum past 2^53, an array compared: mingo's `$eq` finds the literal
 * among an array's elements where MongoDB's does not) makes `run` answer `undefined`, and the caller takes the
 * general path.
 */
import type { Document } from 'bson';
import { isPlainDocument } from '../engine';
import { locateElements, sameBytes, topLevelInclusion } from '../raw-bson';

/** A compiled group over raw documents; `run` answers undefined when a document needs the general path. */
export interface RawGroup {
  run(docs: Iterator<Uint8Array>): Document[] | undefined;
}

/** One `$eq` of a field and a literal. */
interface Equality {
  readonly field: number;
  readonly literal: string | number;
  /** The UTF-8 bytes of a string literal. */
  readonly bytes: Buffer | undefined;
}

/** `$sum` of `constant`, or of `then` / `otherwise` by `test`. */
interface Sum {
  readonly name: string;
  readonly test: Equality | undefined;
  readonly then: number;
  readonly otherwise: number;
}

const STRING = 0x02;
const NULL = 0x0a;
const DOUBLE = 0x01;
const INT32 = 0x10;
const INT64 = 0x12;
const DECIMAL = 0x13;
const SYMBOL = 0x0e;
const ARRAY = 0x04;

/**
 * The compiled `$group` of a pipeline of that shape (`stages` are the stages after `$match`), or undefined for
 * any other pipeline.
 */
export function compileRawGroup(stages: readonly Document[]): RawGroup | undefined {
  if (stages.length < 1 || stages.length > 2) return undefined;
  let kept: Set<string> | undefined;
  if (stages.length === 2) {
    const project = stages[0]!.$project;
    if (!isPlainDocument(project) || Object.keys(stages[0]!).length !== 1) return undefined;
    kept = topLevelInclusion(project);
    if (!kept) return undefined;
  }
  const last = stages[stages.length - 1]!;
  const group = last.$group;
  if (!isPlainDocument(group) || Object.keys(last).length !== 1) return undefined;
  const fields: string[] = [];
  // Index of a field read by the group, or -1 for a field the $project removes (always missing).
  const fieldOf = (path: unknown): number | undefined => {
    const name = fieldPath(path);
    if (name === undefined) return undefined;
    if (kept && !kept.has(name)) return -1;
    const at = fields.indexOf(name);
    if (at >= 0) return at;
    fields.push(name);
    return fields.length - 1;
  };
  if (!('_id' in group)) return undefined;
  const id = group._id;
  let keyField: number | undefined;
  let constantKey: string | null | undefined;
  if (id === null) constantKey = null;
  else if (typeof id === 'string' && !id.startsWith('$')) constantKey = id;
  else {
    keyField = fieldOf(id);
    if (keyField === undefined) return undefined;
  }
  const sums: Sum[] = [];
  for (const [name, spec] of Object.entries(group)) {
    if (name === '_id') continue;
    if (name.includes('.') || name.startsWith('$') || !isPlainDocument(spec) || Object.keys(spec).length !== 1 || !('$sum' in spec)) return undefined;
    const sum = compileSum(name, spec.$sum, fieldOf);
    if (!sum) return undefined;
    sums.push(sum);
  }
  const names = fields.map((f) => Buffer.from(f, 'utf8'));
  return {
    run(docs) {
      const groups = new Map<string | null, { key: string | null; totals: number[] }>();
      const last = new LastString();
      const types = new Array<number>(names.length);
      const offsets = new Array<number>(names.length);
      for (let next = docs.next(); !next.done; next = docs.next()) {
        const b = next.value;
        locateElements(b, names, types, offsets);
        let key: string | null;
        if (keyField === undefined) key = constantKey!;
        else if (keyField < 0 || types[keyField] === 0 || types[keyField] === NULL) key = null;
        else if (types[keyField] === STRING) key = last.read(b, offsets[keyField]!);
        else return undefined;
        let entry = groups.get(key);
        if (!entry) groups.set(key, (entry = { key, totals: sums.map(() => 0) }));
        for (let i = 0; i < sums.length; i++) {
          const s = sums[i]!;
          let add = s.then;
          if (s.test) {
            const equal = s.test.field < 0 ? false : equals(b, types[s.test.field]!, offsets[s.test.field]!, s.test);
            if (equal === undefined) return undefined;
            if (!equal) add = s.otherwise;
          }
          entry.totals[i]! += add;
        }
      }
      const out: Document[] = [];
      for (const { key, totals } of groups.values()) {
        const doc: Document = { _id: key };
        for (let i = 0; i < sums.length; i++) {
          if (!Number.isSafeInteger(totals[i])) return undefined;
          doc[sums[i]!.name] = totals[i];
        }
        out.push(doc);
      }
      return out;
    },
  };
}

// Private: a top-level field path (`$name`, no dots, not a variable), as its field name.
function fieldPath(path: unknown): string | undefined {
  if (typeof path !== 'string' || path.length < 2 || path[0] !== '$' || path[1] === '$' || path.includes('.')) return undefined;
  return path.slice(1);
}

// Private: an int32 constant (what a count adds), or undefined.
function smallInteger(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 0x7fffffff ? v : undefined;
}

// Private: `$sum` of an integer constant or of `$cond: [$eq, then, else]` (array or `if` / `then` / `else` form).
function compileSum(name: string, operand: unknown, fieldOf: (path: unknown) => number | undefined): Sum | undefined {
  const constant = smallInteger(operand);
  if (constant !== undefined) return { name, test: undefined, then: constant, otherwise: constant };
  if (!isPlainDocument(operand) || Object.keys(operand).length !== 1) return undefined;
  const cond = operand.$cond;
  let parts: unknown[];
  if (Array.isArray(cond) && cond.length === 3) parts = cond;
  else if (isPlainDocument(cond) && Object.keys(cond).length === 3 && 'if' in cond && 'then' in cond && 'else' in cond) parts = [cond.if, cond.then, cond.else];
  else return undefined;
  const then = smallInteger(parts[1]);
  const otherwise = smallInteger(parts[2]);
  const eq = parts[0];
  if (then === undefined || otherwise === undefined || !isPlainDocument(eq) || Object.keys(eq).length !== 1) return undefined;
  const args = eq.$eq;
  if (!Array.isArray(args) || args.length !== 2) return undefined;
  const [a, b] = args as unknown[];
  const fieldFirst = fieldPath(a) !== undefined;
  const path = fieldFirst ? a : b;
  const literal = fieldFirst ? b : a;
  const field = fieldOf(path);
  if (field === undefined) return undefined;
  if (typeof literal === 'string' && !literal.startsWith('$')) return { name, test: { field, literal, bytes: Buffer.from(literal, 'utf8') }, then, otherwise };
  if (typeof literal === 'number' && Number.isFinite(literal)) return { name, test: { field, literal, bytes: undefined }, then, otherwise };
  return undefined;
}

/** Decodes BSON string values, the last one's bytes kept: a value read again (a trace's id) is not decoded again. */
class LastString {
  private bytes = Buffer.alloc(64);
  private length = -1;
  private value = '';

  /** The BSON string value at `o` (int32 size including the NUL, then the bytes). */
  read(b: Uint8Array, o: number): string {
    const n = int32At(b, o) - 1;
    const start = o + 4;
    if (n === this.length && sameBytes(b, start, this.bytes, n)) return this.value;
    const view = Buffer.from(b.buffer, b.byteOffset + start, n);
    if (this.bytes.length < n) this.bytes = Buffer.alloc(n);
    view.copy(this.bytes, 0);
    this.length = n;
    this.value = view.toString('utf8');
    return this.value;
  }
}

// Private: whether the value of BSON type `type` at `o` equals the literal (`undefined`: not decided here).
function equals(b: Uint8Array, type: number, o: number, eq: Equality): boolean | undefined {
  if (type === SYMBOL || type === DECIMAL || type === ARRAY) return undefined;
  if (eq.bytes) {
    if (type !== STRING) return false;
    const n = eq.bytes;
    return int32At(b, o) - 1 === n.length && sameBytes(b, o + 4, n, n.length);
  }
  if (type === INT64) return undefined;
  if (type === INT32) return int32At(b, o) === eq.literal;
  if (type === DOUBLE) return Buffer.from(b.buffer, b.byteOffset + o, 8).readDoubleLE(0) === eq.literal;
  return false;
}

function int32At(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}
