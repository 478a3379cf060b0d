/**
 * aggregate: a leading $match is served through the collection's read plan (indexes), the rest by mingo; a
 * `$project` of top-level fields right after it is applied to the stored bytes, and a `$group` of counts after those
 * is computed from the stored bytes (`query/fast-group.ts`).
 * A pipeline whose first stage has a registered handler (S2's `$changeStream`) is handed to it whole.
 */
import { deserialize, type Document } from 'bson';
import { aggregate as mingoAggregate } from 'mingo';
import { BSON_DECODE_OPTIONS, isPlainDocument, type Collection } from '../engine';
import { MongoCommandError } from '../errors';
import { compileRawGroup, evaluateVariables, MINGO_OPTIONS, runPipeline, select, selectLazily, selectRawLazily, validatePipeline, withMingo, type Variables } from '../query';
import { pickFields, topLevelInclusion } from '../raw-bson';
import { checkHint, nonNegative, optionalBoolean, rejectUnsupported } from './args';
import type { CommandContext, CommandHandler } from './context';
import { firstBatchReply } from './cursor-reply';

const aggregate: CommandHandler = async (command, context) => {
  const target = command.aggregate;
  if (typeof target !== 'string' && target !== 1) {
    throw new MongoCommandError('InvalidNamespace', `aggregate must name a collection (string) or be 1 for a database aggregate, got ${JSON.stringify(target)}`);
  }
  const rawPipeline = command.pipeline;
  if (!Array.isArray(rawPipeline)) throw new MongoCommandError('TypeMismatch', "'pipeline' option must be specified as an array");
  const firstStage = isPlainDocument(rawPipeline[0]) ? Object.keys(rawPipeline[0])[0] : undefined;
  const special = firstStage ? context.extensions.firstStages.get(firstStage) : undefined;
  if (special) return special({ db: context.db, collection: target, pipeline: rawPipeline as Document[], command, context });
  if (firstStage === '$changeStream') {
    throw new MongoCommandError('Location40573', 'The $changeStream stage is only supported on replica sets');
  }
  rejectUnsupported(command, 'aggregate', ['collation']);
  const variables = evaluateVariables(command.let, 'aggregate.let');
  if (optionalBoolean(command, 'aggregate', 'explain')) {
    throw new MongoCommandError('NotImplemented', 'explain of aggregate is not supported by the embedded store (find and count are)');
  }
  const cursorOptions = command.cursor;
  if (!isPlainDocument(cursorOptions)) {
    throw new MongoCommandError('FailedToParse', "The 'cursor' option is required, except for aggregate with the explain argument");
  }
  const batchSize = nonNegative(cursorOptions, 'aggregate', 'batchSize');
  if (target === 1) {
    const input = collectionlessInput(rawPipeline[0], firstStage, context, variables);
    const rest = validatePipeline(rawPipeline.slice(1));
    const docs = runPipeline(input, rest, (name) => select(context.engine.collection(context.db, name), {}).docs, variables);
    return firstBatchReply(context, `${context.db}.$cmd.aggregate`, docs, batchSize);
  }
  const pipeline = validatePipeline(rawPipeline);
  const collection = context.engine.collection(context.db, target);
  checkHint(command, collection);
  // A leading $match reads through the indexes; the stage is then already applied.
  const leading = pipeline[0]?.$match;
  const counted = collection ? countPipeline(pipeline) : undefined;
  if (counted && collection) {
    // countDocuments' pipeline: counted as documents stream from disk, never held together.
    const matches = selectLazily(collection, isPlainDocument(leading) ? leading : {}, undefined, variables)!;
    let n = 0;
    for (let next = matches.next(); !next.done; next = matches.next()) n += 1;
    n = Math.max(0, n - counted.skip);
    if (counted.limit > 0) n = Math.min(n, counted.limit);
    const docs = n > 0 ? [{ _id: counted.id, [counted.field]: n }] : [];
    return firstBatchReply(context, `${context.db}.${target}`, docs, batchSize);
  }
  if (collection && isPlainDocument(leading)) {
    const grouped = rawGroup(collection, leading, pipeline.slice(1), variables);
    if (grouped) return firstBatchReply(context, `${context.db}.${target}`, grouped, batchSize);
  }
  const picked = collection && isPlainDocument(leading) ? pickedInput(collection, leading, pipeline[1], variables) : undefined;
  const input = picked ?? (isPlainDocument(leading) ? select(collection, leading, Infinity, variables).docs : select(collection, {}).docs);
  const rest = picked ? pipeline.slice(2) : isPlainDocument(leading) ? pipeline.slice(1) : pipeline;
  const docs = runPipeline(input, rest, (name) => select(context.engine.collection(context.db, name), {}).docs, variables);
  return firstBatchReply(context, `${context.db}.${target}`, docs, batchSize);
};

/**
 * A pipeline `[$match, $project?, $group]` of counts (see `compileRawGroup`) run on the matches' stored bytes;
 * undefined for any other pipeline or when a document needs the general path.
 */
function rawGroup(collection: Collection, match: Document, rest: Document[], variables: Variables): Document[] | undefined {
  const group = compileRawGroup(rest);
  if (!group) return undefined;
  const matches = selectRawLazily(collection, match, undefined, variables, true);
  return matches ? group.run(matches) : undefined;
}

/**
 * The input of a pipeline that starts with `$match` then a `$project` keeping only top-level fields: each match's
 * stored bytes cut to those fields and only they decoded (what `$project` makes of the whole document). Undefined
 * when the second stage is anything else or the match cannot stream from the collection's plan.
 */
function pickedInput(collection: Collection, match: Document, second: Document | undefined, variables: Variables): Document[] | undefined {
  if (!second || Object.keys(second).length !== 1 || !isPlainDocument(second.$project)) return undefined;
  const kept = topLevelInclusion(second.$project);
  if (!kept) return undefined;
  const matches = selectRawLazily(collection, match, undefined, variables);
  if (!matches) return undefined;
  const out: Document[] = [];
  for (let next = matches.next(); !next.done; next = matches.next()) out.push(deserialize(pickFields(next.value, kept), BSON_DECODE_OPTIONS));
  return out;
}

/**
 * The shape the drivers' countDocuments sends: `[$match?, $skip?, $limit?, {$group: {_id: <constant>, n: {$sum: 1}}}]`
 * (skip and limit positive integers). Returns what to answer with, or undefined for any other pipeline.
 */
function countPipeline(pipeline: Document[]): { id: unknown; field: string; skip: number; limit: number } | undefined {
  let i = 0;
  if (pipeline[i]?.$match !== undefined) i += 1;
  let skip = 0;
  let limit = 0;
  if (Number.isInteger(pipeline[i]?.$skip) && (pipeline[i]!.$skip as number) >= 0 && Object.keys(pipeline[i]!).length === 1) skip = pipeline[i++]!.$skip as number;
  if (Number.isInteger(pipeline[i]?.$limit) && (pipeline[i]!.$limit as number) > 0 && Object.keys(pipeline[i]!).length === 1) limit = pipeline[i++]!.$limit as number;
  const group = pipeline[i]?.$group;
  if (i !== pipeline.length - 1 || !isPlainDocument(group) || Object.keys(pipeline[i]!).length !== 1) return undefined;
  const fields = Object.keys(group);
  if (fields.length !== 2 || fields[0] !== '_id') return undefined;
  const id = group._id;
  const constant = id === null || typeof id === 'number' || (typeof id === 'string' && !id.startsWith('$'));
  const sum = group[fields[1]!];
  if (!constant || !isPlainDocument(sum) || Object.keys(sum).length !== 1 || sum.$sum !== 1) return undefined;
  return { id, field: fields[1]!, skip, limit };
}

/**
 * The documents a database-level aggregate (`aggregate: 1`) starts from, given by its first stage as in mongod:
 * `$documents` (literal documents, or an expression giving them) and `$listLocalSessions` (the sessions this store
 * has seen) are served; `$currentOp` must run on `admin` (73 elsewhere) and is not implemented; any stage that
 * needs a collection answers 73.
 */
function collectionlessInput(stage: unknown, name: string | undefined, context: CommandContext, variables: Variables): Document[] {
  const spec = isPlainDocument(stage) ? stage[name ?? ''] : undefined;
  switch (name) {
    case '$documents': {
      const [evaluated] = withMingo(() => mingoAggregate([{}], [{ $addFields: { docs: spec } }], { ...MINGO_OPTIONS, variables: variables ?? {} }));
      const docs = (evaluated as Document).docs;
      if (!Array.isArray(docs) || !docs.every((d) => isPlainDocument(d))) {
        throw new MongoCommandError('Location5858203', 'error in $documents stage :: caused by :: an array of objects is expected');
      }
      return docs as Document[];
    }
    case '$listLocalSessions': {
      if (!isPlainDocument(spec)) throw new MongoCommandError('TypeMismatch', '$listLocalSessions options must be specified in an object');
      const unsupported = Object.keys(spec).find((k) => k !== 'allUsers' && k !== 'users');
      if (unsupported) throw new MongoCommandError('Location40415', `BSON field '$listLocalSessions.${unsupported}' is an unknown field.`);
      return context.sessions?.list() ?? [];
    }
    case '$currentOp':
      if (context.db !== 'admin') {
        throw new MongoCommandError('InvalidNamespace', "$currentOp must be run against the 'admin' database with {aggregate: 1}");
      }
      throw new MongoCommandError('NotImplemented', '$currentOp is not supported by the embedded store');
    default:
      throw new MongoCommandError('InvalidNamespace', `{aggregate: 1} is not valid for '${name ?? 'an empty pipeline'}'; a collection is required.`);
  }
}

export const aggregateCommands: Record<string, CommandHandler> = { aggregate };
