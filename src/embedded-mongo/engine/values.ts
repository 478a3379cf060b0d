/**
 * Value helpers with MongoDB semantics: canonical equality keys (1, 1.0 and Long(1) are one key; documents compare
 * field by field in order) and dotted-path traversal through arrays (how multikey indexes see a document).
 */
import type { Document } from 'bson';

/** A string equal for exactly the BSON values MongoDB treats as equal in an equality match. */
export function keyOf(v: unknown): string {
  switch (typeof v) {
    case 'undefined':
      return 'n';
    case 'number':
      return numberKey(v);
    case 'bigint':
      return numberKey(Number(v));
    case 'string':
      return 's' + v;
    case 'boolean':
      return v ? 'b1' : 'b0';
    default:
      break;
  }
  if (v === null) return 'n';
  if (v instanceof Date) return 't' + v.getTime();
  if (Array.isArray(v)) {
    // The text of JSON.stringify(v.map(keyOf)), built without the intermediate arrays.
    let out = 'a[';
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + JSON.stringify(keyOf(v[i]));
    return out + ']';
  }
  if (v instanceof RegExp) return 'r' + String(v);
  const bsonType = (v as { _bsontype?: string })._bsontype;
  if (bsonType) return bsonKey(bsonType, v);
  // The text of JSON.stringify(Object.keys(obj).map((k) => [k, keyOf(obj[k])])), built without the arrays.
  const obj = v as Document;
  let out = 'O[';
  let first = true;
  for (const k in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
    out += (first ? '[' : ',[') + JSON.stringify(k) + ',' + JSON.stringify(keyOf(obj[k])) + ']';
    first = false;
  }
  return out + ']';
}

/**
 * Like `keyOf`, a string equal for exactly the values an equality match treats as equal, but cheaper to build for
 * strings, numbers and arrays and documents of them (components length-prefixed, no JSON text). Only for sets and
 * maps in memory: its form differs from `keyOf`'s, so the two are never compared, and it is never stored.
 */
export function setKey(v: unknown): string {
  if (typeof v === 'string') return 's' + v;
  if (typeof v === 'number') return numberKey(v);
  if (Array.isArray(v)) {
    let out = 'A';
    for (let i = 0; i < v.length; i++) {
      const k = setKey(v[i]);
      out += k.length + ':' + k;
    }
    return out;
  }
  if (isPlainDocument(v)) {
    let out = 'D';
    for (const field in v) {
      const k = setKey(v[field]);
      out += field.length + ':' + field + k.length + ':' + k;
    }
    return out;
  }
  // No keyOf text starts with 'A', and the only ones starting with 'D' are 'DBRef:…': never a document's form
  // above ('D' alone, or followed by a field's length).
  return keyOf(v);
}

/** True for a plain embedded document (not an array, Date, RegExp or BSON value class). */
export function isPlainDocument(v: unknown): v is Document {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Every value a dotted path reaches, descending into arrays like MongoDB does (each element of an array on the way
 * is visited; an array at the end contributes its elements). A path that reaches nothing yields `[undefined]`.
 */
export function valuesAtPath(doc: Document, path: string): unknown[] {
  // Fast path for a top-level field holding a scalar (the common case for index keys).
  if (!path.includes('.')) {
    const v = doc[path];
    if (!Array.isArray(v)) return [v];
    return v.length > 0 ? v : [undefined];
  }
  const out: unknown[] = [];
  walk(doc, path.split('.'), 0, out);
  return out.length > 0 ? out : [undefined];
}

/** The value at a dotted path without array traversal (undefined when absent). */
export function getPath(doc: Document, path: string): unknown {
  let v: unknown = doc;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Document)[part];
  }
  return v;
}

/** A deep copy of plain documents and arrays; BSON value objects are immutable here and shared. */
export function cloneDocument<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneDocument) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (!isPlainDocument(v)) return v;
  const out: Document = {};
  for (const k of Object.keys(v)) out[k] = cloneDocument(v[k]);
  return out as T;
}

// Private: -0 and 0 are one key; every numeric BSON type compares by value.
function numberKey(n: number): string {
  return 'd' + (n === 0 ? '0' : String(n));
}

// Private: keys for the bson package's value classes.
function bsonKey(bsonType: string, v: unknown): string {
  const value = v as { toHexString?: () => string; toString(): string; toNumber?: () => number };
  switch (bsonType) {
    case 'ObjectId':
      return 'o' + value.toHexString!();
    case 'Long':
      return numberKey(value.toNumber!());
    case 'Int32':
    case 'Double':
    case 'Decimal128':
      return numberKey(Number(value.toString()));
    case 'Binary': {
      const bin = v as { sub_type: number; buffer: Uint8Array };
      return 'x' + bin.sub_type + ':' + Buffer.from(bin.buffer).toString('base64');
    }
    default:
      return bsonType + ':' + value.toString();
  }
}

// Private: path traversal with MongoDB's implicit array descent (positional parts index arrays too).
function walk(v: unknown, parts: string[], i: number, out: unknown[]): void {
  if (i === parts.length) {
    if (Array.isArray(v)) for (const e of v) out.push(e);
    else if (v !== undefined) out.push(v);
    return;
  }
  if (Array.isArray(v)) {
    const part = parts[i]!;
    if (/^\d+$/.test(part)) walk(v[Number(part)], parts, i + 1, out);
    for (const e of v) if (isPlainDocument(e)) walk(e, parts, i, out);
    return;
  }
  if (isPlainDocument(v)) walk(v[parts[i]!], parts, i + 1, out);
}

/**
 * MongoDB's comparison order for sorting: first by BSON type class (MinKey, null, numbers, strings, objects, arrays,
 * binary, ObjectId, booleans, dates, timestamps, regexes, MaxKey), then within the class.
 */
export function compareValues(a: unknown, b: unknown): number {
  const ta = typeRank(a);
  const tb = typeRank(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case RANK.number:
      return cmp(toNumber(a), toNumber(b));
    case RANK.string:
      return cmp(String(a), String(b));
    case RANK.object: {
      const ka = Object.keys(a as Document);
      const kb = Object.keys(b as Document);
      for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
        const c = cmp(ka[i]!, kb[i]!) || compareValues((a as Document)[ka[i]!], (b as Document)[kb[i]!]);
        if (c !== 0) return c;
      }
      return cmp(ka.length, kb.length);
    }
    case RANK.array: {
      const xa = a as unknown[];
      const xb = b as unknown[];
      for (let i = 0; i < Math.min(xa.length, xb.length); i++) {
        const c = compareValues(xa[i], xb[i]);
        if (c !== 0) return c;
      }
      return cmp(xa.length, xb.length);
    }
    case RANK.boolean:
      return cmp(Number(a), Number(b));
    case RANK.date:
      return cmp((a as Date).getTime(), (b as Date).getTime());
    default:
      return cmp(keyOf(a), keyOf(b));
  }
}

const RANK = { minKey: 0, null: 1, number: 2, string: 3, object: 4, array: 5, binary: 6, objectId: 7, boolean: 8, date: 9, timestamp: 10, regex: 11, maxKey: 12, other: 13 } as const;

// Private: the BSON type class of a value, in sort order.
function typeRank(v: unknown): number {
  if (v === null || v === undefined) return RANK.null;
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return RANK.number;
    case 'string':
      return RANK.string;
    case 'boolean':
      return RANK.boolean;
    default:
      break;
  }
  if (Array.isArray(v)) return RANK.array;
  if (v instanceof Date) return RANK.date;
  if (v instanceof RegExp) return RANK.regex;
  switch ((v as { _bsontype?: string })._bsontype) {
    case undefined:
      return isPlainDocument(v) ? RANK.object : RANK.other;
    case 'Long':
    case 'Int32':
    case 'Double':
    case 'Decimal128':
      return RANK.number;
    case 'Binary':
      return RANK.binary;
    case 'ObjectId':
      return RANK.objectId;
    case 'Timestamp':
      return RANK.timestamp;
    case 'BSONRegExp':
      return RANK.regex;
    case 'MinKey':
      return RANK.minKey;
    case 'MaxKey':
      return RANK.maxKey;
    case 'BSONSymbol':
      return RANK.string;
    default:
      return RANK.other;
  }
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return Number((v as { toString(): string }).toString());
}

function cmp<T extends number | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
