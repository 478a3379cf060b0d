/**
 * One collection on disk: its documents are BSON records keyed by `collectionId | recordId` (record ids grow with
 * insertion, so a collection scan reads in insertion order, like MongoDB's natural order), and every index,
 * `_id` included, is a set of order-preserving entry keys (see index-store.ts). The heap holds only the catalog:
 * names, index definitions and counters.
 *
 * Mutations here never notify anyone: the Engine applies oplog ops through them, inside its write transaction.
 */
import { Binary, deserialize, serialize, UUID, type Document } from 'bson';
import { MongoCommandError } from '../errors';
import { duplicateKey, entryWithRecordId, ID_BYTES, Index, keyLength, RECORD_ID_BYTES, type EntryKey } from './index-store';
import { encodeValue, KeyWriter, prefixAfter, typeByte } from './keys';
import { FilterShape, pathBounds, type PathBounds, type RangeCondition } from './planner';
import type { Storage } from './storage';
import { keyOf } from './values';
import { TopLevel, type MultikeySeen } from './raw-keys';
import { pickFields } from '../raw-bson';

export const ID_INDEX_NAME = '_id_';
export const ID_INDEX_SPEC: Readonly<Document> = Object.freeze({ v: 2, key: { _id: 1 }, name: ID_INDEX_NAME });

/** How documents are decoded: the same options as the wire layer, so a stored document reads back as it came. */
export const BSON_DECODE_OPTIONS = { promoteLongs: true, promoteValues: true, bsonRegExp: false } as const;
export const BSON_ENCODE_OPTIONS = { checkKeys: false, ignoreUndefined: true } as const;

/** How a read was served, in explain's vocabulary. */
export type PlanStage = 'IDHACK' | 'IXSCAN' | 'COLLSCAN';

export interface ReadPlan {
  readonly stage: PlanStage;
  readonly indexName: string | undefined;
  /** Documents to test against the filter (a superset of the matches), read lazily from disk. */
  readonly candidates: Iterable<Document>;
  /** The same candidates as their stored BSON (not decoded). */
  readonly rawCandidates: Iterable<Buffer>;
  /**
   * The same stored BSON read without a copy of its own: each one is valid only until the next is read (or the
   * store is read otherwise), for a caller done with a document before it asks for the next.
   */
  readonly transientRawCandidates: Iterable<Uint8Array>;
  /** Every candidate matches the filter (an exact equality / $in served by an index): no test needed. */
  readonly exact: boolean;
  /**
   * Every candidate meets every condition of the filter but this range on one top-level field (an index's keys fix
   * the filter's exact equalities): whether it matches is whether its value is in the range. Undefined when exact,
   * or when the filter is otherwise.
   */
  readonly residualRange: RangeCondition | undefined;
  /** Candidates come in the order of the sort passed to `plan` (an index supplies it). */
  readonly sorted: boolean;
  /** Index keys read so far. */
  readonly keysExamined: number;
}

/** What a collection needs from its engine. */
export interface CollectionHost {
  readonly storage: Storage;
  /** A fresh id for a collection or an index (the 4-byte prefix of its keys). */
  nextId(): number;
  /** The collection's counters or indexes changed in the current transaction: persist its catalog entry. */
  touched(coll: Collection): void;
  /**
   * The keys under this 4-byte id prefix (a dropped collection's records, a dropped index's entries) belong to
   * nothing any more: the engine removes them after the transaction, in slices (see Engine.reclaimStep).
   */
  release(db: 'records' | 'index', id: number): void;
  /** Whether the keys under this id prefix were released and not yet all removed (a lazy scan stops there). */
  released(id: number): boolean;
}

/** A key range of one LMDB database, start inclusive, end exclusive (start > end when reverse). */
interface KeyRange {
  readonly start: Buffer;
  readonly end: Buffer;
  readonly reverse: boolean;
}

/**
 * An index being built over a collection's documents (see `beginIndexBuild`): every write keeps its entries as for
 * a ready index, while the build scans the documents that were stored when it began, in slices. Queries do not
 * use it until it is ready.
 */
export interface IndexBuild {
  readonly index: Index;
  /** The scan has indexed every record id up to this one (0: none yet). */
  scanned: number;
  /** The scan stops before this record id (the collection's next record id when the build began: documents
   *  inserted since were indexed by their insert). */
  end: number;
  /** Unique index: keys that two documents were seen to hold, in the scan or by a write (a unique build only
   *  records them, as MongoDB does, and checks them again when the scan is done). */
  readonly suspects: Map<string, EntryKey>;
}

export class Collection {
  /** Secondary indexes by name (the `_id` index is `idIndex`), ready for queries. */
  readonly indexes = new Map<string, Index>();
  /** Indexes being built, by name: maintained by writes, invisible to queries (see IndexBuild). */
  readonly building = new Map<string, IndexBuild>();
  readonly idIndex: Index;
  /** Cumulative counters, like `serverStatus`'s metrics: documents tested against a filter, index keys read. */
  readonly metrics = { docsExamined: 0, keysExamined: 0 };
  private docCount: number;
  private readonly readKeyBuffer = Buffer.alloc(RECORD_KEY_BYTES);
  private keyFieldCache: Set<string> | undefined;
  private rawNameCache: Map<string, Buffer> | undefined;
  /** Documents decoded by an index plan: their record id and stored bytes, valid while `changes` is unchanged. */
  private readonly located = new WeakMap<Document, { rid: number; bytes: Buffer; changes: number }>();
  /** Writes to this collection so far (a located document read before one is looked up again). */
  private changes = 0;
  private bytes: number;
  private nextRecordId: number;

  constructor(
    private readonly host: CollectionHost,
    readonly db: string,
    readonly name: string,
    readonly id: number,
    /** Collection options as `create` / `collMod` set them (listCollections' `options`); see `modify`. */
    private currentOptions: Readonly<Document>,
    readonly uuid: UUID,
    state: { count: number; dataSize: number; nextRecordId: number; idIndex: Index },
  ) {
    this.docCount = state.count;
    this.bytes = state.dataSize;
    this.nextRecordId = state.nextRecordId;
    this.idIndex = state.idIndex;
  }

  /** A new, empty collection. */
  static create(host: CollectionHost, db: string, name: string, options: Document): Collection {
    const id = host.nextId();
    const coll = new Collection(host, db, name, id, options, new UUID(), {
      count: 0,
      dataSize: 0,
      nextRecordId: 1,
      idIndex: new Index(host.nextId(), ID_INDEX_SPEC),
    });
    host.touched(coll);
    return coll;
  }

  /** A collection from its catalog entry. */
  static fromCatalog(host: CollectionHost, entry: Document): Collection {
    const idIndex = new Index(entry.idIndexId as number, ID_INDEX_SPEC);
    const uuid = new UUID((entry.uuid as Binary).buffer);
    const coll = new Collection(host, entry.db as string, entry.name as string, entry.id as number, entry.options as Document, uuid, {
      count: entry.count as number,
      dataSize: entry.dataSize as number,
      nextRecordId: entry.nextRecordId as number,
      idIndex,
    });
    for (const i of entry.indexes as Document[]) {
      const index = new Index(i.id as number, i.spec as Document, i.multikey === true, i.elementKeys === true, typeof i.multikeyPaths === 'number' ? i.multikeyPaths : undefined, i.trailingElementKeys === true);
      const build = i.building as Document | undefined;
      if (!build) {
        coll.indexes.set(index.name, index);
        continue;
      }
      // A unique build's suspected duplicates are not stored: its scan starts again and covers every document
      // (its entries stay: each is a key some stored document holds).
      const restart = index.unique;
      coll.building.set(index.name, {
        index,
        scanned: restart ? 0 : (build.scanned as number),
        end: restart ? coll.nextRecordId : (build.end as number),
        suspects: new Map(),
      });
    }
    return coll;
  }

  /** The catalog entry persisting this collection's definition and counters. */
  toCatalog(): Document {
    return {
      db: this.db,
      name: this.name,
      id: this.id,
      options: this.options,
      uuid: this.uuid.toBinary(),
      count: this.docCount,
      dataSize: this.bytes,
      nextRecordId: this.nextRecordId,
      idIndexId: this.idIndex.id,
      indexes: [
        ...[...this.indexes.values()].map((i) => indexCatalogEntry(i)),
        ...[...this.building.values()].map(({ index, scanned, end }) => ({ ...indexCatalogEntry(index), building: { scanned, end } })),
      ],
    };
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  /** Number of documents. */
  get count(): number {
    return this.docCount;
  }

  /** Total BSON size of the documents (collStats `size`). */
  get dataSize(): number {
    return this.bytes;
  }

  /** `_id` and the top-level fields every index reads (all an insert must decode of a document to index it). */
  keyFields(): ReadonlySet<string> {
    if (!this.keyFieldCache) {
      this.keyFieldCache = new Set(['_id']);
      for (const index of this.maintainedIndexes()) for (const field of index.fields) this.keyFieldCache.add(field.split('.')[0]!);
    }
    return this.keyFieldCache;
  }

  /** The `_id` index spec first, then the ready secondary indexes' specs, in creation order. */
  indexSpecs(): Document[] {
    return [ID_INDEX_SPEC, ...[...this.indexes.values()].map((i) => i.spec)];
  }

  /** indexSpecs, then the specs of the indexes being built (listIndexes shows them, as mongod does). */
  allIndexSpecs(): Document[] {
    return [...this.indexSpecs(), ...[...this.building.values()].map((b) => b.index.spec)];
  }

  /** Every secondary index writes keep: the ready ones, then those being built. */
  *maintainedIndexes(): Iterable<Index> {
    yield* this.indexes.values();
    for (const build of this.building.values()) yield build.index;
  }

  findById(id: unknown): Document | undefined {
    const rid = this.recordIdOf(id);
    return rid === undefined ? undefined : this.readRecord(rid);
  }

  /**
   * The stored document with this `_id`, decoded, as an `_id` plan reads it for a write (`replace` of its update
   * then needs no lookup of its own); counted in `metrics` as one key and one document examined when found.
   */
  locateById(id: unknown): Document | undefined {
    const rid = this.recordIdOf(id);
    if (rid === undefined) return undefined;
    const bytes = this.readRecordBytes(rid);
    if (!bytes) return undefined;
    this.metrics.keysExamined += 1;
    this.metrics.docsExamined += 1;
    const doc = deserialize(bytes, BSON_DECODE_OPTIONS);
    this.located.set(doc, { rid, bytes, changes: this.changes });
    return doc;
  }

  /** Every document, in insertion order, read lazily (without holding a snapshot: see SCAN). */
  *scan(): Iterable<Document> {
    for (const bytes of this.scanRaw()) yield deserialize(bytes, BSON_DECODE_OPTIONS);
  }

  /** Every document's stored BSON, in insertion order, read lazily. */
  *scanRaw(): Iterable<Buffer> {
    for (const { value } of this.host.storage.records.getRange({ start: this.recordKey(0), end: this.recordKey(Number.MAX_SAFE_INTEGER), ...SCAN })) {
      // A cursor left open on a dropped collection ends (its records are removed after the drop).
      if (this.host.released(this.id)) return;
      yield value;
    }
  }

  /**
   * Inserts `doc`, or, when `encoded` is given, the document of those BSON bytes, stored as they are (`doc` then
   * needs only its `_id`: the index keys are read from the bytes, see raw-keys.ts, and the fields they need are
   * decoded only for a shape read there not, or for a unique index's refusal). Returns the stored BSON (the engine
   * reuses it for the oplog entry). `absentKey`: `absentIds` found no stored document with this `_id` in the running
   * transaction, and nothing but these inserts wrote to the collection since, so its own lookup is skipped; it is
   * the `_id`'s entry key as absentIds built it.
   */
  insert(doc: Document, encoded?: Uint8Array, absentKey?: EntryKey): Buffer {
    const idKey = absentKey ?? this.idIndex.entryKey([doc._id]);
    if (!absentKey && this.recordIdWithKey(idKey, doc._id) !== undefined) throw duplicateKey(this.ns, ID_INDEX_NAME, { _id: 1 }, { _id: doc._id });
    const rid = this.nextRecordId;
    checkKeySize(keyLength(idKey), ID_INDEX_NAME);
    const bytes = encoded ? Buffer.from(encoded.buffer, encoded.byteOffset, encoded.length) : bsonBytes(doc);
    const keys = encoded ? this.secondaryKeysOfBytes(bytes, rid) : this.secondaryKeys(doc, rid);
    const { records, index } = this.host.storage;
    records.putSync(this.recordKey(rid), bytes);
    this.changes += 1;
    index.putSync(entryWithRecordId(idKey, rid), EMPTY);
    for (const { keys: entries } of keys) for (const k of entries) index.putSync(entryWithRecordId(k, rid), EMPTY);
    this.nextRecordId += 1;
    this.docCount += 1;
    this.bytes += bytes.length;
    this.host.touched(this);
    return bytes;
  }

  /**
   * Replaces the stored document with the same `_id` by `after`. `known`: the stored document as decoded, and the
   * only paths whose values differ in `after`; then only the indexes on those paths are maintained. `inPlace`: that
   * decoded document was changed into `after` (the old keys are then read from the stored bytes only). Returns the
   * stored BSON before and after (the engine reuses them for the oplog entry).
   */
  replace(after: Document, known?: { before: Document; changedPaths: readonly string[]; inPlace?: boolean }): { before: Buffer; after: Buffer } {
    // The document as an index plan read it, when nothing was written to the collection since.
    const located = known && this.located.get(known.before);
    const fresh = located !== undefined && located.changes === this.changes;
    const rid = fresh ? located.rid : this.recordIdOf(after._id);
    const before = fresh ? located.bytes : rid === undefined ? undefined : this.readRecordBytes(rid);
    if (rid === undefined || !before) throw new MongoCommandError('InternalError', `replace of a missing document in ${this.ns}`);
    // Both documents' keys are read from their BSON where their shape allows (see raw-keys.ts), else decoded.
    let beforeDoc = known?.inPlace ? undefined : known?.before;
    const bytes = bsonBytes(after);
    let afterTop: TopLevel | undefined;
    const only = known ? (idx: Index): boolean => indexTouches(idx, known.changedPaths) : undefined;
    const newKeys = this.collectKeys(rid, () => after, (idx, seen) => idx.rawKeys((afterTop ??= new TopLevel(bytes, this.rawNames())), seen) ?? idx.keysOf(after, seen), only);
    const beforeTop = newKeys.length > 0 ? new TopLevel(before, this.rawNames()) : undefined;
    const { records, index } = this.host.storage;
    for (const { index: idx, keys: fresh } of newKeys) {
      const old = idx.rawKeys(beforeTop!) ?? idx.keysOf((beforeDoc ??= deserialize(before, BSON_DECODE_OPTIONS))) ?? [];
      const keep = new Set(fresh.map((k) => k.prefix.toString('latin1')));
      const had = new Set(old.map((k) => k.prefix.toString('latin1')));
      for (const k of old) if (!keep.has(k.prefix.toString('latin1'))) index.removeSync(entryWithRecordId(k, rid));
      for (const k of fresh) if (!had.has(k.prefix.toString('latin1'))) index.putSync(entryWithRecordId(k, rid), EMPTY);
    }
    records.putSync(this.recordKey(rid), bytes);
    this.changes += 1;
    this.bytes += bytes.length - before.length;
    this.host.touched(this);
    return { before, after: bytes };
  }

  remove(doc: Document): void {
    const rid = this.recordIdOf(doc._id);
    if (rid === undefined) return;
    const stored = this.readRecordBytes(rid);
    if (!stored) return;
    const storedDoc = deserialize(stored, BSON_DECODE_OPTIONS);
    const { records, index } = this.host.storage;
    index.removeSync(entryWithRecordId(this.idIndex.entryKey([storedDoc._id]), rid));
    for (const idx of this.maintainedIndexes()) for (const k of idx.keysOf(storedDoc) ?? []) index.removeSync(entryWithRecordId(k, rid));
    records.removeSync(this.recordKey(rid));
    this.changes += 1;
    this.docCount -= 1;
    this.bytes -= stored.length;
    this.host.touched(this);
  }

  /**
   * Adds an index: an index being built under this name (see beginIndexBuild) becomes ready; else the index is built
   * over the existing documents at once (an empty collection, the conversion of an old data directory); that throws
   * DuplicateKey for a unique index the documents break.
   */
  addIndex(spec: Document): void {
    const build = this.building.get(spec.name as string);
    if (build) {
      this.building.delete(build.index.name);
      this.indexes.set(build.index.name, build.index);
      this.keyFieldCache = undefined;
      this.rawNameCache = undefined;
      this.host.touched(this);
      return;
    }
    const index = new Index(this.host.nextId(), spec);
    const seen: MultikeySeen = { multikey: false, paths: 0 };
    const { index: entries } = this.host.storage;
    for (const { key, value } of this.host.storage.records.getRange({ start: this.recordKey(0), end: this.recordKey(Number.MAX_SAFE_INTEGER) })) {
      const rid = readRecordId(key, ID_BYTES);
      const doc = deserialize(value, BSON_DECODE_OPTIONS);
      const keys = index.keysOf(doc, seen) ?? [];
      if (index.unique) for (const k of keys) this.checkUnique(index, k, rid, () => doc);
      for (const k of keys) entries.putSync(entryWithRecordId(k, rid), EMPTY);
    }
    index.noteMultikey(seen);
    this.indexes.set(index.name, index);
    this.keyFieldCache = undefined;
    this.rawNameCache = undefined;
    this.host.touched(this);
  }

  /** Collection options as `create` / `collMod` set them (listCollections' `options`). */
  get options(): Readonly<Document> {
    return this.currentOptions;
  }

  /** collMod: replaces the collection's options (persisted with its catalog entry). */
  modify(options: Readonly<Document>): void {
    this.currentOptions = options;
    this.host.touched(this);
  }

  /** collMod: the index's TTL changes; its entries are kept (persisted with the catalog entry). */
  modifyIndex(name: string, expireAfterSeconds: number): void {
    const index = this.indexes.get(name);
    if (!index) throw new MongoCommandError('IndexNotFound', `cannot find index ${name} for ns ${this.ns}`);
    this.indexes.set(name, new Index(index.id, { ...index.spec, expireAfterSeconds }, index.multikey, index.elementKeys, index.multikeyPaths, index.trailingElementKeys));
    this.host.touched(this);
  }

  /**
   * Starts building indexes of these specs over the stored documents: from now on every write keeps their entries,
   * and `buildStep` indexes the documents stored before (queries use them once `addIndex` made them ready).
   */
  beginIndexBuild(specs: readonly Document[]): void {
    for (const spec of specs) {
      const index = new Index(this.host.nextId(), spec);
      this.building.set(index.name, { index, scanned: 0, end: this.nextRecordId, suspects: new Map() });
    }
    this.keyFieldCache = undefined;
    this.rawNameCache = undefined;
    this.host.touched(this);
  }

  /**
   * Indexes, for the builds of these names, the stored documents their scan has not reached, until `deadline` (a
   * `performance.now()` time; at least one document). True when every scan is done. Throws what a document's key
   * cannot be (KeyTooLong); the caller then aborts the build.
   */
  buildStep(names: readonly string[], deadline: number): boolean {
    const builds = names.map((name) => this.building.get(name)!);
    // Builds started by one command scan together; after a restart their positions may differ: the least first.
    const from = Math.min(...builds.map((b) => b.scanned)) + 1;
    const end = Math.max(...builds.map((b) => b.end));
    const { index: entries, records } = this.host.storage;
    let last = from - 1;
    let done = true;
    let n = 0;
    for (const { key, value } of records.getRange({ start: this.recordKey(from), end: this.recordKey(end) })) {
      if (n > 0 && (n & 15) === 0 && performance.now() >= deadline) {
        done = false;
        break;
      }
      n++;
      const rid = readRecordId(key, ID_BYTES);
      let doc: Document | undefined;
      const docOf = (): Document => (doc ??= deserialize(value, BSON_DECODE_OPTIONS));
      for (const build of builds) {
        if (rid <= build.scanned || rid >= build.end) continue;
        const { index } = build;
        const seen: MultikeySeen | undefined = index.everyPathMultikey ? undefined : { multikey: false, paths: index.multikeyPaths };
        const keys = index.keysOf(docOf(), seen) ?? [];
        for (const k of keys) checkKeySize(keyLength(k), index.name);
        if (index.unique) for (const k of keys) this.suspectDuplicate(build, k, rid);
        for (const k of keys) entries.putSync(entryWithRecordId(k, rid), EMPTY);
        if (seen) index.noteMultikey(seen);
      }
      last = rid;
    }
    for (const build of builds) build.scanned = done ? build.end - 1 : Math.max(build.scanned, Math.min(last, build.end - 1));
    this.host.touched(this);
    return done;
  }

  /** A unique index being built: the first key two documents hold (checked again now), or undefined. */
  duplicateInBuild(name: string): MongoCommandError | undefined {
    const build = this.building.get(name);
    if (!build || !build.index.unique) return undefined;
    for (const key of build.suspects.values()) {
      const rids = [...this.host.storage.index.getKeys({ start: key.prefix, end: prefixAfter(key.prefix) })].map((k) => readRecordId(k, k.length - RECORD_ID_BYTES));
      if (rids.length < 2) continue;
      if (!key.truncated) {
        const first = this.readRecord(rids[0]!);
        if (first) return build.index.duplicateKeyError(this.ns, first);
        continue;
      }
      // A cut key stands for several values: two of its documents must hold the same one.
      const docs = rids.slice(0, CUT_KEY_COMPARISONS).map((rid) => this.readRecord(rid)).filter((d): d is Document => d !== undefined);
      for (let i = 0; i < docs.length; i++) {
        for (let j = i + 1; j < docs.length; j++) if (build.index.sameKey(docs[i]!, docs[j]!)) return build.index.duplicateKeyError(this.ns, docs[i]!);
      }
    }
    build.suspects.clear();
    return undefined;
  }

  dropIndex(name: string): boolean {
    const build = this.building.get(name);
    if (build) {
      this.host.release('index', build.index.id);
      this.building.delete(name);
      this.keyFieldCache = undefined;
      this.rawNameCache = undefined;
      this.host.touched(this);
      return true;
    }
    const index = this.indexes.get(name);
    if (!index) return false;
    this.host.release('index', index.id);
    this.indexes.delete(name);
    this.keyFieldCache = undefined;
    this.rawNameCache = undefined;
    this.host.touched(this);
    return true;
  }

  /** Releases every record and index entry of this collection (drop): the engine removes them in slices. */
  destroy(): void {
    this.host.release('records', this.id);
    for (const idx of [this.idIndex, ...this.maintainedIndexes()]) this.host.release('index', idx.id);
  }

  /**
   * Chooses how to read the documents a filter may match: by `_id`, by an index (equality / `$in`, a range, or the
   * order of `sort`), or a collection scan. Candidates are read lazily, so a caller that stops early reads little.
   * `shape`: the filter's shape when the caller reads it too (`compileFilter`), so each part is computed once.
   */
  plan(filter: Document, sort?: Document, shape: FilterShape = new FilterShape(filter)): ReadPlan {
    const bounds = pathBounds(filter);
    const exactPath = shape.exactPath;
    const sortSpec = sortFields(sort);
    const idEq = bounds.get('_id')?.eq;
    if (idEq) {
      const ranges = this.equalityRanges(this.idIndex, idEq);
      return this.indexPlan('IDHACK', this.idIndex, ranges.ranges, exactPath === '_id' && !ranges.truncated, sortSpec.length === 0);
    }
    // An equality / $in on a leading field (narrowed by equalities on the fields after it and a range on the
    // next one): the narrowest such index. An index narrowed by every bound another one is, and more, reads no
    // more keys than it (neither multikey: one key per document), so only the others are counted (up to a cap).
    const candidates: Candidate[] = [];
    for (const index of this.indexes.values()) {
      const prefixed = this.prefixRanges(index, bounds);
      if (prefixed) candidates.push({ index, ...prefixed });
    }
    const counted = candidates.filter((c, i) => !candidates.some((other, j) => j !== i && narrowerThan(other, c, j < i)));
    let best: (Candidate & { estimate: number; sorted: boolean }) | undefined;
    for (const c of counted) {
      const { index, ranges, eqFields } = c;
      // A lone candidate is not counted (the count reads as many keys as the read itself, up to the cap).
      const estimate = counted.length === 1 ? 0 : this.estimate(ranges, best?.estimate ?? ESTIMATE_CAP);
      const single = ranges.length === 1;
      const sorted = sortSpec.length === 0 || (single && this.servesSort(index, eqFields, sortSpec) !== undefined);
      if (!best || estimate < best.estimate) best = { ...c, ranges: sorted && single ? this.orientRanges(index, ranges, sortSpec, eqFields) : ranges, estimate, sorted };
    }
    if (best) {
      const { index, truncated, eqFields } = best;
      if (exactPath !== undefined && exactPath === index.leadingField && !index.sparse && !truncated) return this.indexPlan('IXSCAN', index, best.ranges, true, best.sorted);
      // Exact equalities on exactly the index's leading fields, and perhaps a range: the keys decide the
      // equalities (no field holds an array, no string key was cut), only the range is left to test.
      const prefix = shape.prefixRange;
      const decided = prefix !== undefined && !index.multikey && !index.sparse && !truncated && prefix.equalities.size === eqFields && index.fields.slice(0, eqFields).every((f) => prefix.equalities.has(f));
      return this.indexPlan('IXSCAN', index, best.ranges, decided && !prefix.range, best.sorted, decided ? prefix.range : undefined);
    }
    // An index that gives the sort order (and the range on its leading field, if any).
    if (sortSpec.length > 0) {
      for (const index of this.indexes.values()) {
        const reverse = this.servesSort(index, 0, sortSpec);
        if (reverse === undefined || index.sparse) continue;
        const range = this.rangeOf(index, bounds.get(index.leadingField));
        return this.indexPlan('IXSCAN', index, [reverse ? { start: range.end, end: range.start, reverse: true } : range], false, true);
      }
    }
    // A range on a leading field.
    for (const index of this.indexes.values()) {
      const b = bounds.get(index.leadingField);
      if (!b || (!b.lower && !b.upper)) continue;
      return this.indexPlan('IXSCAN', index, [this.rangeOf(index, b)], false, sortSpec.length === 0);
    }
    const self = this;
    return {
      stage: 'COLLSCAN',
      indexName: undefined,
      candidates: { [Symbol.iterator]: () => self.scan()[Symbol.iterator]() },
      rawCandidates: { [Symbol.iterator]: () => self.scanRaw()[Symbol.iterator]() },
      transientRawCandidates: { [Symbol.iterator]: () => self.scanRaw()[Symbol.iterator]() },
      exact: false,
      residualRange: undefined,
      sorted: sortSpec.length === 0,
      keysExamined: 0,
    };
  }

  // Private: reads ranges of an index, fetching each entry's record once.
  private indexPlan(stage: PlanStage, index: Index, ranges: KeyRange[], exact: boolean, sorted: boolean, residualRange?: RangeCondition): ReadPlan {
    const self = this;
    const plan = {
      stage,
      indexName: index.name,
      exact,
      residualRange,
      sorted,
      keysExamined: 0,
      candidates: {
        *[Symbol.iterator](): Iterator<Document> {
          for (const { rid, bytes } of records()) {
            const doc = deserialize(bytes, BSON_DECODE_OPTIONS);
            self.located.set(doc, { rid, bytes, changes: self.changes });
            yield doc;
          }
        },
      },
      rawCandidates: {
        *[Symbol.iterator](): Iterator<Buffer> {
          for (const { bytes } of records()) yield bytes;
        },
      },
      transientRawCandidates: {
        *[Symbol.iterator](): Iterator<Uint8Array> {
          for (const { bytes } of records(true)) yield bytes;
        },
      },
    };
    function* records(transient = false): Iterable<{ rid: number; bytes: Buffer }> {
      const seen = index.multikey || ranges.length > 1 ? new Set<number>() : undefined;
      for (const range of ranges) {
        for (const key of self.host.storage.index.getKeys({ start: range.start, end: range.end, reverse: range.reverse, ...SCAN })) {
          // A cursor left open on a dropped index or collection ends (their keys are removed after the drop).
          if (self.host.released(index.id)) return;
          plan.keysExamined += 1;
          self.metrics.keysExamined += 1;
          const rid = readRecordId(key, key.length - RECORD_ID_BYTES);
          if (seen) {
            if (seen.has(rid)) continue;
            seen.add(rid);
          }
          const bytes = transient ? self.readRecordBytesTransient(rid) : self.readRecordBytes(rid);
          if (bytes) yield { rid, bytes };
        }
      }
    }
    return plan;
  }

  /**
   * Which of `ids` (of documents about to be inserted in the running transaction) no stored document has, by their
   * position in `ids`, with the entry key of each in the `_id` index (for the insert), found in one ordered pass over the `_id` index rather than one lookup each. Left out (their
   * inserts look up as usual): ids that occur more than once in `ids`, ids whose key was cut (long strings) or
   * cannot be keyed, and those past the point where the pass gave up (`complete` false): it reads at most a few
   * stored keys per id, so ids that interleave with many stored ones (random ids) cost little. The answer holds
   * until something other than the inserts of these documents writes to the collection.
   */
  absentIds(ids: readonly unknown[]): { absent: Map<number, EntryKey>; complete: boolean } {
    const absent = new Map<number, EntryKey>();
    const items: Array<{ at: number; prefix: Buffer; key: EntryKey }> = [];
    for (let at = 0; at < ids.length; at++) {
      let key: EntryKey;
      try {
        key = this.idIndex.entryKey([ids[at]]);
      } catch {
        continue;
      }
      if (!key.truncated) items.push({ at, prefix: key.prefix, key });
    }
    if (items.length === 0) return { absent, complete: true };
    items.sort((a, b) => Buffer.compare(a.prefix, b.prefix));
    const budget = ABSENT_SCAN_KEYS_PER_ID * items.length;
    let i = 0;
    let read = 0;
    // Marks items[i..] below `bound` (all of them when undefined) absent, skipping ids that repeat.
    const settleBelow = (bound: Buffer | undefined): void => {
      while (i < items.length && (bound === undefined || Buffer.compare(items[i]!.prefix, bound) < 0)) {
        const { at, prefix, key } = items[i]!;
        let j = i + 1;
        while (j < items.length && items[j]!.prefix.equals(prefix)) j++;
        if (j === i + 1) absent.set(at, key);
        i = j;
      }
    };
    const start = items[0]!.prefix;
    const end = prefixAfter(items[items.length - 1]!.prefix);
    for (const key of this.host.storage.index.getKeys({ start, end, limit: budget })) {
      read += 1;
      const stored = key.subarray(0, key.length - RECORD_ID_BYTES);
      settleBelow(stored);
      // A stored document holds items[i]'s id (and any repeat of it): not absent.
      while (i < items.length && items[i]!.prefix.equals(stored)) i++;
      if (i === items.length) return { absent, complete: true };
    }
    // The pass read every stored key in the range: what is left is absent. Else it stopped early, undecided.
    if (read < budget) {
      settleBelow(undefined);
      return { absent, complete: true };
    }
    return { absent, complete: false };
  }

  /** The record id of the document with this `_id` (a cut long string key is checked against the record). */
  private recordIdOf(id: unknown): number | undefined {
    return this.recordIdWithKey(this.idIndex.entryKey([id]), id);
  }

  private recordIdWithKey({ prefix, truncated }: EntryKey, id: unknown): number | undefined {
    for (const key of this.host.storage.index.getKeys({ start: prefix, end: prefixAfter(prefix), limit: truncated ? undefined : 1 })) {
      const rid = readRecordId(key, key.length - RECORD_ID_BYTES);
      if (!truncated || keyOf(this.readRecord(rid)?._id) === keyOf(id)) return rid;
    }
    return undefined;
  }

  private readRecordBytes(rid: number): Buffer | undefined {
    return this.host.storage.records.get(this.readKey(rid));
  }

  // Private: the record's bytes in LMDB's read buffer, valid until the next read (no copy).
  private readRecordBytesTransient(rid: number): Buffer | undefined {
    return this.host.storage.records.getBinaryFast(this.readKey(rid));
  }

  // Private: a record's key for a read, in one reused buffer (a get copies the key before it returns).
  private readKey(rid: number): Buffer {
    return writeRecordKey(this.readKeyBuffer, this.id, rid);
  }

  private readRecord(rid: number): Document | undefined {
    const bytes = this.readRecordBytes(rid);
    return bytes ? deserialize(bytes, BSON_DECODE_OPTIONS) : undefined;
  }

  private recordKey(rid: number): Buffer {
    return writeRecordKey(Buffer.allocUnsafe(RECORD_KEY_BYTES), this.id, rid);
  }

  // Private: secondaryKeys for the document of `bytes`, its keys read from the bytes where their shape allows;
  // the fields the indexes read are decoded once, only when an index or a unique refusal needs them.
  private secondaryKeysOfBytes(bytes: Buffer, rid: number): Array<{ index: Index; keys: EntryKey[] }> {
    if (this.indexes.size === 0 && this.building.size === 0) return [];
    let decoded: Document | undefined;
    const docOf = (): Document => (decoded ??= deserialize(pickFields(bytes, this.keyFields()), BSON_DECODE_OPTIONS));
    const top = new TopLevel(bytes, this.rawNames());
    return this.collectKeys(rid, docOf, (index, seen) => index.rawKeys(top, seen) ?? index.keysOf(docOf(), seen));
  }

  // Private: the top-level names the indexes read, with their UTF-8 (for TopLevel).
  private rawNames(): ReadonlyMap<string, Buffer> {
    if (!this.rawNameCache) {
      this.rawNameCache = new Map();
      for (const index of this.maintainedIndexes()) for (const name of index.rawPlan.names()) this.rawNameCache.set(name, Buffer.from(name, 'utf8'));
    }
    return this.rawNameCache;
  }

  // Private: every secondary index's keys for `doc`, unique ones checked against other records; nothing is written
  // or flagged until every check passed, so a refused document leaves no trace.
  private secondaryKeys(doc: Document, rid: number): Array<{ index: Index; keys: EntryKey[] }> {
    return this.collectKeys(rid, () => doc, (index, seen) => index.keysOf(doc, seen));
  }

  // Private: see secondaryKeys (of the indexes `only` accepts, when given); `keysOf` gives an index's keys, `docOf`
  // the document (decoded) for unique checks.
  private collectKeys(
    rid: number,
    docOf: () => Document,
    keysOf: (index: Index, seen: MultikeySeen | undefined) => EntryKey[] | undefined,
    only?: (index: Index) => boolean,
  ): Array<{ index: Index; keys: EntryKey[] }> {
    const out: Array<{ index: Index; keys: EntryKey[]; seen: MultikeySeen | undefined }> = [];
    for (const index of this.indexes.values()) {
      if (only && !only(index)) continue;
      // A field already multikey stays so: no need to look for arrays on it (nor on any field once every field is).
      const seen = index.everyPathMultikey ? undefined : { multikey: false, paths: index.multikeyPaths };
      const keys = keysOf(index, seen) ?? [];
      for (const k of keys) checkKeySize(keyLength(k), index.name);
      if (index.unique) for (const k of keys) this.checkUnique(index, k, rid, docOf);
      out.push({ index, keys, seen });
    }
    // Indexes being built: kept like ready ones, except that a key another document holds is only noted for the
    // unique check at the end of the build (MongoDB accepts such writes during a build and fails the build).
    if (this.building.size > 0) {
      const suspects: Array<{ build: IndexBuild; key: EntryKey }> = [];
      for (const build of this.building.values()) {
        const { index } = build;
        if (only && !only(index)) continue;
        const seen = index.everyPathMultikey ? undefined : { multikey: false, paths: index.multikeyPaths };
        const keys = keysOf(index, seen) ?? [];
        for (const k of keys) checkKeySize(keyLength(k), index.name);
        if (index.unique) for (const k of keys) suspects.push({ build, key: copyKey(k) });
        out.push({ index, keys, seen });
      }
      for (const { build, key } of suspects) this.suspectDuplicate(build, key, rid);
    }
    for (const entry of out) if (entry.seen && entry.index.noteMultikey(entry.seen)) this.host.touched(this);
    return out;
  }

  private checkUnique(index: Index, key: EntryKey, rid: number, docOf: () => Document): void {
    if (this.heldByOther(index, key, rid, docOf)) throw index.duplicateKeyError(this.ns, docOf());
  }

  // Private: whether a record other than `rid` holds `key` in `index` (a cut key: compared on the documents).
  private heldByOther(index: Index, key: EntryKey, rid: number, docOf: () => Document): boolean {
    for (const other of this.host.storage.index.getKeys({ start: key.prefix, end: prefixAfter(key.prefix), limit: 4 })) {
      const otherRid = readRecordId(other, other.length - RECORD_ID_BYTES);
      if (otherRid === rid) continue;
      if (key.truncated) {
        const otherDoc = this.readRecord(otherRid);
        if (!otherDoc || !index.sameKey(docOf(), otherDoc)) continue;
      }
      return true;
    }
    return false;
  }

  // Private: a unique index being built notes a key another record holds already (see IndexBuild.suspects); the
  // check at the end of the build decides. A cut key is always noted (that check compares the documents).
  private suspectDuplicate(build: IndexBuild, key: EntryKey, rid: number): void {
    const id = key.prefix.toString('latin1');
    if (build.suspects.has(id)) return;
    if (key.truncated || this.heldByOther(build.index, key, rid, () => ({}))) build.suspects.set(id, copyKey(key));
  }

  // Private: one key range per equality value, in key order.
  private equalityRanges(index: Index, values: unknown[]): { ranges: KeyRange[]; truncated: boolean } {
    let truncated = false;
    const w = new KeyWriter();
    const keyed: Array<{ order: string; range: KeyRange }> = [];
    for (const v of values) {
      w.reset();
      w.u32(index.id);
      encodeValue(w, v);
      if (index.directions[0] === -1) w.invertFrom(ID_BYTES);
      if (w.truncated) truncated = true;
      const start = w.toBuffer();
      const end = w.toBuffer(1);
      end[end.length - 1] = 0xff;
      keyed.push({ order: start.toString('latin1'), range: { start, end, reverse: false } });
    }
    // Latin-1 text compares as its bytes do (one character per byte), without a call into Buffer.compare for each
    // comparison (a find by a few hundred ids sorts thousands of times).
    keyed.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
    return { ranges: keyed.map((k) => k.range), truncated };
  }

  /**
   * The key ranges of an index under a filter's bounds: one per combination of the equality values of its leading
   * fields (at most MAX_PREFIX_RANGES), each narrowed by a range on the field after them; undefined when the
   * leading field has no equality. Like every plan, a superset of the matches (the filter is still applied unless
   * the plan is exact).
   */
  private prefixRanges(index: Index, bounds: Map<string, PathBounds>): PrefixRanges | undefined {
    const leadingBounds = bounds.get(index.leadingField);
    const leading = leadingBounds?.eq;
    if (!leading) return undefined;
    // Element keys pair the values of one array element: bounds on several of its fields narrow together only when
    // one $elemMatch on that array gives them all (else different elements may satisfy them). A top-level field
    // after them has the document's own value in every entry.
    const usable = (field: string): PathBounds | undefined => {
      const b = bounds.get(field);
      if (!b || field === index.leadingField || index.elementArray === undefined || !index.multikey || !field.startsWith(`${index.elementArray}.`)) return b;
      const scope = leadingBounds.scope;
      return scope && b.scope === scope && scope.path === index.elementArray ? b : undefined;
    };
    let prefixes = [index.idPrefix()];
    let truncated = false;
    let eqFields = 0;
    for (; eqFields < index.fields.length; eqFields++) {
      const eq = usable(index.fields[eqFields]!)?.eq;
      if (!eq || (eqFields > 0 && prefixes.length * eq.length > MAX_PREFIX_RANGES)) break;
      const next: Buffer[] = [];
      for (const prefix of prefixes) {
        for (const v of eq) {
          const w = new KeyWriter();
          w.bytes(prefix);
          encodeValue(w, v);
          if (index.directions[eqFields] === -1) w.invertFrom(prefix.length);
          if (w.truncated) truncated = true;
          next.push(w.toBuffer());
        }
      }
      prefixes = next;
    }
    prefixes.sort(Buffer.compare);
    const rangeBounds = eqFields < index.fields.length ? usable(index.fields[eqFields]!) : undefined;
    const ranges = prefixes.map((p) => this.rangeUnder(p, index.directions[eqFields] ?? 1, index.fieldMultikey(eqFields), rangeBounds));
    return { ranges, truncated, eqFields, ranged: rangeBounds !== undefined && (rangeBounds.lower !== undefined || rangeBounds.upper !== undefined) };
  }

  // Private: the equality ranges turned to read in the sort's direction.
  private orientRanges(index: Index, ranges: KeyRange[], sortSpec: SortField[], eqFields: number): KeyRange[] {
    const reverse = this.servesSort(index, eqFields, sortSpec);
    if (!reverse) return ranges;
    return ranges.map((r) => ({ start: r.end, end: r.start, reverse: true })).reverse();
  }

  /**
   * Whether reading `index` (after `eqFields` fields fixed by equality) yields `sortSpec`'s order: false forward,
   * true backward, undefined when it cannot. The sort's fields must hold no array in any document (MongoDB's rule
   * with path-level multikey information); a multikey field fixed by one equality value is fine: a document has
   * one entry with that value (equal elements give one key), so the entries under it follow the sort's fields.
   */
  private servesSort(index: Index, eqFields: number, sortSpec: SortField[]): boolean | undefined {
    if (sortSpec.length === 0 || index.fields.length < eqFields + sortSpec.length) return undefined;
    let reverse: boolean | undefined;
    for (let i = 0; i < sortSpec.length; i++) {
      const field = index.fields[eqFields + i]!;
      if (field !== sortSpec[i]!.path || index.fieldMultikey(eqFields + i)) return undefined;
      const r = index.directions[eqFields + i] !== sortSpec[i]!.dir;
      if (reverse === undefined) reverse = r;
      else if (reverse !== r) return undefined;
    }
    return reverse;
  }

  // Private: the key range of an index's leading field under some bounds (the whole index when none apply).
  private rangeOf(index: Index, b: PathBounds | undefined): KeyRange {
    return this.rangeUnder(index.idPrefix(), index.directions[0]!, index.fieldMultikey(0), b);
  }

  // Private: the key range, among the keys starting with `prefix`, of the field that follows it (of direction
  // `direction`) under some bounds (every key with that prefix when none apply).
  private rangeUnder(prefix: Buffer, direction: 1 | -1, multikey: boolean, b: PathBounds | undefined): KeyRange {
    const all = { start: prefix, end: prefixAfter(prefix), reverse: false };
    if (!b || (!b.lower && !b.upper)) return all;
    // A multikey field: an array can satisfy each bound with a different element, so only one bound narrows.
    const lower = b.lower;
    const upper = multikey && lower ? undefined : b.upper;
    const cls = typeByte(lower ? lower.value : upper!.value);
    if (lower && upper && typeByte(upper.value) !== cls) return this.rangeUnder(prefix, direction, multikey, { lower });
    const forwardStart = lower ? valueBytes(lower.value) : Buffer.from([cls]);
    const forwardEnd = upper ? prefixAfter(valueBytes(upper.value)) : Buffer.from([cls + 1]);
    if (direction === 1) return { start: Buffer.concat([prefix, forwardStart]), end: Buffer.concat([prefix, forwardEnd]), reverse: false };
    // Descending: bytes are inverted, so the bounds swap.
    const start = upper ? invert(valueBytes(upper.value)) : Buffer.from([~(cls) & 0xff]);
    const end = lower ? prefixAfter(invert(valueBytes(lower.value))) : Buffer.from([(~cls & 0xff) + 1]);
    return { start: Buffer.concat([prefix, start]), end: Buffer.concat([prefix, end]), reverse: false };
  }

  // Private: how many keys some ranges hold, counting no further than `cap`.
  private estimate(ranges: KeyRange[], cap: number): number {
    let n = 0;
    for (const r of ranges) {
      for (const _ of this.host.storage.index.getKeys({ start: r.start, end: r.end, limit: cap - n })) n += 1;
      if (n >= cap) return n;
    }
    return n;
  }
}

/**
 * Lazy reads (collection and index scans behind cursors) hold no snapshot: an open cursor that waits between
 * getMores keeps no LMDB read transaction open (which would stop LMDB reusing freed pages); on its next read it
 * continues after the last key it returned, seeing the data as it is then (like a MongoDB cursor that yields).
 */
const SCAN = { snapshot: false } as const;
/** `absentIds` reads at most this many `_id` keys per document before it gives up on the rest. */
const ABSENT_SCAN_KEYS_PER_ID = 4;
/** A unique build's end check compares at most this many documents sharing one cut key. */
const CUT_KEY_COMPARISONS = 64;

/** Most key ranges one plan reads for the combinations of equality values on an index's leading fields. */
const MAX_PREFIX_RANGES = 256;
/** Equality estimates stop counting here: past it, an index is "large" and the first one found is kept. */
const ESTIMATE_CAP = 10_000;
const EMPTY = Buffer.alloc(0);

interface SortField {
  path: string;
  dir: 1 | -1;
}

/** An index's key ranges under a filter's bounds (see Collection.prefixRanges). */
interface PrefixRanges {
  readonly ranges: KeyRange[];
  /** A string key was cut: the ranges hold keys of other values too. */
  readonly truncated: boolean;
  /** How many leading fields an equality fixes. */
  readonly eqFields: number;
  /** A range narrows the field after them. */
  readonly ranged: boolean;
}

interface Candidate extends PrefixRanges {
  readonly index: Index;
}

/**
 * Whether `a` reads no more keys than `b` for sure: neither is multikey (one key per document), `a`'s equalities
 * include `b`'s, and `b`'s range, if any, is on the field `a`'s range narrows. Two candidates narrowed alike:
 * `aFirst` decides.
 */
function narrowerThan(a: Candidate, b: Candidate, aFirst: boolean): boolean {
  if (a.index.multikey || b.index.multikey || a.eqFields < b.eqFields) return false;
  const aEq = a.index.fields.slice(0, a.eqFields);
  for (let i = 0; i < b.eqFields; i++) if (!aEq.includes(b.index.fields[i]!)) return false;
  const bRange = b.ranged ? b.index.fields[b.eqFields] : undefined;
  const aRange = a.ranged ? a.index.fields[a.eqFields] : undefined;
  if (bRange !== undefined && bRange !== aRange) return false;
  const same = a.eqFields === b.eqFields && aRange === bRange;
  return !same || aFirst;
}

function sortFields(sort: Document | undefined): SortField[] {
  if (!sort) return [];
  const out: SortField[] = [];
  for (const [path, dir] of Object.entries(sort)) {
    if (dir !== 1 && dir !== -1) return [];
    out.push({ path, dir });
  }
  return out;
}

// Private: whether an index reads a path an update changed (the same path, one inside it, or one around it).
function indexTouches(index: Index, changedPaths: readonly string[]): boolean {
  for (const field of index.fields) {
    for (const path of changedPaths) {
      if (field === path || withinPath(field, path) || withinPath(path, field)) return true;
    }
  }
  return false;
}

// Private: whether `inner` is a path inside `outer` (`outer` then a dot, then more), compared in place.
function withinPath(inner: string, outer: string): boolean {
  return inner.length > outer.length && inner.charCodeAt(outer.length) === 0x2e && inner.startsWith(outer);
}

/** LMDB's longest key, less the record id suffix. */
const MAX_KEY_BYTES = 1978 - RECORD_ID_BYTES;

// Private: an index key too long for LMDB is refused before anything is written.
function checkKeySize(length: number, indexName: string): void {
  if (length > MAX_KEY_BYTES) {
    throw new MongoCommandError('KeyTooLong', `index key too large to index in ${indexName}: ${length} bytes, at most ${MAX_KEY_BYTES} (the embedded store cuts strings; large embedded documents or arrays as key values do not fit)`);
  }
}


// Private: an entry key in a buffer of its own (keys are built in a shared scratch buffer).
function copyKey(key: EntryKey): EntryKey {
  return { prefix: Buffer.from(key.prefix), truncated: key.truncated };
}

function readRecordId(key: Buffer, offset: number): number {
  return key.readUInt32BE(offset) * 0x1_0000_0000 + key.readUInt32BE(offset + 4);
}

function valueBytes(v: unknown): Buffer {
  const w = new KeyWriter();
  encodeValue(w, v);
  return w.toBuffer();
}

function invert(b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(b.length);
  for (let i = 0; i < b.length; i++) out[i] = ~b[i]! & 0xff;
  return out;
}

/** A document's BSON as a Buffer (what LMDB stores). */
export function bsonBytes(doc: Document): Buffer {
  const bytes = serialize(doc, BSON_ENCODE_OPTIONS);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** A record's key: the collection id, then the record id, big-endian, so a collection's records sort by id. */
const RECORD_KEY_BYTES = ID_BYTES + RECORD_ID_BYTES;

// Private: writes the record key of (`collectionId`, `rid`) into `out` (RECORD_KEY_BYTES long) and returns it.
function writeRecordKey(out: Buffer, collectionId: number, rid: number): Buffer {
  out.writeUInt32BE(collectionId >>> 0, 0);
  out.writeUInt32BE(Math.floor(rid / 0x1_0000_0000), 4);
  out.writeUInt32BE(rid % 0x1_0000_0000, 8);
  return out;
}

// Private: what the catalog keeps of an index (the `building` state of one being built is added beside it).
function indexCatalogEntry(i: Index): Document {
  return { id: i.id, spec: i.spec, multikey: i.multikey, elementKeys: i.elementKeys, multikeyPaths: i.multikeyPaths, trailingElementKeys: i.trailingElementKeys };
}
