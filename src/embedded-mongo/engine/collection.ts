/**
 * One collection's documents (a Map from canonical `_id` key to document, in insertion order) and its indexes.
 * Mutations here never notify anyone: the Engine applies oplog ops through them.
 * Stored documents are never mutated in place; updates store a new object.
 */
import { calculateObjectSize, UUID, type Document } from 'bson';
import { MongoCommandError } from '../errors';
import { duplicateKey, Index, type IndexKeys } from './index-store';
import { equalityConstraints, exactEqualityPath } from './planner';
import { keyOf } from './values';

export const ID_INDEX_NAME = '_id_';
export const ID_INDEX_SPEC: Readonly<Document> = Object.freeze({ v: 2, key: { _id: 1 }, name: ID_INDEX_NAME });

/** How a read was served, in explain's vocabulary. */
export type PlanStage = 'IDHACK' | 'IXSCAN' | 'COLLSCAN';

export interface ReadPlan {
  readonly stage: PlanStage;
  readonly indexName: string | undefined;
  /** Documents to test against the filter (a superset of the matches). */
  readonly candidates: Iterable<Document>;
  /** Every candidate matches the filter (an exact equality / $in served by an index): no test needed. */
  readonly exact: boolean;
  readonly keysExamined: number;
}

export class Collection {
  readonly docs = new Map<string, Document>();
  readonly indexes = new Map<string, Index>();
  readonly uuid = new UUID();
  /** Cumulative counters, like `serverStatus`'s metrics: documents tested against a filter, index keys read. */
  readonly metrics = { docsExamined: 0, keysExamined: 0 };

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Readonly<Document>,
  ) {}

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  /** Number of documents. */
  get count(): number {
    return this.docs.size;
  }

  /** Total BSON size of the documents (collStats `size`). */
  get dataSize(): number {
    let size = 0;
    for (const doc of this.docs.values()) size += calculateObjectSize(doc);
    return size;
  }

  /** The `_id` index spec first, then the secondary indexes' specs, in creation order. */
  indexSpecs(): Document[] {
    return [ID_INDEX_SPEC, ...[...this.indexes.values()].map((i) => i.spec)];
  }

  findById(id: unknown): Document | undefined {
    return this.docs.get(keyOf(id));
  }

  /** Throws DuplicateKey if inserting `doc` would violate the `_id` or a unique index. */
  checkInsert(doc: Document): void {
    const id = keyOf(doc._id);
    if (this.docs.has(id)) throw duplicateKey(this.ns, ID_INDEX_NAME, { _id: 1 }, { _id: doc._id });
    for (const index of this.indexes.values()) index.checkUnique(this.ns, id, doc);
  }

  /** Throws DuplicateKey if replacing a document by `after` (same `_id`) would violate a unique index. */
  checkReplace(after: Document): void {
    const id = keyOf(after._id);
    for (const index of this.indexes.values()) index.checkUnique(this.ns, id, after);
  }

  insert(doc: Document): void {
    const id = keyOf(doc._id);
    if (this.docs.has(id)) throw duplicateKey(this.ns, ID_INDEX_NAME, { _id: 1 }, { _id: doc._id });
    // Keys are computed once per index and used for both the unique check and the insertion.
    const keys: Array<IndexKeys | undefined> = [];
    for (const index of this.indexes.values()) {
      const k = index.keysOf(doc);
      index.checkUnique(this.ns, id, doc, k);
      keys.push(k);
    }
    let i = 0;
    for (const index of this.indexes.values()) index.add(id, doc, keys[i++]);
    this.docs.set(id, doc);
  }

  replace(after: Document): void {
    const id = keyOf(after._id);
    const before = this.docs.get(id);
    if (!before) throw new MongoCommandError('InternalError', `replace of a missing document in ${this.ns}`);
    this.checkReplace(after);
    for (const index of this.indexes.values()) {
      index.remove(id, before);
      index.add(id, after);
    }
    this.docs.set(id, after);
  }

  remove(doc: Document): void {
    const id = keyOf(doc._id);
    const stored = this.docs.get(id);
    if (!stored) return;
    for (const index of this.indexes.values()) index.remove(id, stored);
    this.docs.delete(id);
  }

  /** Builds a new index over the existing documents; throws DuplicateKey (and adds nothing) on a unique violation. */
  addIndex(spec: Document): void {
    const index = new Index(spec);
    for (const [id, doc] of this.docs) {
      if (index.unique) index.checkUnique(this.ns, id, doc);
      index.add(id, doc);
    }
    this.indexes.set(index.name, index);
  }

  dropIndex(name: string): boolean {
    return this.indexes.delete(name);
  }

  /** Chooses how to read the documents a filter may match: by `_id`, by the narrowest usable index, or a scan. */
  plan(filter: Document): ReadPlan {
    const constraints = equalityConstraints(filter);
    const exactPath = exactEqualityPath(filter);
    const ids = constraints.get('_id');
    if (ids) {
      const candidates: Document[] = [];
      for (const k of ids) {
        const doc = this.docs.get(k);
        if (doc) candidates.push(doc);
      }
      return this.counted({ stage: 'IDHACK', indexName: ID_INDEX_NAME, candidates, keysExamined: ids.length, exact: exactPath === '_id' });
    }
    let best: { index: Index; keys: string[]; estimate: number } | undefined;
    for (const index of this.indexes.values()) {
      const keys = constraints.get(index.leadingField);
      if (!keys) continue;
      const estimate = index.estimate(keys);
      if (!best || estimate < best.estimate) best = { index, keys, estimate };
    }
    if (!best) return { stage: 'COLLSCAN', indexName: undefined, candidates: this.docs.values(), keysExamined: 0, exact: false };
    const idSet = new Set<string>();
    best.index.lookup(best.keys, idSet);
    const candidates: Document[] = [];
    for (const id of idSet) {
      const doc = this.docs.get(id);
      if (doc) candidates.push(doc);
    }
    const exact = exactPath !== undefined && exactPath === best.index.leadingField && !best.index.sparse;
    return this.counted({ stage: 'IXSCAN', indexName: best.index.name, candidates, keysExamined: best.estimate, exact });
  }

  // Private: index reads count their keys towards the collection's metrics.
  private counted(plan: ReadPlan): ReadPlan {
    this.metrics.keysExamined += plan.keysExamined;
    return plan;
  }
}
