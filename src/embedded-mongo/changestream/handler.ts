/**
 * `aggregate` with `$changeStream` first: validates the stage and what follows it, finds the start position,
 * opens a ChangeStreamCursor and answers its first batch (events already there, no waiting), with the
 * `postBatchResumeToken` the driver resumes from (the dispatcher adds `operationTime`).
 */
import { Long, type Document } from 'bson';
import type { FirstStageHandler, FirstStageRequest } from '../commands';
import { DEFAULT_BATCH_SIZE } from '../cursors';
import { isPlainDocument } from '../engine';
import { MongoCommandError } from '../errors';
import { SUPPORTED_STAGES, UNSUPPORTED_STAGES } from '../query';
import { ChangeStreamCursor } from './cursor';
import type { StoreLookup } from './events';
import type { ChangeHistory } from './history';
import { parseChangeStreamOptions, type ChangeStreamOptions } from './options';
import { Step, type Position } from './position';
import { cursorNamespace, type StreamScope } from './scope';

/** Stages MongoDB allows after `$changeStream`: each turns one event into at most one. */
export const ALLOWED_FOLLOWING_STAGES: ReadonlySet<string> = new Set([
  '$match', '$project', '$addFields', '$set', '$unset', '$replaceRoot', '$replaceWith', '$redact',
]);

export function changeStreamStage(history: ChangeHistory): FirstStageHandler {
  return async (request) => {
    const { context } = request;
    const [stage, ...rest] = request.pipeline;
    const options = parseChangeStreamOptions((stage as Document).$changeStream);
    const scope = scopeOf(request, options);
    const pipeline = validateFollowing(rest);
    const cursorOptions = request.command.cursor;
    if (cursorOptions !== undefined && !isPlainDocument(cursorOptions)) {
      throw new MongoCommandError('TypeMismatch', `aggregate.cursor must be a document, got ${typeof cursorOptions}`);
    }
    const batchSize = cursorOptions?.batchSize;
    if (batchSize !== undefined && (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 0)) {
      throw new MongoCommandError('BadValue', `aggregate.cursor.batchSize must be a non-negative integer, got ${String(batchSize)}`);
    }
    const lookup: StoreLookup = {
      document: (db, coll, id) => context.engine.collection(db, coll)?.findById(id) ?? null,
      imagesRecorded: (db, coll) => (context.engine.collection(db, coll)?.options.changeStreamPreAndPostImages as Document | undefined)?.enabled === true,
    };
    const cursor = new ChangeStreamCursor({
      id: context.cursors.newId(),
      ns: cursorNamespace(scope),
      scope,
      options,
      pipeline,
      history,
      lookup,
      start: startPosition(history, options),
    });
    const first = cursor.takeAvailable(batchSize ?? DEFAULT_BATCH_SIZE);
    if (!first.exhausted) context.cursors.register(cursor);
    return {
      cursor: {
        firstBatch: first.batch,
        postBatchResumeToken: first.extra?.postBatchResumeToken,
        id: Long.fromBigInt(first.exhausted ? 0n : cursor.id),
        ns: cursor.ns,
      },
    };
  };
}

// Private: collection, database (aggregate: 1) or cluster (admin db with allChangesForCluster), as mongod decides.
function scopeOf(request: FirstStageRequest, options: ChangeStreamOptions): StreamScope {
  if (request.collection !== 1) {
    if (options.allChangesForCluster) {
      throw new MongoCommandError('BadValue', 'allChangesForCluster is only valid on the admin database with aggregate: 1');
    }
    return { kind: 'collection', db: request.db, coll: request.collection };
  }
  if (request.db === 'admin') {
    if (!options.allChangesForCluster) {
      throw new MongoCommandError('BadValue', "a change stream on the admin database with aggregate: 1 must set allChangesForCluster: true");
    }
    return { kind: 'cluster' };
  }
  if (options.allChangesForCluster) {
    throw new MongoCommandError('BadValue', `allChangesForCluster is only valid on the admin database, got database '${request.db}'`);
  }
  return { kind: 'database', db: request.db };
}

/** A stage MongoDB allows after `$changeStream` that this store does not run. */
const UNSUPPORTED_FOLLOWING_STAGES: ReadonlySet<string> = new Set(['$changeStreamSplitLargeEvent']);

// Private: stages after $changeStream must keep one event -> at most one document. Like mongod, a stage name it
// does not know at all answers 40324 (unrecognized), a known stage that cannot follow $changeStream answers 20.
function validateFollowing(stages: readonly Document[]): Document[] {
  for (const stage of stages) {
    const names = isPlainDocument(stage) ? Object.keys(stage) : [];
    if (names.length !== 1) throw new MongoCommandError('Location40324', 'A pipeline stage specification object must contain exactly one field.');
    const name = names[0]!;
    if (UNSUPPORTED_FOLLOWING_STAGES.has(name)) {
      throw new MongoCommandError('NotImplemented', `${name} after $changeStream is not supported by the embedded store`);
    }
    if (!SUPPORTED_STAGES.has(name) && !UNSUPPORTED_STAGES.has(name)) {
      throw new MongoCommandError('Location40324', `Unrecognized pipeline stage name: '${name}'`);
    }
    if (!ALLOWED_FOLLOWING_STAGES.has(name)) {
      throw new MongoCommandError(
        'IllegalOperation',
        `${name} is not permitted in a $changeStream pipeline`,
      );
    }
  }
  return [...stages];
}

// Private: the stream delivers events strictly after the returned position.
function startPosition(history: ChangeHistory, options: ChangeStreamOptions): Position {
  const start = options.start;
  switch (start.kind) {
    case 'now': {
      const head = history.head;
      return head ? { seq: head.seq, ts: head.ts, step: Step.END } : { seq: history.headSeq, ts: history.floorTs, step: Step.END };
    }
    case 'resumeAfter':
    case 'startAfter':
      if (start.position.seq > history.headSeq) {
        throw new MongoCommandError('InvalidResumeToken', `resume token names seq ${start.position.seq}, newer than anything this store has committed (seq ${history.headSeq})`);
      }
      return start.position;
    case 'atOperationTime': {
      const seq = history.seqBefore(start.ts);
      if (seq === null) {
        throw new MongoCommandError('ChangeStreamHistoryLost', `startAtOperationTime ${start.ts.toString()} is older than the oldest change the store keeps`);
      }
      return { seq, ts: start.ts, step: Step.END };
    }
    default: {
      const never: never = start;
      throw new Error(`unknown start ${JSON.stringify(never)}`);
    }
  }
}
