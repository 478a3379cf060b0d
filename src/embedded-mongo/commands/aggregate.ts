/**
 * aggregate: a leading $match is served through the collection's read plan (indexes), the rest by mingo.
 * A pipeline whose first stage has a registered handler (S2's `$changeStream`) is handed to it whole.
 */
import type { Document } from 'bson';
import { isPlainDocument } from '../engine';
import { MongoCommandError } from '../errors';
import { evaluateVariables, runPipeline, select, validatePipeline } from '../query';
import { checkHint, nonNegative, optionalBoolean, rejectUnsupported } from './args';
import type { CommandHandler } from './context';
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
  if (target === 1) throw new MongoCommandError('NotImplemented', 'database-level aggregate is not supported by the embedded store');
  const cursorOptions = command.cursor;
  if (!isPlainDocument(cursorOptions)) {
    throw new MongoCommandError('FailedToParse', "The 'cursor' option is required, except for aggregate with the explain argument");
  }
  const batchSize = nonNegative(cursorOptions, 'aggregate', 'batchSize');
  const pipeline = validatePipeline(rawPipeline);
  const collection = context.engine.collection(context.db, target);
  checkHint(command, collection);
  // A leading $match reads through the indexes; the stage is then already applied.
  const leading = pipeline[0]?.$match;
  const input = isPlainDocument(leading) ? select(collection, leading, Infinity, variables).docs : select(collection, {}).docs;
  const rest = isPlainDocument(leading) ? pipeline.slice(1) : pipeline;
  const docs = runPipeline(input, rest, (name) => select(context.engine.collection(context.db, name), {}).docs, variables);
  return firstBatchReply(context, `${context.db}.${target}`, docs, batchSize);
};

export const aggregateCommands: Record<string, CommandHandler> = { aggregate };
