/**
 * Index keys read straight from a document's BSON, without decoding it: what an insert of a document that arrived
 * as BSON needs. The keys are byte for byte those `Index.keysOf` gives the decoded document, for the shapes read
 * here: an indexed top-level field holding a string (up to the length a key keeps whole), a number, a date, a
 * boolean, null, an ObjectId, an array of those, or nothing; and a compound index with element keys over an array
 * of documents whose indexed fields hold such a scalar or nothing (`attrs: [{k, v}, ...]`). Any other shape (an
 * embedded document or a nested array as a key value, a dotted path outside an array of documents, a long string,
 * other BSON types, a sparse index) answers null, and the caller decodes the document and keys it as usual.
 */
import { valueLength } from '../raw-bson';
import { encodeDouble, idPrefix, KeyWriter, MAX_STRING_KEY_BYTES, TYPE } from './keys';

/** One entry key (as index-store's EntryKey): indexId | field keys, and the same bytes with room for a record id. */
export interface RawEntryKey {
  readonly prefix: Buffer;
  readonly truncated: boolean;
  readonly withRoom: Buffer;
}

/** The offsets of a document's top-level elements by name (the type byte of each), for the names asked. */
export class TopLevel {
  private readonly at = new Map<string, number>();

  /** Reads `doc`'s top-level elements named in `names` (each name's UTF-8, by its text). */
  constructor(
    readonly doc: Buffer,
    names: ReadonlyMap<string, Buffer>,
  ) {
    const table = nameTable(names);
    const end = doc.length - 1;
    let o = 4;
    while (o < end) {
      const type = doc[o]!;
      let nameEnd = o + 1;
      while (doc[nameEnd] !== 0) nameEnd++;
      const valueStart = nameEnd + 1;
      const nameLength = nameEnd - o - 1;
      // A name given twice: the last one counts, as when the document is decoded.
      if (nameLength < table.byLength.length && table.byLength[nameLength] === 1) {
        for (let n = 0; n < table.bytes.length; n++) {
          const bytes = table.bytes[n]!;
          if (bytes.length !== nameLength) continue;
          let same = true;
          for (let i = 0; i < nameLength; i++) {
            if (doc[o + 1 + i] !== bytes[i]) {
              same = false;
              break;
            }
          }
          if (same) this.at.set(table.names[n]!, o);
        }
      }
      o = valueStart + valueLength(doc, type, valueStart);
    }
  }

  /** The offset of the element's type byte, or undefined when the document has no such field. */
  element(name: string): number | undefined {
    return this.at.get(name);
  }
}

/** A names map as arrays, and which name lengths (in bytes) occur among them. */
interface NameTable {
  readonly names: readonly string[];
  readonly bytes: readonly Buffer[];
  /** 1 at each length some name has. */
  readonly byLength: Uint8Array;
}

const nameTables = new WeakMap<ReadonlyMap<string, Buffer>, NameTable>();

// Private: the table of a names map (built once per map: a collection keeps its map until its indexes change).
function nameTable(names: ReadonlyMap<string, Buffer>): NameTable {
  let table = nameTables.get(names);
  if (!table) {
    const bytes = [...names.values()];
    const byLength = new Uint8Array(Math.max(0, ...bytes.map((b) => b.length)) + 1);
    for (const b of bytes) byLength[b.length] = 1;
    table = { names: [...names.keys()], bytes, byLength };
    nameTables.set(names, table);
  }
  return table;
}

/** How one index reads its keys from BSON (built once per index). */
/**
 * What reading one document's keys found: an array on some indexed path (`multikey`), and on which fields, as a
 * bit per field in field order (`paths`; a field past the 31st sets every bit).
 */
export interface MultikeySeen {
  multikey: boolean;
  paths: number;
}

/** The bit of field `i` in `MultikeySeen.paths` / `Index.multikeyPaths`. */
export function fieldBit(i: number): number {
  return i < 31 ? 1 << i : ~0;
}

export class RawKeyPlan {
  /** Each field's top-level name and, inside an element of the shared array, its name there. */
  private readonly top: readonly string[];
  private readonly inner: readonly (string | undefined)[];
  /** False when this index's shape is never read from BSON. */
  readonly usable: boolean;

  constructor(
    private readonly id: number,
    fields: readonly string[],
    private readonly directions: readonly (1 | -1)[],
    private readonly elementArray: string | undefined,
    sparse: boolean,
  ) {
    const top: string[] = [];
    const inner: (string | undefined)[] = [];
    // Names are compared byte for byte with ASCII text.
    let usable = !sparse && fields.every((f) => /^[\x01-\x7f]+$/.test(f));
    for (const field of fields) {
      const parts = field.split('.');
      if (parts.length === 1) {
        top.push(field);
        inner.push(undefined);
      } else if (elementArray !== undefined && parts.length === 2 && parts[0] === elementArray) {
        top.push(parts[0]!);
        inner.push(parts[1]!);
      } else {
        usable = false;
        top.push(parts[0]!);
        inner.push(undefined);
      }
    }
    this.top = top;
    this.inner = inner;
    this.usable = usable;
    let bits = 0;
    for (let i = 0; i < inner.length; i++) if (inner[i] !== undefined) bits |= fieldBit(i);
    this.inArrayBits = bits;
    let leading = 0;
    while (leading < inner.length && inner[leading] !== undefined) leading++;
    // Element keys need the array's fields first, then top-level ones only (Index's shared-array rule).
    if (elementArray !== undefined && inner.slice(leading).some((name) => name !== undefined)) this.usable = false;
    this.leading = leading;
  }

  /** With element keys: how many leading fields lie in the shared array (the others are top-level fields). */
  private readonly leading: number;

  /** With element keys: the bits (see `MultikeySeen`) of the fields inside the shared array. */
  private readonly inArrayBits: number;

  /** The top-level names this index reads. */
  names(): readonly string[] {
    return this.top;
  }

  /**
   * The entry keys of the document `top` was read from (as `Index.keysOf` would give them, in the same order), or
   * null when its shape is not read here. Sets `multikey` in `seen` when an indexed path holds an array.
   */
  keys(top: TopLevel, seen?: MultikeySeen): RawEntryKey[] | null {
    if (!this.usable) return null;
    const doc = top.doc;
    if (this.elementArray !== undefined) {
      const at = top.element(this.elementArray);
      if (at !== undefined && doc[at] === BSON_ARRAY) return this.elementKeys(top, at, seen);
      // No array there: each of its fields reads nothing (a missing field), or the shape is not read here.
      if (at !== undefined) return null;
      const values = this.trailingValues(top);
      return values && [this.single(doc, values)];
    }
    // Each field's values: one offset (its element), none (missing), or an array's elements.
    let multi = false;
    let arrays = 0;
    let lastArray = -1;
    const perField: Array<number | undefined | number[]> = [];
    for (let i = 0; i < this.top.length; i++) {
      const at = top.element(this.top[i]!);
      if (at === undefined) {
        perField.push(undefined);
        continue;
      }
      const type = doc[at]!;
      if (type === BSON_ARRAY) {
        if (seen) {
          seen.multikey = true;
          seen.paths |= fieldBit(i);
        }
        const elements = arrayElements(doc, at);
        if (elements === null) return null;
        if (elements.length === 0) perField.push(undefined);
        else if (elements.length === 1) perField.push(elements[0]!);
        else {
          perField.push(elements);
          multi = true;
          arrays += 1;
          lastArray = i;
        }
        continue;
      }
      if (!scalar(doc, at)) return null;
      perField.push(at);
    }
    if (!multi) return [this.single(doc, perField as Array<number | undefined>)];
    if (arrays === 1) return this.oneArray(doc, perField, lastArray);
    return this.combinations(doc, perField);
  }

  // Private: the keys when only the field at `arrayField` holds several values (`{services: 1, startUs: -1}`): one
  // key per distinct value, in the array's order, as `combinations` gives them, each written once.
  private oneArray(doc: Buffer, perField: ReadonlyArray<number | undefined | number[]>, arrayField: number): RawKey[] {
    const values = perField.slice() as Array<number | undefined>;
    const elements = perField[arrayField] as number[];
    const out: RawKey[] = [];
    // An array may hold a value twice (or two values with one key, 1 and 1.0): one entry. A short array's keys are
    // compared with the ones before; a long one's are looked up by their text.
    const seenKeys = elements.length > SHORT_ARRAY ? new Set<string>() : undefined;
    for (const at of elements) {
      values[arrayField] = at;
      const key = this.single(doc, values);
      if (seenKeys) {
        const text = key.prefix.toString('latin1');
        if (seenKeys.has(text)) continue;
        seenKeys.add(text);
      } else if (out.some((k) => k.sameKey(key))) continue;
      out.push(key);
    }
    return out;
  }

  // Private: the one key of one value per field (an element's offset, or undefined for nothing).
  private single(doc: Buffer, values: ReadonlyArray<number | undefined>): RawKey {
    const w = SCRATCH;
    w.reset();
    w.u32(this.id);
    for (let i = 0; i < values.length; i++) {
      const from = w.length;
      encodeElement(w, doc, values[i]);
      if (this.directions[i] === -1) w.invertFrom(from);
    }
    return finish(w);
  }

  // Private: one key per element of the shared array of documents (element keys), each with the document's values
  // of the top-level fields after the array's.
  private elementKeys(top: TopLevel, arrayAt: number, seen?: MultikeySeen): RawEntryKey[] | null {
    const doc = top.doc;
    // The array's fields are multikey.
    if (seen) {
      seen.multikey = true;
      seen.paths |= this.inArrayBits;
    }
    const trailing = this.trailingValues(top);
    if (!trailing) return null;
    const elements = elementOffsets(doc, arrayAt);
    if (elements.length === 0) return [this.single(doc, trailing)];
    // The array's fields lead (see Index): the top-level fields after them key the same in every element's entry,
    // so their bytes are written once and copied after each element's.
    const leading = this.leading;
    const w = SCRATCH;
    let tail: Buffer | undefined;
    if (leading < trailing.length) {
      w.reset();
      for (let i = leading; i < trailing.length; i++) {
        const from = w.length;
        encodeElement(w, doc, trailing[i]);
        if (this.directions[i] === -1) w.invertFrom(from);
      }
      tail = w.toBuffer();
    }
    const out: RawEntryKey[] = [];
    const values: Array<number | undefined> = [];
    for (const element of elements) {
      // A non-document element holds none of the fields: its entry is all null (see Index.valueTuples).
      if (doc[element] !== BSON_DOCUMENT) return null;
      values.length = 0;
      for (let i = 0; i < leading; i++) {
        const at = fieldIn(doc, element, this.inner[i]!);
        if (at !== undefined && !scalar(doc, at)) return null;
        values.push(at);
      }
      w.reset();
      w.u32(this.id);
      for (let i = 0; i < leading; i++) {
        const from = w.length;
        encodeElement(w, doc, values[i]);
        if (this.directions[i] === -1) w.invertFrom(from);
      }
      if (tail) w.bytes(tail);
      out.push(finish(w));
    }
    return out;
  }

  // Private: per field, undefined for the shared array's fields and the element of each top-level field after them
  // (undefined when missing); null when one of those holds an array or a value not read here.
  private trailingValues(top: TopLevel): Array<number | undefined> | null {
    const values: Array<number | undefined> = [];
    for (let i = 0; i < this.inner.length; i++) {
      if (this.inner[i] !== undefined) {
        values.push(undefined);
        continue;
      }
      const at = top.element(this.top[i]!);
      if (at !== undefined && (top.doc[at] === BSON_ARRAY || !scalar(top.doc, at))) return null;
      values.push(at);
    }
    return values;
  }

  // Private: one key per combination of each field's distinct values (first field outermost), as
  // Index.valueTuples' combinations.
  private combinations(doc: Buffer, perField: ReadonlyArray<number | undefined | number[]>): RawEntryKey[] {
    let combos: Buffer[] = [idPrefix(this.id)];
    for (let i = 0; i < perField.length; i++) {
      const values = perField[i];
      const list = Array.isArray(values) ? values : [values];
      const distinct: Buffer[] = [];
      const seenKeys = new Set<string>();
      for (const at of list) {
        const w = SCRATCH;
        w.reset();
        encodeElement(w, doc, at);
        if (this.directions[i] === -1) w.invertFrom(0);
        const bytes = w.toBuffer();
        // Values equal for an equality match have equal keys: one entry (strings read here are never cut).
        const text = bytes.toString('latin1');
        if (seenKeys.has(text)) continue;
        seenKeys.add(text);
        distinct.push(bytes);
      }
      const next: Buffer[] = [];
      for (const c of combos) for (const v of distinct) next.push(Buffer.concat([c, v]));
      combos = next;
    }
    return combos.map((prefix) => {
      const w = SCRATCH;
      w.reset();
      w.bytes(prefix);
      return finish(w);
    });
  }
}

const BSON_DOCUMENT = 0x03;
const BSON_ARRAY = 0x04;
const SCRATCH = new KeyWriter();
/** Arrays up to this length have their keys deduplicated by comparing each with the ones before. */
const SHORT_ARRAY = 16;
const RECORD_ID_ROOM = 8;

function finish(w: KeyWriter): RawKey {
  return new RawKey(w.toBuffer(RECORD_ID_ROOM), w.truncated);
}

/** A key built with room for a record id; its `prefix` view is made only when asked for (inserts need none). */
class RawKey implements RawEntryKey {
  constructor(
    readonly withRoom: Buffer,
    readonly truncated: boolean,
  ) {}

  get prefix(): Buffer {
    return this.withRoom.subarray(0, this.withRoom.length - RECORD_ID_ROOM);
  }

  /** Whether `other` has the same key bytes (the record id rooms aside). */
  sameKey(other: RawKey): boolean {
    const a = this.withRoom;
    const b = other.withRoom;
    return a.length === b.length && a.compare(b, 0, b.length - RECORD_ID_ROOM, 0, a.length - RECORD_ID_ROOM) === 0;
  }
}

// Private: where an element's value starts (after its type byte and name).
function valueStart(doc: Buffer, at: number): number {
  let o = at + 1;
  while (doc[o] !== 0) o++;
  return o + 1;
}

// Private: the element is a scalar keyed here (a string a key keeps whole, a number, date, boolean, null,
// ObjectId).
function scalar(doc: Buffer, at: number): boolean {
  switch (doc[at]) {
    case 0x01: // double
    case 0x07: // ObjectId
    case 0x08: // boolean
    case 0x09: // date
    case 0x0a: // null
    case 0x10: // int32
    case 0x12: // int64
      return true;
    case 0x02: {
      const v = valueStart(doc, at);
      // Its UTF-8 bytes and the NUL that ends them.
      return doc.readInt32LE(v) - 1 <= MAX_STRING_KEY_BYTES;
    }
    default:
      return false;
  }
}

// Private: the offsets of an array element's elements (its values in order), or null when one is not a scalar
// read here.
function arrayElements(doc: Buffer, at: number): number[] | null {
  const out = elementOffsets(doc, at);
  for (const e of out) if (!scalar(doc, e)) return null;
  return out;
}

// Private: the offsets of the elements of the document or array element at `at`.
function elementOffsets(doc: Buffer, at: number): number[] {
  const start = valueStart(doc, at);
  const end = start + doc.readInt32LE(start) - 1;
  const out: number[] = [];
  let o = start + 4;
  while (o < end) {
    out.push(o);
    const v = valueStart(doc, o);
    o = v + valueLength(doc, doc[o]!, v);
  }
  return out;
}

// Private: the offset of the field `name` (ASCII) of the embedded document at `at`, or undefined.
function fieldIn(doc: Buffer, at: number, name: string): number | undefined {
  const start = valueStart(doc, at);
  const end = start + doc.readInt32LE(start) - 1;
  let o = start + 4;
  let found: number | undefined;
  while (o < end) {
    let n = o + 1;
    let same = true;
    let i = 0;
    for (; doc[n] !== 0; n++, i++) if (same && (i >= name.length || doc[n] !== name.charCodeAt(i))) same = false;
    // A name given twice: the last one counts, as when the document is decoded.
    if (same && i === name.length) found = o;
    const v = n + 1;
    o = v + valueLength(doc, doc[o]!, v);
  }
  return found;
}

// Private: appends the key of the scalar element at `at` (undefined: nothing there, keyed as null), as
// keys.ts' encodeValue does for the decoded value.
function encodeElement(w: KeyWriter, doc: Buffer, at: number | undefined): void {
  if (at === undefined) {
    w.byte(TYPE.null);
    return;
  }
  const v = valueStart(doc, at);
  switch (doc[at]) {
    case 0x01:
      w.byte(TYPE.number);
      encodeDouble(w, doc.readDoubleLE(v));
      return;
    case 0x10:
      w.byte(TYPE.number);
      encodeDouble(w, doc.readInt32LE(v));
      return;
    case 0x12:
      w.byte(TYPE.number);
      encodeDouble(w, int64At(doc, v));
      return;
    case 0x09:
      w.byte(TYPE.date);
      encodeDouble(w, int64At(doc, v));
      return;
    case 0x02:
      w.byte(TYPE.string);
      w.utf8(doc, v + 4, v + 4 + doc.readInt32LE(v) - 1);
      return;
    case 0x08:
      w.byte(TYPE.boolean);
      w.byte(doc[v] === 1 ? 1 : 0);
      return;
    case 0x0a:
      w.byte(TYPE.null);
      return;
    case 0x07:
      w.byte(TYPE.objectId);
      w.bytes(doc.subarray(v, v + 12));
      return;
    default:
      throw new Error(`raw index key of BSON type 0x${doc[at]!.toString(16)}`);
  }
}

// Private: an int64 as the number the decoder gives (Long.toNumber: high * 2^32 + unsigned low).
function int64At(doc: Buffer, v: number): number {
  return doc.readInt32LE(v + 4) * 0x1_0000_0000 + doc.readUInt32LE(v);
}
