/**
 * Documents kept as the BSON bytes they are stored in. A find streams its documents from disk to the reply without
 * decoding and encoding them again: the batch is a `RawDocuments`, and `serializeReply` copies its bytes into the
 * reply around the envelope it encodes. A top-level exclusion projection (`{ field: 0, ... }`) is applied to the
 * bytes by copying the other elements.
 */
import { isUtf8 } from 'node:buffer';
import { ObjectId, serialize, type Document } from 'bson';

/** Stored documents as BSON, in the order a reply sends them. */
export class RawDocuments {
  constructor(readonly items: readonly Uint8Array[]) {}

  get length(): number {
    return this.items.length;
  }
}

const SERIALIZE_OPTIONS = { ignoreUndefined: true } as const;

/**
 * A reply as BSON. A `cursor.firstBatch` / `cursor.nextBatch` holding `RawDocuments` (the first field of `cursor`,
 * itself the reply's first field, as every cursor reply is built) goes in byte for byte.
 */
export function serializeReply(reply: Document): Uint8Array {
  const cursor = reply.cursor as Document | undefined;
  const key = cursor && (cursor.firstBatch instanceof RawDocuments ? 'firstBatch' : cursor.nextBatch instanceof RawDocuments ? 'nextBatch' : undefined);
  if (!cursor || !key) return serialize(reply, SERIALIZE_OPTIONS);
  const { cursor: _cursor, ...rest } = reply;
  const { [key]: raw, ...cursorRest } = cursor;
  const items = (raw as RawDocuments).items;
  const restBytes = serialize(rest, SERIALIZE_OPTIONS);
  const cursorRestBytes = serialize(cursorRest, SERIALIZE_OPTIONS);
  let arrayLength = 4 + 1;
  for (let i = 0; i < items.length; i++) arrayLength += 1 + decimalLength(i) + 1 + items[i]!.length;
  const cursorLength = 4 + (1 + key.length + 1 + arrayLength) + (cursorRestBytes.length - 5) + 1;
  const total = 4 + (1 + 'cursor'.length + 1 + cursorLength) + (restBytes.length - 5) + 1;
  const out = Buffer.allocUnsafe(total);
  let o = 0;
  out.writeInt32LE(total, o);
  o += 4;
  o = writeElementHeader(out, o, EMBEDDED_DOCUMENT, 'cursor');
  out.writeInt32LE(cursorLength, o);
  o += 4;
  o = writeElementHeader(out, o, ARRAY, key);
  out.writeInt32LE(arrayLength, o);
  o += 4;
  for (let i = 0; i < items.length; i++) {
    o = writeElementHeader(out, o, EMBEDDED_DOCUMENT, String(i));
    out.set(items[i]!, o);
    o += items[i]!.length;
  }
  out[o++] = 0;
  out.set(cursorRestBytes.subarray(4, cursorRestBytes.length - 1), o);
  o += cursorRestBytes.length - 5;
  out[o++] = 0;
  out.set(restBytes.subarray(4, restBytes.length - 1), o);
  o += restBytes.length - 5;
  out[o++] = 0;
  return out;
}

/**
 * The fields an exclusion projection removes, when `projection` is one that touches only top-level fields
 * (every value 0 or false, no dotted or `$` names); undefined for any other projection.
 */
export function topLevelExclusion(projection: Document | undefined): Set<string> | undefined {
  if (!projection) return undefined;
  const names = Object.keys(projection);
  if (names.length === 0) return undefined;
  for (const name of names) {
    const v = projection[name];
    if ((v !== 0 && v !== false) || name.includes('.') || name.startsWith('$')) return undefined;
  }
  return new Set(names);
}

/**
 * The fields an inclusion projection keeps, when `projection` is one that names only top-level fields (every value
 * 1 or true, no dotted or `$` names; `_id` may be 0 or false to leave it out, and is kept otherwise, as MongoDB
 * does); undefined for any other projection. Applied to a stored document with `pickFields`: the kept fields in the
 * document's order, their values as stored.
 */
export function topLevelInclusion(projection: Document | undefined): Set<string> | undefined {
  if (!projection) return undefined;
  const kept = new Set<string>(['_id']);
  let included = false;
  for (const name of Object.keys(projection)) {
    const v = projection[name];
    if (name.includes('.') || name.startsWith('$')) return undefined;
    if (v === 1 || v === true) {
      kept.add(name);
      included = true;
    } else if (name === '_id' && (v === 0 || v === false)) kept.delete('_id');
    else return undefined;
  }
  return included ? kept : undefined;
}

/** A stored document's BSON without the named top-level fields (the same bytes when it has none of them). */
export function excludeFields(doc: Uint8Array, excluded: ReadonlySet<string>): Uint8Array {
  return keepElements(doc, excluded, false);
}

/** A stored document's BSON with only the named top-level fields (what a filter on those fields needs). */
export function pickFields(doc: Uint8Array, names: ReadonlySet<string>): Uint8Array {
  return keepElements(doc, names, true);
}

/** A set's names as UTF-8, by byte length (an element whose name has another length is not among them). */
const namesByLength = new WeakMap<ReadonlySet<string>, Map<number, Buffer[]>>();

function utf8Names(names: ReadonlySet<string>): Map<number, Buffer[]> {
  let byLength = namesByLength.get(names);
  if (!byLength) {
    byLength = new Map();
    for (const name of names) {
      const bytes = Buffer.from(name, 'utf8');
      byLength.set(bytes.length, [...(byLength.get(bytes.length) ?? []), bytes]);
    }
    namesByLength.set(names, byLength);
  }
  return byLength;
}

// Private: whether the name at `start` in `doc` is one of `candidates` (the names of its length), compared in place.
function namedIn(doc: Uint8Array, start: number, candidates: readonly Buffer[]): boolean {
  for (const name of candidates) if (sameBytes(doc, start, name, name.length)) return true;
  return false;
}

// Private: the document with the top-level elements named in `names` (`inNames`) or not named there (!`inNames`),
// in their order (the same bytes if all are kept).
function keepElements(doc: Uint8Array, names: ReadonlySet<string>, inNames: boolean): Uint8Array {
  const byLength = utf8Names(names);
  const keep = (start: number, end: number): boolean => {
    const candidates = byLength.get(end - start);
    return (candidates !== undefined && namedIn(doc, start, candidates)) === inNames;
  };
  // Kept runs of adjacent elements, as start, end pairs.
  const parts: number[] = [];
  let kept = 0;
  let dropped = false;
  const end = doc.length - 1;
  let o = 4;
  while (o < end) {
    const start = o;
    const type = doc[o]!;
    let nameEnd = o + 1;
    while (doc[nameEnd] !== 0) nameEnd++;
    const valueStart = nameEnd + 1;
    const next = valueStart + valueLength(doc, type, valueStart);
    if (keep(o + 1, nameEnd)) {
      if (parts.length > 0 && parts[parts.length - 1] === start) parts[parts.length - 1] = next;
      else parts.push(start, next);
      kept += next - start;
    } else dropped = true;
    o = next;
  }
  if (!dropped) return doc;
  const out = Buffer.allocUnsafe(4 + kept + 1);
  out.writeInt32LE(out.length, 0);
  let w = 4;
  for (let i = 0; i < parts.length; i += 2) {
    out.set(doc.subarray(parts[i]!, parts[i + 1]!), w);
    w += parts[i + 1]! - parts[i]!;
  }
  out[w] = 0;
  return out;
}

/**
 * Throws unless `doc` is well-formed BSON (the checks a decode makes: sizes and terminators, known element types,
 * valid UTF-8 in string values, booleans 0 or 1), without building its values: an insert's documents are checked
 * this way and then stored as they came.
 */
export function validateBson(doc: Uint8Array): void {
  const bytes = Buffer.isBuffer(doc) ? doc : Buffer.from(doc.buffer, doc.byteOffset, doc.length);
  checkDocument(bytes, 0, bytes.length, 0);
}

/** True when a BSON document's first element is `_id`. */
export function startsWithId(doc: Uint8Array): boolean {
  return doc.length > 9 && doc[5] === 0x5f && doc[6] === 0x69 && doc[7] === 0x64 && doc[8] === 0;
}

/** What `leadingId` answers for an `_id` of a type it does not read from the bytes. */
export const ID_NOT_READ: unique symbol = Symbol('ID_NOT_READ');

/**
 * The value of a checked document's leading `_id` element (see startsWithId), as `deserialize` with promoted values
 * decodes it, read straight from the bytes when it is an ObjectId, a string or an int32; ID_NOT_READ for any other
 * type (the caller decodes the element then).
 */
export function leadingId(doc: Uint8Array): unknown {
  const type = doc[4];
  if (type === 0x07) return new ObjectId(doc.subarray(9, 21));
  if (type === 0x02) {
    const size = int32At(doc, 9);
    return Buffer.from(doc.buffer, doc.byteOffset, doc.length).toString('utf8', 13, 13 + size - 1);
  }
  if (type === 0x10) return int32At(doc, 9) | 0;
  return ID_NOT_READ;
}

/** Documents nested deeper than this are refused (mongod's own limit is 100 levels below the top). */
const MAX_DEPTH = 200;

// Private: the document at [start, end) (its declared size must be exactly that).
function checkDocument(b: Buffer, start: number, end: number, depth: number): void {
  if (depth > MAX_DEPTH) throw new Error(`BSON document nested deeper than ${MAX_DEPTH} levels`);
  if (end - start < 5 || int32At(b, start) !== end - start) throw new Error('BSON document size does not match its bytes');
  if (b[end - 1] !== 0) throw new Error('BSON document not terminated by a NUL byte');
  const last = end - 1;
  let o = start + 4;
  while (o < last) {
    const type = b[o]!;
    const nameEnd = b.indexOf(0, o + 1);
    if (nameEnd < 0 || nameEnd >= last) throw new Error('BSON element name not terminated');
    o = nameEnd + 1;
    o = checkValue(b, type, o, last, depth);
  }
  if (o !== last) throw new Error('BSON element runs past its document');
}

// Private: one element's value starting at `o`; returns where the next element starts.
function checkValue(b: Buffer, type: number, o: number, last: number, depth: number): number {
  switch (type) {
    case 0x01: // double
    case 0x09: // UTC datetime
    case 0x11: // timestamp
    case 0x12: // int64
      return within(type, o, 8, last);
    case 0x02: // string
    case 0x0d: // JavaScript code
    case 0x0e: // symbol
      within(type, o, 4, last);
      return checkString(b, o, last);
    case 0x03: // document
    case 0x04: { // array
      within(type, o, 4, last);
      const end = within(type, o, int32At(b, o), last);
      checkDocument(b, o, end, depth + 1);
      return end;
    }
    case 0x05: { // binary
      within(type, o, 5, last);
      const length = int32At(b, o);
      const end = within(type, o, 5 + length, last);
      if (b[o + 4] === 0x02 && (length < 4 || int32At(b, o + 5) !== length - 4)) throw new Error('BSON binary of subtype 2 has a bad inner length');
      return end;
    }
    case 0x06: // undefined
    case 0x0a: // null
    case 0xff: // MinKey
    case 0x7f: // MaxKey
      return o;
    case 0x07: // ObjectId
      return within(type, o, 12, last);
    case 0x08: // boolean
      within(type, o, 1, last);
      if (b[o] !== 0 && b[o] !== 1) throw new Error('BSON boolean is neither 0 nor 1');
      return o + 1;
    case 0x0b: { // regular expression: two C strings
      const patternEnd = b.indexOf(0, o);
      if (patternEnd < 0 || patternEnd >= last) throw new Error('BSON regex pattern not terminated');
      const optionsEnd = b.indexOf(0, patternEnd + 1);
      if (optionsEnd < 0 || optionsEnd >= last) throw new Error('BSON regex options not terminated');
      return optionsEnd + 1;
    }
    case 0x0c: { // DBPointer: string, then 12 bytes
      within(type, o, 4, last);
      const after = checkString(b, o, last);
      if (after + 12 > last) throw new Error('BSON DBPointer runs past its document');
      return after + 12;
    }
    case 0x0f: { // code with scope: total size, string, document
      within(type, o, 4, last);
      const end = within(type, o, int32At(b, o), last);
      const codeEnd = checkString(b, o + 4, end);
      checkDocument(b, codeEnd, end, depth + 1);
      return end;
    }
    case 0x10: // int32
      return within(type, o, 4, last);
    case 0x13: // decimal128
      return within(type, o, 16, last);
    default:
      throw new Error(`unknown BSON element type 0x${type.toString(16)}`);
  }
}

// Private: `o + n`, where a value of `n` bytes at `o` ends; throws if it runs past `last`.
function within(type: number, o: number, n: number, last: number): number {
  if (n < 0 || o + n > last) throw new Error(`BSON element of type 0x${type.toString(16)} runs past its document`);
  return o + n;
}

// Private: a BSON string (int32 size including the NUL, UTF-8 bytes, NUL) at `o`; returns where it ends. ASCII text
// is checked byte by byte here; only a string holding other bytes goes to the runtime's UTF-8 check.
function checkString(b: Buffer, o: number, last: number): number {
  const size = int32At(b, o);
  const end = o + 4 + size;
  if (size < 1 || end > last) throw new Error('BSON string size out of bounds');
  if (b[end - 1] !== 0) throw new Error('BSON string not terminated by a NUL byte');
  for (let i = o + 4; i < end - 1; i++) {
    if (b[i]! >= 0x80) {
      if (!isUtf8(b.subarray(i, end - 1))) throw new Error('BSON string is not valid UTF-8');
      break;
    }
  }
  return end;
}

const EMBEDDED_DOCUMENT = 0x03;
const ARRAY = 0x04;

function writeElementHeader(out: Buffer, o: number, type: number, name: string): number {
  out[o++] = type;
  o += out.write(name, o, 'latin1');
  out[o++] = 0;
  return o;
}

function decimalLength(i: number): number {
  return i < 10 ? 1 : String(i).length;
}

function int32At(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function cstringEnd(b: Uint8Array, o: number): number {
  while (b[o] !== 0) o++;
  return o + 1;
}

/**
 * The type and value offset of the last top-level element of each name in `names` (UTF-8), written to `types` and
 * `offsets` at the name's position (type 0: absent). The last, as decoding keeps the last of a repeated name.
 */
export function locateElements(b: Uint8Array, names: readonly Uint8Array[], types: number[], offsets: number[]): void {
  types.fill(0);
  const end = b.length - 1;
  let o = 4;
  while (o < end) {
    const type = b[o]!;
    const nameStart = o + 1;
    let nameEnd = nameStart;
    while (b[nameEnd] !== 0) nameEnd++;
    const valueStart = nameEnd + 1;
    for (let i = 0; i < names.length; i++) {
      const n = names[i]!;
      if (n.length === nameEnd - nameStart && sameBytes(b, nameStart, n, n.length)) {
        types[i] = type;
        offsets[i] = valueStart;
      }
    }
    o = valueStart + valueLength(b, type, valueStart);
  }
}

/** Whether the `n` bytes of `b` from `at` are the first `n` bytes of `ref`. */
export function sameBytes(b: Uint8Array, at: number, ref: Uint8Array, n: number): boolean {
  for (let j = 0; j < n; j++) if (b[at + j] !== ref[j]) return false;
  return true;
}

// Private: bytes of an element's value by its BSON type (the stored bytes are valid BSON).
/** The length of an element's value of BSON type `type` starting at `o`. */
export function valueLength(b: Uint8Array, type: number, o: number): number {
  switch (type) {
    case 0x01: // double
    case 0x09: // UTC datetime
    case 0x11: // timestamp
    case 0x12: // int64
      return 8;
    case 0x02: // string
    case 0x0d: // JavaScript code
    case 0x0e: // symbol
      return 4 + int32At(b, o);
    case 0x03: // document
    case 0x04: // array
    case 0x0f: // code with scope
      return int32At(b, o);
    case 0x05: // binary
      return 4 + 1 + int32At(b, o);
    case 0x06: // undefined
    case 0x0a: // null
    case 0xff: // MinKey
    case 0x7f: // MaxKey
      return 0;
    case 0x07: // ObjectId
      return 12;
    case 0x08: // boolean
      return 1;
    case 0x0b: // regular expression: pattern and options, two C strings
      return cstringEnd(b, cstringEnd(b, o)) - o;
    case 0x0c: // DBPointer
      return 4 + int32At(b, o) + 12;
    case 0x10: // int32
      return 4;
    case 0x13: // decimal128
      return 16;
    default:
      throw new Error(`unknown BSON element type 0x${type.toString(16)} in a stored document`);
  }
}
