/**
 * A secondary index: its spec, plus a Map from the canonical key of its leading field's value to the ids of the
 * documents holding it (multikey: every array element is a key). Unique indexes also map the full compound key to
 * its one document id. Equality and `$in` on the leading field are answered from the map, without a scan.
 */
import type { Document } from 'bson';
import { MongoCommandError } from '../errors';
import { keyOf, valuesAtPath } from './values';

/** Ids are canonical `_id` keys (see `keyOf`). One id is stored bare, more as a Set (most keys are unique). */
type Postings = string | Set<string>;

/** A document's keys in one index: leading-field keys (multikey: several) and, for unique indexes, full keys. */
export interface IndexKeys {
  readonly leading: Iterable<string>;
  readonly full: readonly string[] | undefined;
}

export class Index {
  readonly name: string;
  readonly fields: readonly string[];
  readonly unique: boolean;
  readonly sparse: boolean;
  /** Seconds after the date in the (single) indexed field when a document expires; undefined for non-TTL. */
  readonly expireAfterSeconds: number | undefined;
  private readonly byLeading = new Map<string, Postings>();
  /** TTL only: no document expires before this time (ms); lowered on add, recomputed by each sweep. */
  private nextExpiry = Infinity;
  private readonly byFull: Map<string, string> | undefined;

  constructor(readonly spec: Readonly<Document>) {
    this.name = spec.name as string;
    this.fields = Object.keys(spec.key as Document);
    this.unique = spec.unique === true;
    this.sparse = spec.sparse === true;
    this.expireAfterSeconds = typeof spec.expireAfterSeconds === 'number' ? spec.expireAfterSeconds : undefined;
    this.byFull = this.unique ? new Map() : undefined;
  }

  get leadingField(): string {
    return this.fields[0]!;
  }

  /** Distinct keys in the leading-field map (like the number of index entries' distinct prefixes). */
  get keyCount(): number {
    return this.byLeading.size;
  }

  /** The keys `doc` contributes to this index, or undefined if the index leaves it out (sparse). */
  keysOf(doc: Document): IndexKeys | undefined {
    if (this.skips(doc)) return undefined;
    return { leading: this.leadingKeys(doc), full: this.byFull ? this.fullKeys(doc) : undefined };
  }

  /** Throws DuplicateKey if `doc` (whose own id is `id`) would collide with another document. */
  checkUnique(ns: string, id: string, doc: Document, keys: IndexKeys | undefined = this.keysOf(doc)): void {
    if (!this.byFull || !keys?.full) return;
    for (const full of keys.full) {
      const owner = this.byFull.get(full);
      if (owner !== undefined && owner !== id) throw this.duplicateKeyError(ns, doc);
    }
  }

  add(id: string, doc: Document, keys: IndexKeys | undefined = this.keysOf(doc)): void {
    if (!keys) return;
    if (this.expireAfterSeconds !== undefined) {
      const at = this.expiresAt(doc);
      if (at < this.nextExpiry) this.nextExpiry = at;
    }
    for (const k of keys.leading) {
      const p = this.byLeading.get(k);
      if (p === undefined) this.byLeading.set(k, id);
      else if (typeof p === 'string') {
        if (p !== id) this.byLeading.set(k, new Set([p, id]));
      } else p.add(id);
    }
    if (this.byFull && keys.full) for (const full of keys.full) this.byFull.set(full, id);
  }

  remove(id: string, doc: Document): void {
    if (this.skips(doc)) return;
    for (const k of this.leadingKeys(doc)) {
      const p = this.byLeading.get(k);
      if (p === undefined) continue;
      if (typeof p === 'string') {
        if (p === id) this.byLeading.delete(k);
      } else {
        p.delete(id);
        if (p.size === 1) this.byLeading.set(k, p.values().next().value as string);
      }
    }
    if (this.byFull) for (const full of this.fullKeys(doc)) if (this.byFull.get(full) === id) this.byFull.delete(full);
  }

  /** Ids of documents whose leading field equals one of `valueKeys` (canonical keys). */
  lookup(valueKeys: Iterable<string>, into: Set<string>): void {
    for (const k of valueKeys) {
      const p = this.byLeading.get(k);
      if (p === undefined) continue;
      if (typeof p === 'string') into.add(p);
      else for (const id of p) into.add(id);
    }
  }

  /** How many ids `lookup` would return for these keys (cheap, for choosing the narrowest index). */
  estimate(valueKeys: Iterable<string>): number {
    let n = 0;
    for (const k of valueKeys) {
      const p = this.byLeading.get(k);
      if (p !== undefined) n += typeof p === 'string' ? 1 : p.size;
    }
    return n;
  }

  /** TTL: when `doc` expires (ms since epoch; Infinity if its field holds no date). MongoDB uses the earliest date
   *  of an array. */
  expiresAt(doc: Document): number {
    if (this.expireAfterSeconds === undefined) return Infinity;
    let earliest = Infinity;
    for (const v of valuesAtPath(doc, this.leadingField)) if (v instanceof Date && v.getTime() < earliest) earliest = v.getTime();
    return earliest === Infinity ? Infinity : earliest + this.expireAfterSeconds * 1000;
  }

  /** TTL: the earliest time any indexed document can expire (a sweep before it has nothing to do). */
  get nextExpiryAt(): number {
    return this.nextExpiry;
  }

  /** TTL: set by a sweep to the earliest expiry among the documents it kept. */
  set nextExpiryAt(ms: number) {
    this.nextExpiry = ms;
  }

  clear(): void {
    this.byLeading.clear();
    this.byFull?.clear();
  }

  // Private: sparse indexes leave out documents that have none of the indexed fields.
  private skips(doc: Document): boolean {
    return this.sparse && this.fields.every((f) => valuesAtPath(doc, f).every((v) => v === undefined));
  }

  private leadingKeys(doc: Document): Iterable<string> {
    const values = valuesAtPath(doc, this.leadingField);
    return values.length === 1 ? [keyOf(values[0])] : new Set(values.map(keyOf));
  }

  // Private: one key per combination of the fields' values (multikey fields contribute each element). Components
  // are length-prefixed so that no two different combinations can concatenate to the same key.
  private fullKeys(doc: Document): string[] {
    const first = valuesAtPath(doc, this.fields[0]!);
    if (this.fields.length === 1) return first.length === 1 ? [keyOf(first[0])] : [...new Set(first.map(keyOf))];
    let combos: string[] = first.length === 1 ? [component(keyOf(first[0]))] : [...new Set(first.map(keyOf))].map(component);
    for (let i = 1; i < this.fields.length; i++) {
      const values = valuesAtPath(doc, this.fields[i]!);
      if (values.length === 1) {
        const k = component(keyOf(values[0]));
        combos = combos.map((c) => c + k);
      } else {
        const keys = [...new Set(values.map(keyOf))].map(component);
        combos = combos.flatMap((c) => keys.map((k) => c + k));
      }
    }
    return combos;
  }

  private duplicateKeyError(ns: string, doc: Document): MongoCommandError {
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

// Private: the mongo shell's rendering of a key value in E11000 messages.
function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  const bsonType = (v as { _bsontype?: string } | null)?._bsontype;
  if (bsonType === 'ObjectId') return `ObjectId('${(v as { toHexString(): string }).toHexString()}')`;
  if (v === undefined) return 'null';
  return JSON.stringify(v) ?? String(v);
}

// Private: a length-prefixed key component of a compound key.
function component(key: string): string {
  return `${key.length}:${key}`;
}
