/**
 * Rollup documents read as the store sends them (BSON bytes, the driver's `raw` find): their head and their
 * figures added straight into an accumulator, never made into objects. A long window's service graph reads
 * thousands of buckets with tens to hundreds of DDSketch bins each; decoding each bin map to an object keyed by
 * bin (then listing its entries and parsing the keys back to numbers) cost more than the store's reads.
 *
 * The figures are the same as `addDoc` over the decoded document gives: numbers are read as the driver promotes
 * them (int32, int64 within 2^53, double); a field of another type counts as absent.
 */
import type { RollupKindCode } from './documents';
import { addBin, type Bins } from './sketch';
import type { Accumulator } from './stat-point';

/** What names a bucket document: kind, service (an edge's source), an edge's target, start (ms). */
export interface BucketHead {
  k: RollupKindCode;
  s: string;
  x: string | undefined;
  m: number;
}

const DOUBLE = 0x01;
const STRING = 0x02;
const DOCUMENT = 0x03;
const INT32 = 0x10;
const INT64 = 0x12;

/** The head fields of a bucket document's bytes. */
export function bucketHead(bytes: Uint8Array): BucketHead {
  let k = '';
  let s = '';
  let x: string | undefined;
  let m = NaN;
  const end = int32At(bytes, 0) - 1;
  let pos = 4;
  while (pos < end) {
    const type = bytes[pos]!;
    const nameStart = pos + 1;
    const nameEnd = cstringEnd(bytes, nameStart);
    const valueAt = nameEnd + 1;
    if (nameEnd === nameStart + 1) {
      const c = bytes[nameStart];
      if (type === STRING && (c === 0x6b || c === 0x73 || c === 0x78)) {
        const text = stringAt(bytes, valueAt);
        if (c === 0x6b) k = text;
        else if (c === 0x73) s = text;
        else x = text;
      } else if (c === 0x6d) m = numberAt(bytes, type, valueAt) ?? NaN;
    }
    pos = valueAt + valueSize(bytes, type, valueAt);
  }
  return { k: k as RollupKindCode, s, x, m };
}

/**
 * Adds a bucket document's figures to `acc`: its own, and each operation's under `o` (a service's minute).
 * True when any of them has calls.
 */
export function addBucketBytes(acc: Accumulator, bytes: Uint8Array): boolean {
  let called = addFigures(acc, bytes, 0);
  const end = int32At(bytes, 0) - 1;
  let pos = 4;
  while (pos < end) {
    const type = bytes[pos]!;
    const nameEnd = cstringEnd(bytes, pos + 1);
    const valueAt = nameEnd + 1;
    if (type === DOCUMENT && nameEnd === pos + 2 && bytes[pos + 1] === 0x6f) {
      // `o`: one embedded document per operation.
      const oEnd = valueAt + int32At(bytes, valueAt) - 1;
      let p = valueAt + 4;
      while (p < oEnd) {
        const t = bytes[p]!;
        const at = cstringEnd(bytes, p + 1) + 1;
        if (t === DOCUMENT && addFigures(acc, bytes, at)) called = true;
        p = at + valueSize(bytes, t, at);
      }
    }
    pos = valueAt + valueSize(bytes, type, valueAt);
  }
  return called;
}

// Private: the figures of the (embedded) document at `start` added to `acc`, as `addDoc` adds them; true when
// its calls are over 0.
function addFigures(acc: Accumulator, bytes: Uint8Array, start: number): boolean {
  const end = start + int32At(bytes, start) - 1;
  let calls = 0;
  let pos = start + 4;
  while (pos < end) {
    const type = bytes[pos]!;
    const nameStart = pos + 1;
    const nameEnd = cstringEnd(bytes, nameStart);
    const valueAt = nameEnd + 1;
    const length = nameEnd - nameStart;
    const c0 = bytes[nameStart];
    if (length === 1) {
      const n = numberAt(bytes, type, valueAt);
      if (n !== undefined) {
        if (c0 === 0x63) {
          calls = n;
          acc.calls += n;
        } else if (c0 === 0x65) acc.errors += n;
        else if (c0 === 0x64) acc.sumUs += n;
        else if (c0 === 0x7a) addBin(acc.bins, null, n);
      } else if (c0 === 0x62 && type === DOCUMENT) addBins(acc.bins, bytes, valueAt);
    } else if (length === 2 && (c0 === 0x6c || c0 === 0x68)) {
      const c1 = bytes[nameStart + 1];
      const n = numberAt(bytes, type, valueAt);
      if (n !== undefined) {
        if (c0 === 0x6c && c1 === 0x6f) acc.minUs = Math.min(acc.minUs, n);
        else if (c0 === 0x68 && c1 === 0x69) acc.maxUs = Math.max(acc.maxUs, n);
      }
    }
    pos = valueAt + valueSize(bytes, type, valueAt);
  }
  return calls > 0;
}

// Private: the bins `{binIndex: count}` of the document at `start`.
function addBins(bins: Bins, bytes: Uint8Array, start: number): void {
  const end = start + int32At(bytes, start) - 1;
  let pos = start + 4;
  while (pos < end) {
    const type = bytes[pos]!;
    const nameStart = pos + 1;
    const nameEnd = cstringEnd(bytes, nameStart);
    const valueAt = nameEnd + 1;
    const count = numberAt(bytes, type, valueAt);
    // A count of another type adds nothing, as `addBin` adds nothing for a count that is not a number.
    if (count !== undefined) addBin(bins, binIndex(bytes, nameStart, nameEnd), count);
    pos = valueAt + valueSize(bytes, type, valueAt);
  }
}

// Private: a bin's index from its field name: decimal digits with an optional '-' read directly, anything else
// as `Number` reads it.
function binIndex(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = bytes[i] === 0x2d;
  if (negative) i += 1;
  if (i === end || end - i > 15) return Number(utf8(bytes, start, end));
  let n = 0;
  for (; i < end; i++) {
    const d = bytes[i]! - 0x30;
    if (d < 0 || d > 9) return Number(utf8(bytes, start, end));
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

// Private: a number field's value as the driver promotes it, or undefined for a field of another type.
function numberAt(bytes: Uint8Array, type: number, at: number): number | undefined {
  switch (type) {
    case DOUBLE:
      return float64At(bytes, at);
    case INT32:
      return int32At(bytes, at);
    case INT64: {
      const high = int32At(bytes, at + 4);
      const value = high * 4_294_967_296 + (int32At(bytes, at) >>> 0);
      // Beyond 2^53 the driver gives a Long, which counts as absent.
      return Number.isSafeInteger(value) ? value : undefined;
    }
    default:
      return undefined;
  }
}

// Private: the string value at `at` (int32 length including its NUL, then the bytes).
function stringAt(bytes: Uint8Array, at: number): string {
  return utf8(bytes, at + 4, at + 4 + int32At(bytes, at) - 1);
}

// Private: where the C string (an element's name) starting at `at` ends (its NUL), read in place: names are short.
function cstringEnd(bytes: Uint8Array, at: number): number {
  let i = at;
  while (bytes[i] !== 0) i++;
  return i;
}

const decoder = new TextDecoder();

/** Strings up to this many bytes, all ASCII, are read char by char (no call into the decoder). */
const SHORT_ASCII = 32;

function utf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT_ASCII) {
    let text = '';
    let i = start;
    for (; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) break;
      text += String.fromCharCode(c);
    }
    if (i === end) return text;
  }
  return decoder.decode(bytes.subarray(start, end));
}

// Private: how many bytes the value of BSON type `type` at `at` takes.
function valueSize(bytes: Uint8Array, type: number, at: number): number {
  switch (type) {
    case 0x01: // double
    case 0x09: // date
    case 0x11: // timestamp
    case 0x12: // int64
      return 8;
    case 0x02: // string
    case 0x0d: // code
    case 0x0e: // symbol
      return 4 + int32At(bytes, at);
    case 0x03: // document
    case 0x04: // array
    case 0x0f: // code with scope
      return int32At(bytes, at);
    case 0x05: // binary: length, subtype, bytes
      return 5 + int32At(bytes, at);
    case 0x06: // undefined
    case 0x0a: // null
    case 0x7f: // max key
    case 0xff: // min key
      return 0;
    case 0x07: // ObjectId
      return 12;
    case 0x08: // boolean
      return 1;
    case 0x0b: {
      // regex: two C strings
      const patternEnd = bytes.indexOf(0, at);
      return bytes.indexOf(0, patternEnd + 1) + 1 - at;
    }
    case 0x0c: // DBPointer: string, ObjectId
      return 4 + int32At(bytes, at) + 12;
    case 0x10: // int32
      return 4;
    case 0x13: // decimal128
      return 16;
    default:
      throw new Error(`rollup document: expected a BSON type code, received 0x${type.toString(16)} at byte ${at - 1}`);
  }
}

// Private: the little-endian int32 at `at` (read in place: a DataView per document cost more than its reads).
function int32At(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}

const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);
/** Float64Array's byte order is the machine's: BSON's little-endian bytes are copied reversed on a big-endian one. */
const bigEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

// Private: the little-endian double at `at`.
function float64At(bytes: Uint8Array, at: number): number {
  if (bigEndian) for (let i = 0; i < 8; i++) float64Bytes[7 - i] = bytes[at + i]!;
  else for (let i = 0; i < 8; i++) float64Bytes[i] = bytes[at + i]!;
  return float64[0]!;
}
