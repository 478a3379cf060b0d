/**
 * Order-preserving binary keys for BSON values: comparing two encodings byte by byte (as LMDB does) orders the
 * values like MongoDB's sort order (type class first: MinKey, null, numbers, strings, objects, arrays, binary,
 * ObjectId, booleans, dates, timestamps, regexes, MaxKey), and two values get the same encoding exactly when an
 * equality match treats them as equal (1, 1.0 and Long(1) are one key, as `keyOf` says).
 *
 * Every encoding is prefix-free (fixed width or terminated), so keys of several fields concatenate, and a
 * descending field is its encoding with every byte inverted. Strings longer than `MAX_STRING_KEY_BYTES` are cut
 * and marked: such keys order correctly against every shorter string, but two long strings sharing the cut prefix
 * share a key, so an index never treats them as an exact match.
 */
import type { Document } from 'bson';
import { isPlainDocument, keyOf } from './values';

/** Type-class bytes, in MongoDB's sort order. */
export const TYPE = {
  minKey: 0x01,
  null: 0x05,
  number: 0x10,
  string: 0x14,
  object: 0x18,
  array: 0x1c,
  binary: 0x20,
  objectId: 0x24,
  boolean: 0x28,
  date: 0x2c,
  timestamp: 0x30,
  regex: 0x34,
  other: 0x70,
  maxKey: 0x7f,
} as const;

/** Longest string kept whole in a key (UTF-8 bytes); longer ones are cut and marked. */
export const MAX_STRING_KEY_BYTES = 256;

/**
 * The 4-byte prefix of every key of the collection (its records) or index with this id: the ids come from one
 * counter, so no two collections or indexes share one.
 */
export function idPrefix(id: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(id, 0);
  return b;
}

/** The first key after every key starting with `prefix` (no encoded component starts with 0xFF). */
export function prefixAfter(prefix: Buffer): Buffer {
  return Buffer.concat([prefix, AFTER_EVERY_COMPONENT]);
}

const AFTER_EVERY_COMPONENT = Buffer.from([0xff]);
const scratch = Buffer.alloc(8);

/** A growable byte buffer for building keys. */
export class KeyWriter {
  private buf = Buffer.allocUnsafe(64);
  length = 0;
  /** Set when a string was cut: the key stands for several values. */
  truncated = false;

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.length);
    this.length += src.length;
  }

  u32(n: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(n >>> 0, this.length);
    this.length += 4;
  }

  /** An unsigned integer below 2^53, 8 bytes big-endian. */
  u64(n: number): void {
    this.u32(Math.floor(n / 0x1_0000_0000));
    this.u32(n % 0x1_0000_0000);
  }

  /**
   * A string's key component: its UTF-8 (cut to `MAX_STRING_KEY_BYTES`, then marked) with 0x00 escaped as 00 FF,
   * terminated by 00 00 (whole) or 00 01 (cut).
   */
  string(s: string): void {
    // Short ASCII without NUL (most keys): written char by char, no call into the runtime.
    const len = s.length;
    if (len <= MAX_STRING_KEY_BYTES) {
      this.ensure(len + 2);
      const buf = this.buf;
      const at = this.length;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c === 0 || c >= 0x80) break;
        buf[at + i] = c;
      }
      if (i === len) {
        buf[at + len] = 0;
        buf[at + len + 1] = 0;
        this.length = at + len + 2;
        return;
      }
    }
    this.ensure(s.length * 3 + 2);
    const start = this.length;
    let n = this.buf.write(s, start, 'utf8');
    let cut = false;
    if (n > MAX_STRING_KEY_BYTES) {
      n = MAX_STRING_KEY_BYTES;
      cut = true;
      this.truncated = true;
    }
    const zero = this.buf.indexOf(0, start);
    if (zero !== -1 && zero < start + n) {
      // Escape NULs: re-append the written bytes one by one.
      const bytes = Buffer.from(this.buf.subarray(start, start + n));
      this.length = start;
      for (const b of bytes) {
        this.byte(b);
        if (b === 0) this.byte(0xff);
      }
    } else {
      this.length = start + n;
    }
    this.byte(0);
    this.byte(cut ? 1 : 0);
  }

  /** A string's key component (as `string`) from its UTF-8 bytes, `src[start..end)`. */
  utf8(src: Uint8Array, start: number, end: number): void {
    let n = end - start;
    let cut = false;
    if (n > MAX_STRING_KEY_BYTES) {
      n = MAX_STRING_KEY_BYTES;
      cut = true;
      this.truncated = true;
    }
    this.ensure(2 * n + 2);
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < n; i++) {
      const b = src[start + i]!;
      buf[at++] = b;
      if (b === 0) buf[at++] = 0xff;
    }
    buf[at++] = 0;
    buf[at++] = cut ? 1 : 0;
    this.length = at;
  }

  /** Starts a new key in the same buffer. */
  reset(): void {
    this.length = 0;
    this.truncated = false;
  }

  /** Inverts the bytes written since `from` (a descending key component). */
  invertFrom(from: number): void {
    for (let i = from; i < this.length; i++) this.buf[i] = ~this.buf[i]! & 0xff;
  }

  /** A copy of the bytes written, followed by `room` more bytes (not initialized). */
  toBuffer(room = 0): Buffer {
    const out = Buffer.allocUnsafe(this.length + room);
    this.buf.copy(out, 0, 0, this.length);
    return out;
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}

/** Appends the key encoding of one value. */
export function encodeValue(w: KeyWriter, v: unknown): void {
  switch (typeof v) {
    case 'undefined':
      w.byte(TYPE.null);
      return;
    case 'number':
      w.byte(TYPE.number);
      encodeDouble(w, v);
      return;
    case 'bigint':
      w.byte(TYPE.number);
      encodeDouble(w, Number(v));
      return;
    case 'string':
      w.byte(TYPE.string);
      encodeString(w, v);
      return;
    case 'boolean':
      w.byte(TYPE.boolean);
      w.byte(v ? 1 : 0);
      return;
    default:
      break;
  }
  if (v === null) return w.byte(TYPE.null);
  if (v instanceof Date) {
    w.byte(TYPE.date);
    encodeDouble(w, v.getTime());
    return;
  }
  if (Array.isArray(v)) {
    w.byte(TYPE.array);
    for (const e of v) {
      w.byte(1);
      encodeValue(w, e);
    }
    w.byte(0);
    return;
  }
  if (v instanceof RegExp) {
    w.byte(TYPE.regex);
    encodeString(w, v.source);
    encodeString(w, v.flags);
    return;
  }
  const bsonType = (v as { _bsontype?: string })._bsontype;
  if (bsonType === undefined) {
    if (!isPlainDocument(v)) return encodeOther(w, v);
    w.byte(TYPE.object);
    const doc = v as Document;
    for (const k of Object.keys(doc)) {
      w.byte(1);
      encodeString(w, k);
      encodeValue(w, doc[k]);
    }
    w.byte(0);
    return;
  }
  switch (bsonType) {
    case 'ObjectId':
      w.byte(TYPE.objectId);
      w.bytes((v as { id: Uint8Array }).id);
      return;
    case 'Long':
      w.byte(TYPE.number);
      encodeDouble(w, (v as { toNumber(): number }).toNumber());
      return;
    case 'Int32':
    case 'Double':
    case 'Decimal128':
      w.byte(TYPE.number);
      encodeDouble(w, Number(String(v)));
      return;
    case 'Binary': {
      const bin = v as { sub_type: number; buffer: Uint8Array; position?: number };
      const bytes = bin.buffer.subarray(0, bin.position ?? bin.buffer.length);
      w.byte(TYPE.binary);
      w.u32(bytes.length);
      w.byte(bin.sub_type);
      w.bytes(bytes);
      return;
    }
    case 'Timestamp': {
      const ts = v as { high: number; low: number };
      w.byte(TYPE.timestamp);
      w.u32(ts.high);
      w.u32(ts.low);
      return;
    }
    case 'BSONRegExp': {
      const re = v as { pattern: string; options: string };
      w.byte(TYPE.regex);
      encodeString(w, re.pattern);
      encodeString(w, re.options);
      return;
    }
    case 'BSONSymbol':
      w.byte(TYPE.string);
      encodeString(w, String((v as { value: string }).value));
      return;
    case 'MinKey':
      return w.byte(TYPE.minKey);
    case 'MaxKey':
      return w.byte(TYPE.maxKey);
    default:
      return encodeOther(w, v);
  }
}

/** The type-class byte a value's key starts with. */
export function typeByte(v: unknown): number {
  const w = new KeyWriter();
  encodeValue(w, v);
  return w.toBuffer()[0]!;
}

/** The key of one value alone. */
export function valueKey(v: unknown): Buffer {
  const w = new KeyWriter();
  encodeValue(w, v);
  return w.toBuffer();
}

/** A number's key bytes: IEEE-754 bits made to sort as unsigned bytes; -0 is 0; every NaN sorts first among numbers. */
export function encodeDouble(w: KeyWriter, n: number): void {
  if (Number.isNaN(n)) {
    for (let i = 0; i < 8; i++) w.byte(0);
    return;
  }
  scratch.writeDoubleBE(n === 0 ? 0 : n, 0);
  if (scratch[0]! & 0x80) for (let i = 0; i < 8; i++) scratch[i] = ~scratch[i]! & 0xff;
  else scratch[0] = scratch[0]! | 0x80;
  w.bytes(scratch);
}

// Private: see KeyWriter.string.
function encodeString(w: KeyWriter, s: string): void {
  w.string(s);
}

// Private: values without a dedicated encoding: ordered after regexes by their canonical equality key.
function encodeOther(w: KeyWriter, v: unknown): void {
  w.byte(TYPE.other);
  encodeString(w, keyOf(v));
}
