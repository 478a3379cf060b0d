/**
 * Aggregation pipelines through mingo. Stages are checked against an explicit list first: an unknown stage answers
 * 40324 like mongod, and a stage MongoDB has but this store cannot run answers NotImplemented (never a wrong result).
 */
import type { Document } from 'bson';
import { Aggregator } from 'mingo';
import { cloneDocument, isPlainDocument } from '../engine';
import { MongoCommandError } from '../errors';
import { MINGO_OPTIONS, sortDocs } from './filter';
import { withMingo } from './mingo-errors';

/** Stages run by mingo with MongoDB semantics. */
export const SUPPORTED_STAGES: ReadonlySet<string> = new Set([
  '$match', '$project', '$addFields', '$set', '$unset', '$group', '$sort', '$limit', '$skip', '$unwind', '$count',
  '$facet', '$lookup', '$bucket', '$bucketAuto', '$sortByCount', '$replaceRoot', '$replaceWith', '$sample',
  '$unionWith', '$redact', '$graphLookup', '$setWindowFields', '$densify', '$fill',
]);

/** Stages MongoDB has that this store does not run (writes to collections, server introspection, search). */
export const UNSUPPORTED_STAGES: ReadonlySet<string> = new Set([
  '$out', '$merge', '$geoNear', '$search', '$searchMeta', '$vectorSearch', '$collStats', '$indexStats', '$currentOp',
  '$listSessions', '$listLocalSessions', '$planCacheStats', '$changeStream', '$changeStreamSplitLargeEvent',
  '$documents', '$listSearchIndexes', '$shardedDataDistribution',
]);

/**
 * What a mongod without Atlas Search (no `searchIndexManagementHostAndPort`) answers to the search index commands
 * and to `$listSearchIndexes`: SearchNotEnabled, naming Atlas.
 */
export function searchNotEnabled(): MongoCommandError {
  return new MongoCommandError(
    'SearchNotEnabled',
    'Using Atlas Search Database Commands and the $listSearchIndexes aggregation stage requires additional configuration. ' +
      'Please connect to Atlas or an AtlasCLI local deployment to enable. For more information on how to connect, see ' +
      'https://dochub.mongodb.org/core/atlas-cli-deploy-local-reqs.',
  );
}

/** Search stages: a mongod without Atlas Search refuses them with SearchNotEnabled, naming Atlas. */
const SEARCH_STAGES: ReadonlySet<string> = new Set(['$search', '$searchMeta', '$vectorSearch']);

function searchStagesNotEnabled(): MongoCommandError {
  return new MongoCommandError(
    'SearchNotEnabled',
    'Using $search and $vectorSearch aggregation stages requires additional configuration. Please connect to Atlas or an ' +
      'AtlasCLI local deployment to enable. For more information on how to connect, see ' +
      'https://dochub.mongodb.org/core/atlas-cli-deploy-local-reqs.',
  );
}

/** Accumulators `$group` accepts (mingo's; `$accumulator` is absent because scripts are disabled). */
export const GROUP_ACCUMULATORS: ReadonlySet<string> = new Set([
  '$addToSet', '$avg', '$bottom', '$bottomN', '$count', '$covariancePop', '$covarianceSamp', '$first', '$firstN',
  '$last', '$lastN', '$max', '$maxN', '$median', '$mergeObjects', '$min', '$minN', '$percentile', '$push',
  '$stdDevPop', '$stdDevSamp', '$sum', '$top', '$topN',
]);

/** Reads another collection of the same database (for $lookup, $unionWith, $graphLookup). */
export type CollectionReader = (name: string) => Document[];

/** Throws for a malformed or unsupported stage, recursing into $facet / $lookup / $unionWith sub-pipelines. */
export function validatePipeline(pipeline: unknown): Document[] {
  if (!Array.isArray(pipeline)) {
    throw new MongoCommandError('TypeMismatch', `'pipeline' option must be specified as an array, got ${typeof pipeline}`);
  }
  rejectScripts(pipeline);
  for (const stage of pipeline) {
    if (!isPlainDocument(stage) || Object.keys(stage).length !== 1) {
      throw new MongoCommandError('Location40324', 'A pipeline stage specification object must contain exactly one field.');
    }
    const name = Object.keys(stage)[0]!;
    if (name === '$listSearchIndexes') throw searchNotEnabled();
    if (SEARCH_STAGES.has(name)) throw searchStagesNotEnabled();
    if (UNSUPPORTED_STAGES.has(name)) {
      throw new MongoCommandError('NotImplemented', `pipeline stage '${name}' is not supported by the embedded store`);
    }
    if (!SUPPORTED_STAGES.has(name)) throw new MongoCommandError('Location40324', `Unrecognized pipeline stage name: '${name}'`);
    const spec = stage[name];
    if (name === '$group') validateGroup(spec);
    if (name === '$facet' && isPlainDocument(spec)) for (const sub of Object.values(spec)) validatePipeline(sub);
    if ((name === '$lookup' || name === '$unionWith') && isPlainDocument(spec) && spec.pipeline !== undefined) validatePipeline(spec.pipeline);
  }
  return pipeline as Document[];
}

/** Operators that run client JavaScript: never executed here. */
const SCRIPT_OPERATORS = new Set(['$function', '$accumulator', '$where']);

// Private: finds a script operator anywhere in a pipeline. mingo itself needs scripts enabled (its $setWindowFields
// is built on $function), so client-supplied script operators are refused up front instead.
function rejectScripts(value: unknown): void {
  if (Array.isArray(value)) {
    for (const v of value) rejectScripts(v);
    return;
  }
  if (!isPlainDocument(value)) return;
  for (const [k, v] of Object.entries(value)) {
    if (SCRIPT_OPERATORS.has(k)) throw new MongoCommandError('NotImplemented', `${k} (server-side JavaScript) is not supported by the embedded store`);
    rejectScripts(v);
  }
}

// Private: mongod's $group checks, so an unknown accumulator answers 15952 like mongod.
function validateGroup(spec: unknown): void {
  if (!isPlainDocument(spec)) throw new MongoCommandError('FailedToParse', 'a group\'s fields must be specified in an object');
  if (!('_id' in spec)) throw new MongoCommandError('Location15955', 'a group specification must include an _id');
  for (const [field, value] of Object.entries(spec)) {
    if (field === '_id') continue;
    const op = isPlainDocument(value) && Object.keys(value).length === 1 ? Object.keys(value)[0]! : undefined;
    if (!op) throw new MongoCommandError('Location40234', `The field '${field}' must be an accumulator object`);
    if (!GROUP_ACCUMULATORS.has(op)) throw new MongoCommandError('Location15952', `unknown group operator '${op}'`);
  }
}

/** Runs a validated pipeline over `input` (stored documents: copied first, never mutated). */
export function runPipeline(
  input: Iterable<Document>,
  pipeline: Document[],
  readCollection: CollectionReader,
  variables?: Readonly<Document>,
): Document[] {
  const cache = new Map<string, Document[]>();
  const collectionResolver = (name: string): Document[] => {
    let docs = cache.get(name);
    if (!docs) cache.set(name, (docs = readCollection(name).map(cloneDocument)));
    return docs;
  };
  let docs = [...input].map(cloneDocument);
  // Top-level $sort stages use MongoDB's array ordering (see sortDocs); the segments between them run in mingo.
  let segment: Document[] = [];
  const flush = (): void => {
    if (segment.length === 0) return;
    const stages = segment;
    docs = withMingo(() => new Aggregator(stages, { ...MINGO_OPTIONS, scriptEnabled: true, collectionResolver, variables: variables ?? {} }).run(docs) as Document[]);
    segment = [];
  };
  for (const stage of pipeline) {
    if (isPlainDocument(stage.$sort)) {
      flush();
      docs = sortDocs(docs, stage.$sort);
    } else {
      segment.push(stage);
    }
  }
  flush();
  return docs;
}
