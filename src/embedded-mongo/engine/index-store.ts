/**
 * An index's definition and the keys it gives a document. Entries live in LMDB's `index` database as
 * `indexId (4 bytes) | key of each field (order-preserving, inverted for descending fields) | recordId (8 bytes)`,
 * with an empty value, so equality, `$in`, ranges and sorts on the leading fields are key-range scans.
 * A multikey field (an array) gives one entry per element. A compound index whose fields all lie in one array of
 * documents (`{'attrs.k': 1, 'attrs.v': 1}` over `attrs: [{k, v}, ...]`) gets one entry per element of that array,
 * as MongoDB's key generator does (element keys); so does one whose leading fields lie in one array of documents
 * and whose other fields are top-level fields (`{'svcOps.o': 1, 'svcOps.s': 1, startUs: -1, _id: -1}`: each element's
 * pair with the document's own start time and id). Other compound indexes over arrays get one entry per combination
 * of their fields' values. Indexes written before element keys existed keep combinations (`elementKeys` false), and
 * so do indexes with top-level fields after the array's written before those were keyed per element
 * (`trailingElementKeys` false).
 */
import type { Document } from 'bson';
import { MongoCommandError } from '../errors';
import { encodeValue, idPrefix, KeyWriter } from './keys';
import { fieldBit, RawKeyPlan, type MultikeySeen, type TopLevel } from './raw-keys';
import { isPlainDocument, setKey, valuesAtPath } from './values';

/** Bytes of an index id prefix and of a record id suffix. */
export const ID_BYTES = 4;
export const RECORD_ID_BYTES = 8;

/** One entry key of a document, and whether a long string in it was cut (so it stands for several values). */
export interface EntryKey {
  /** indexId | field keys (without the record id). */
  readonly prefix: Buffer;
  readonly truncated: boolean;
  /** `prefix`'s bytes followed by room for a record id (see `entryWithRecordId`), when the key was built so. */
  readonly withRoom?: Buffer;
}

/** The index entry `key | rid`: written into the key's spare room when it has one (each call overwrites the
 *  previous call's record id there: LMDB copies a key when it is put or removed), else a new buffer. */
export function entryWithRecordId(key: EntryKey, rid: number): Buffer {
  const { withRoom } = key;
  let out: Buffer;
  let length: number;
  if (withRoom) {
    out = withRoom;
    length = withRoom.length - RECORD_ID_BYTES;
  } else {
    const { prefix } = key;
    length = prefix.length;
    out = Buffer.allocUnsafe(length + RECORD_ID_BYTES);
    prefix.copy(out, 0);
  }
  out.writeUInt32BE(Math.floor(rid / 0x1_0000_0000), length);
  out.writeUInt32BE(rid % 0x1_0000_0000, length + 4);
  return out;
}

/** The length of an entry key's prefix (without making a `prefix` view of a key built with room). */
export function keyLength(key: EntryKey): number {
  return key.withRoom ? key.withRoom.length - RECORD_ID_BYTES : key.prefix.length;
}

export class Index {
  readonly name: string;
  readonly fields: readonly string[];
  /** 1 or -1 per field. */
  readonly directions: readonly (1 | -1)[];
  readonly unique: boolean;
  readonly sparse: boolean;
  /** Seconds after the date in the (single) indexed field when a document expires; undefined for non-TTL. */
  readonly expireAfterSeconds: number | undefined;

  /**
   * The array field holding the leading fields of a compound index (`attrs` for `attrs.k` / `attrs.v`) when the
   * index has element keys: an array of documents there gives one entry per element. A query may then combine
   * bounds on several of those fields only when one `$elemMatch` on this field gives them all. The fields after
   * them, if any, are top-level fields of the document (`trailingFields`).
   */
  readonly elementArray: string | undefined;
  /** With element keys: each leading field's path within an element of `elementArray` (`k` for `attrs.k`). */
  private readonly elementFields: readonly string[];
  /** With element keys: the top-level fields after the array's, in field order. */
  private readonly trailingFields: readonly string[];
  /** Each field's path split at its dots (for the multikey test). */
  private readonly fieldParts: readonly (readonly string[])[];
  /** How keys are read from a document's BSON (see raw-keys.ts). */
  readonly rawPlan: RawKeyPlan;

  constructor(
    readonly id: number,
    readonly spec: Readonly<Document>,
    /** Some document has an array on an indexed path. Never reset while the index exists (like MongoDB). */
    public multikey = false,
    /** Entries per element of the shared array (see the module comment); false for indexes stored before. */
    readonly elementKeys = true,
    /**
     * Which fields some document holds an array on (a bit per field, see `MultikeySeen`), as MongoDB's path-level
     * multikey information: on such a field ranges cannot be intersected and the order is not a sort order; the
     * other fields keep both. Absent for an index stored multikey before it was kept: every field counts.
     */
    multikeyPaths?: number,
    /** Element keys also for an index with top-level fields after the array's; false for indexes stored before. */
    readonly trailingElementKeys = true,
  ) {
    this.name = spec.name as string;
    const key = spec.key as Document;
    this.fields = Object.keys(key);
    this.elementArray = elementKeys ? sharedArrayField(this.fields, trailingElementKeys) : undefined;
    const inArray = this.elementArray === undefined ? [] : this.fields.filter((f) => f.startsWith(`${this.elementArray}.`));
    this.elementFields = inArray.map((f) => f.slice(this.elementArray!.length + 1));
    this.trailingFields = this.elementArray === undefined ? [] : this.fields.slice(inArray.length);
    this.fieldParts = this.fields.map((f) => f.split('.'));
    this.directions = this.fields.map((f) => (typeof key[f] === 'number' && (key[f] as number) < 0 ? -1 : 1));
    this.unique = spec.unique === true;
    this.sparse = spec.sparse === true;
    this.expireAfterSeconds = typeof spec.expireAfterSeconds === 'number' ? spec.expireAfterSeconds : undefined;
    this.rawPlan = new RawKeyPlan(id, this.fields, this.directions, this.elementArray, this.sparse);
    this.allPaths = this.fields.length < 31 ? (1 << this.fields.length) - 1 : ~0;
    this.multikeyPaths = multikey ? (multikeyPaths ?? this.allPaths) & this.allPaths : 0;
  }

  /** Fields some document holds an array on (see the constructor). */
  multikeyPaths: number;
  /** Every field's bit. */
  private readonly allPaths: number;

  /** Whether every field is known multikey (nothing more to look for in documents). */
  get everyPathMultikey(): boolean {
    return this.multikeyPaths === this.allPaths;
  }

  /** Whether some document holds an array on field `i` (its values then give no order and no intersected range). */
  fieldMultikey(i: number): boolean {
    return (this.multikeyPaths & fieldBit(i)) !== 0;
  }

  /** Records what reading a document's keys found; true when the index's multikey information changed. */
  noteMultikey(seen: MultikeySeen): boolean {
    if (!seen.multikey) return false;
    const paths = (this.multikeyPaths | (seen.paths === 0 ? this.allPaths : seen.paths)) & this.allPaths;
    if (this.multikey && paths === this.multikeyPaths) return false;
    this.multikey = true;
    this.multikeyPaths = paths;
    return true;
  }

  get leadingField(): string {
    return this.fields[0]!;
  }

  /** The 4-byte prefix of every entry of this index. */
  idPrefix(): Buffer {
    return idPrefix(this.id);
  }

  /** The entry keys `doc` contributes, or undefined if the index leaves it out (sparse); sets `multikey` in `seen`
   *  when an indexed path holds an array. Elements of an array of documents with equal values give the same key
   *  more than once: one LMDB key, so writing or removing it again changes nothing. */
  keysOf(doc: Document, seen?: MultikeySeen): EntryKey[] | undefined {
    const tuples = this.valueTuples(doc, seen);
    return tuples && tuples.map((values) => this.entryKey(values));
  }

  /** The entry keys (as `keysOf` gives them for the decoded document) of the document `top` was read from, or
   *  null when its shape is not read from BSON (then decode it and use keysOf). */
  rawKeys(top: TopLevel, seen?: MultikeySeen): EntryKey[] | null {
    return this.rawPlan.keys(top, seen);
  }

  /** The values of each entry `doc` contributes, one per field in field order (see keysOf). */
  valueTuples(doc: Document, seen?: MultikeySeen): unknown[][] | undefined {
    if (this.sparse && this.fields.every((f) => valuesAtPath(doc, f).every((v) => v === undefined))) return undefined;
    const shared = this.elementArray === undefined ? undefined : doc[this.elementArray];
    if (Array.isArray(shared) && shared.length > 0) {
      const rest = this.elementFields;
      if (seen) {
        seen.multikey = true;
        for (let i = 0; i < rest.length; i++) seen.paths |= fieldBit(i);
      }
      if (this.trailingFields.length > 0) return this.withTrailing(doc, this.elementTuples(shared, rest), seen);
      return this.elementTuples(shared, rest);
    }
    const perField = this.fieldValues(doc, 0, seen);
    // One value per field (no array on any path): the one tuple of those values.
    if (perField.every((values) => values.length === 1)) {
      const tuple: unknown[] = [];
      for (const values of perField) tuple.push(values[0]);
      return [tuple];
    }
    return combinations(perField);
  }

  // Private: the values at each field of `doc` from field `from` on, in field order; notes in `seen` the fields
  // that hold an array on their path.
  private fieldValues(doc: Document, from: number, seen: MultikeySeen | undefined): unknown[][] {
    const perField: unknown[][] = [];
    for (let i = from; i < this.fields.length; i++) {
      perField.push(valuesAtPath(doc, this.fields[i]!));
      if (seen && (seen.paths & fieldBit(i)) === 0 && pathHasArray(doc, this.fieldParts[i]!)) {
        seen.multikey = true;
        seen.paths |= fieldBit(i);
      }
    }
    return perField;
  }

  // Private: the values of the shared array's fields in each of its elements (element keys).
  private elementTuples(shared: unknown[], rest: readonly string[]): unknown[][] {
    const out: unknown[][] = [];
    // Elements with equal values give equal tuples: they are one entry key, written once (see keysOf).
    for (const element of shared) {
      // A non-document element holds none of the fields: its entry is all null, as in MongoDB.
      if (!isPlainDocument(element)) out.push(rest.map(() => undefined));
      else if (rest.length === 2) {
        // The common shape ({k, v} pairs): one value at each field is one tuple.
        const a = valuesAtPath(element, rest[0]!);
        const b = valuesAtPath(element, rest[1]!);
        if (a.length === 1 && b.length === 1) out.push([a[0], b[0]]);
        else out.push(...combinations([a, b]));
      } else out.push(...combinations(rest.map((f) => valuesAtPath(element, f))));
    }
    return out;
  }

  // Private: each element tuple followed by the document's values of the trailing top-level fields (one tuple per
  // combination when one of them holds an array, which makes that field multikey).
  private withTrailing(doc: Document, tuples: unknown[][], seen: MultikeySeen | undefined): unknown[][] {
    const tails = this.fieldValues(doc, this.fields.length - this.trailingFields.length, seen);
    if (tails.every((values) => values.length === 1)) {
      const tail = tails.map((values) => values[0]);
      return tuples.map((tuple) => [...tuple, ...tail]);
    }
    const tailCombos = combinations(tails);
    return tuples.flatMap((tuple) => tailCombos.map((tail) => [...tuple, ...tail]));
  }

  /** The entry key (without record id) for one value per field, in field order. */
  entryKey(values: readonly unknown[]): EntryKey {
    const w = KEY_SCRATCH;
    w.reset();
    w.u32(this.id);
    for (let i = 0; i < values.length; i++) {
      const from = w.length;
      encodeValue(w, values[i]);
      if (this.directions[i] === -1) w.invertFrom(from);
    }
    const withRoom = w.toBuffer(RECORD_ID_BYTES);
    return { prefix: withRoom.subarray(0, withRoom.length - RECORD_ID_BYTES), truncated: w.truncated, withRoom };
  }

  /** TTL: when `doc` expires (ms since epoch; Infinity if its field holds no date). MongoDB uses the earliest date
   *  of an array. */
  expiresAt(doc: Document): number {
    if (this.expireAfterSeconds === undefined) return Infinity;
    let earliest = Infinity;
    for (const v of valuesAtPath(doc, this.leadingField)) if (v instanceof Date && v.getTime() < earliest) earliest = v.getTime();
    return earliest === Infinity ? Infinity : earliest + this.expireAfterSeconds * 1000;
  }

  /** Two documents hold the same key in this index (exact comparison, for keys whose strings were cut). */
  sameKey(a: Document, b: Document): boolean {
    const keys = (doc: Document): Set<string> => new Set((this.valueTuples(doc) ?? []).map((tuple) => setKey(tuple)));
    const ka = keys(a);
    for (const k of keys(b)) if (ka.has(k)) return true;
    return false;
  }

  duplicateKeyError(ns: string, doc: Document): MongoCommandError {
    const keyPattern = this.spec.key as Document;
    const keyValue: Document = {};
    for (const f of this.fields) {
      const values = valuesAtPath(doc, f);
      keyValue[f] = values.length === 1 ? (values[0] ?? null) : values;
    }
    return duplicateKey(ns, this.name, keyPattern, keyValue);
  }
}

/** MongoDB's E11000 error, with `keyPattern` and `keyValue` as drivers expose them. */
export function duplicateKey(ns: string, indexName: string, keyPattern: Document, keyValue: Document): MongoCommandError {
  const shown = Object.entries(keyValue)
    .map(([k, v]) => `${k}: ${formatValue(v)}`)
    .join(', ');
  return new MongoCommandError('DuplicateKey', `E11000 duplicate key error collection: ${ns} index: ${indexName} dup key: { ${shown} }`, {
    keyPattern,
    keyValue,
  });
}

/** The buffer entry keys are built in (then copied out): one key at a time, never across a call out. */
const KEY_SCRATCH = new KeyWriter();

// Private: an array anywhere along a dotted path (split at its dots) makes an index on it multikey.
function pathHasArray(doc: Document, parts: readonly string[]): boolean {
  let v: unknown = doc;
  for (const part of parts) {
    if (Array.isArray(v)) return true;
    if (v === null || typeof v !== 'object') return false;
    v = (v as Document)[part];
  }
  return Array.isArray(v);
}

// Private: the top-level field holding a compound index's fields (`attrs.k`, `attrs.v`: `attrs`), with no
// positional part: every field, or (`trailing`) at least two leading fields followed only by top-level fields other
// than it; undefined otherwise.
function sharedArrayField(fields: readonly string[], trailing: boolean): string | undefined {
  if (fields.length < 2) return undefined;
  const first = fields[0]!.split('.')[0]!;
  let inArray = 0;
  for (const field of fields) {
    const parts = field.split('.');
    if (parts.length < 2 || parts[0] !== first || parts.some((p) => /^\d+$/.test(p))) break;
    inArray += 1;
  }
  if (inArray === fields.length) return first;
  if (!trailing || inArray < 2) return undefined;
  for (const field of fields.slice(inArray)) if (field.includes('.') || field === first || field.startsWith('$')) return undefined;
  return first;
}

// Private: one tuple per combination of each field's distinct values.
function combinations(perField: unknown[][]): unknown[][] {
  let combos: unknown[][] = [[]];
  for (const values of perField) {
    const distinct = values.length === 1 ? values : dedupe(values);
    combos = distinct.length === 1 ? combos.map((c) => [...c, distinct[0]]) : combos.flatMap((c) => distinct.map((v) => [...c, v]));
  }
  return combos;
}

// Private: values equal for an equality match appear once.
function dedupe(values: unknown[]): unknown[] {
  const seen = new Map<string, unknown>();
  for (const v of values) {
    const k = setKey(v);
    if (!seen.has(k)) seen.set(k, v);
  }
  return [...seen.values()];
}

// Private: the mongo shell's rendering of a key value in E11000 messages.
function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  const bsonType = (v as { _bsontype?: string } | null)?._bsontype;
  if (bsonType === 'ObjectId') return `ObjectId('${(v as { toHexString(): string }).toHexString()}')`;
  if (v === undefined) return 'null';
  return JSON.stringify(v) ?? String(v);
}
