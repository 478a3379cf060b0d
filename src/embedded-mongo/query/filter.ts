/** Query filters, sort and projection with mingo's MongoDB semantics, reading candidates through the read plan. */
import type { Document } from 'bson';
import { Query } from 'mingo';
import type { Collection, ReadPlan } from '../engine';
import { MongoCommandError } from '../errors';
import { withMingo } from './mingo-errors';

/** mingo options: MongoDB's strict semantics; `_id` is the identity field. */
export const MINGO_OPTIONS = { idKey: '_id', useStrictMode: true } as const;

export interface Selection {
  readonly docs: Document[];
  readonly plan: Pick<ReadPlan, 'stage' | 'indexName' | 'keysExamined'>;
  readonly docsExamined: number;
}

/** Compiles a filter (throwing BadValue for an unknown operator) into a predicate. */
export function compileFilter(filter: Document): (doc: Document) => boolean {
  if (Object.keys(filter).length === 0) return () => true;
  const query = withMingo(() => new Query(filter, MINGO_OPTIONS));
  return (doc) => withMingo(() => query.test(doc));
}

/**
 * The stored documents matching `filter` (the stored objects themselves: callers must not mutate them), at most
 * `limit` of them, read through the collection's best plan. Documents tested are counted in `metrics.docsExamined`.
 */
export function select(coll: Collection | undefined, filter: Document, limit = Infinity): Selection {
  const test = compileFilter(filter);
  if (!coll) return { docs: [], plan: { stage: 'COLLSCAN', indexName: undefined, keysExamined: 0 }, docsExamined: 0 };
  const plan = coll.plan(filter);
  const docs: Document[] = [];
  let examined = 0;
  for (const doc of plan.candidates) {
    if (docs.length >= limit) break;
    examined += 1;
    if (test(doc)) docs.push(doc);
  }
  coll.metrics.docsExamined += examined;
  return { docs, plan, docsExamined: examined };
}

/** Sorts (stable) by a MongoDB sort spec. */
export function sortDocs(docs: Document[], sort: Document | undefined): Document[] {
  if (!sort || Object.keys(sort).length === 0) return docs;
  for (const [field, dir] of Object.entries(sort)) {
    if (dir !== 1 && dir !== -1 && !(typeof dir === 'object' && dir !== null && '$meta' in dir)) {
      throw new MongoCommandError('BadValue', `$sort key ordering must be 1 (for ascending) or -1 (for descending), got ${JSON.stringify(dir)} for '${field}'`);
    }
  }
  return withMingo(() => new Query({}, MINGO_OPTIONS).find(docs).sort(sort as Record<string, 1 | -1>).all() as Document[]);
}

/** Applies a find projection; returns new objects. */
export function project(docs: Document[], projection: Document | undefined): Document[] {
  if (!projection || Object.keys(projection).length === 0) return docs;
  return withMingo(() => new Query({}, MINGO_OPTIONS).find(docs, projection).all() as Document[]);
}
