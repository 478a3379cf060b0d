/** find, getMore, killCursors, count, distinct, and explain of find / count. */
import { deserialize, Long, type Document } from 'bson';
import { BSON_DECODE_OPTIONS, keyOf, valuesAtPath } from '../engine';
import { excludeFields, pickFields, RawDocuments, topLevelExclusion, topLevelInclusion } from '../raw-bson';
import { MongoCommandError } from '../errors';
import { QueryCursor } from '../cursors';
import { evaluateVariables, project, select, selectLazily, selectRawLazily, sortDocs, type Selection } from '../query';
import { checkHint, collectionName, cursorId, nonNegative, optionalBoolean, optionalDocument, optionalNumber, rejectUnsupported } from './args';
import type { CommandContext, CommandHandler } from './context';
import { firstBatchReply, queryCursorReply } from './cursor-reply';
import { SERVER_VERSION } from './handshake';

/** find options that change results and are not implemented here (answered with NotImplemented). */
const UNSUPPORTED_FIND_OPTIONS = ['min', 'max', 'returnKey', 'showRecordId', 'tailable', 'collation'] as const;

interface FindPlan {
  selection: Selection;
  docs: Document[];
}

function runFind(command: Document, context: CommandContext): FindPlan {
  const coll = collectionName(command, 'find');
  rejectUnsupported(command, 'find', UNSUPPORTED_FIND_OPTIONS);
  const filter = optionalDocument(command, 'find', 'filter') ?? {};
  const sort = optionalDocument(command, 'find', 'sort');
  const projection = optionalDocument(command, 'find', 'projection');
  const skip = nonNegative(command, 'find', 'skip') ?? 0;
  const rawLimit = optionalNumber(command, 'find', 'limit') ?? 0;
  const limit = Math.abs(rawLimit);
  const collection = context.engine.collection(context.db, coll);
  checkHint(command, collection);
  // Without a sort, or with one the plan gives, stop reading as soon as skip + limit documents matched.
  const variables = evaluateVariables(command.let, 'find.let');
  const selection = select(collection, filter, limit > 0 ? skip + limit : Infinity, variables, sort);
  let docs = sortDocs(selection.docs, sort);
  if (skip > 0 || limit > 0) docs = docs.slice(skip, limit > 0 ? skip + limit : undefined);
  return { selection, docs: project(docs, projection, variables) };
}

/**
 * A find whose order the collection's plan gives (no sort, or a sort an index supplies) as a cursor that reads
 * lazily, batch by batch: skip and limit are applied as documents stream, the projection per batch. Undefined
 * when the result must be sorted in memory (or the collection does not exist): `runFind` then materializes it.
 */
function streamFind(command: Document, context: CommandContext): QueryCursor | undefined {
  const coll = collectionName(command, 'find');
  rejectUnsupported(command, 'find', UNSUPPORTED_FIND_OPTIONS);
  const filter = optionalDocument(command, 'find', 'filter') ?? {};
  const sort = optionalDocument(command, 'find', 'sort');
  const projection = optionalDocument(command, 'find', 'projection');
  const skip = nonNegative(command, 'find', 'skip') ?? 0;
  const limit = Math.abs(optionalNumber(command, 'find', 'limit') ?? 0);
  const collection = context.engine.collection(context.db, coll);
  if (!collection) return undefined;
  checkHint(command, collection);
  sortDocs([], sort); // validates the sort spec
  const variables = evaluateVariables(command.let, 'find.let');
  // A projection applied to the bytes makes each document a copy of its own as it is read, so the documents are
  // read without one (valid only until the next read).
  const copying = copyingProjection(projection);
  const source = copying ? selectRawLazily(collection, filter, sort, variables, true) : selectRawLazily(collection, filter, sort, variables);
  if (!source) return undefined;
  const limited = (function* (): Generator<Uint8Array> {
    let skipped = 0;
    let returned = 0;
    for (let next = source.next(); !next.done; next = source.next()) {
      if (skipped < skip) {
        skipped += 1;
        continue;
      }
      if (limit > 0 && returned >= limit) return;
      returned += 1;
      yield copying ? copying(next.value) : next.value;
    }
  })();
  return new QueryCursor(context.cursors.newId(), `${context.db}.${coll}`, limited, copying ? (docs) => new RawDocuments(docs) : rawShape(projection, variables));
}

/** A top-level exclusion or inclusion projection as a copy of the projected bytes (a copy even when nothing is
 *  left out); undefined for no projection or any other. */
function copyingProjection(projection: Document | undefined): ((doc: Uint8Array) => Uint8Array) | undefined {
  if (!projection || Object.keys(projection).length === 0) return undefined;
  const excluded = topLevelExclusion(projection);
  const kept = excluded ? undefined : topLevelInclusion(projection);
  if (!excluded && !kept) return undefined;
  return (doc) => {
    const out = excluded ? excludeFields(doc, excluded) : pickFields(doc, kept!);
    // A transient read's buffer may be longer than its document (`length` says the document's size).
    return out === doc ? Buffer.from(doc.subarray(0, doc.length)) : out;
  };
}

/** How a streamed find's batch is sent when no projection applies to its bytes (see copyingProjection): its stored
 *  bytes when there is no projection, else decoded and projected. */
function rawShape(projection: Document | undefined, variables: Readonly<Document> | undefined): (docs: Uint8Array[]) => Document[] | RawDocuments {
  if (!projection || Object.keys(projection).length === 0) return (docs) => new RawDocuments(docs);
  return (docs) => project(docs.map((d) => deserialize(d, BSON_DECODE_OPTIONS)), projection, variables);
}

const find: CommandHandler = (command, context) => {
  const coll = collectionName(command, 'find');
  const batchSize = nonNegative(command, 'find', 'batchSize');
  const rawLimit = optionalNumber(command, 'find', 'limit') ?? 0;
  const singleBatch = (optionalBoolean(command, 'find', 'singleBatch') ?? false) || rawLimit < 0;
  const noCursorTimeout = optionalBoolean(command, 'find', 'noCursorTimeout') ?? false;
  const streamed = streamFind(command, context);
  if (streamed) return queryCursorReply(context, streamed, batchSize, singleBatch, noCursorTimeout);
  const { docs } = runFind(command, context);
  return firstBatchReply(context, `${context.db}.${coll}`, docs, batchSize, singleBatch, noCursorTimeout);
};

const getMore: CommandHandler = async (command, context) => {
  const id = cursorId(command, 'getMore', 'getMore');
  const coll = collectionName({ collection: command.collection }, 'collection');
  const batchSize = nonNegative(command, 'getMore', 'batchSize');
  const maxTimeMS = nonNegative(command, 'getMore', 'maxTimeMS');
  const cursor = context.cursors.get(id);
  if (!cursor) throw new MongoCommandError('CursorNotFound', `cursor id ${id} not found`);
  const ns = `${context.db}.${coll}`;
  if (cursor.ns !== ns && !cursor.ns.startsWith(`${context.db}.$cmd`)) {
    throw new MongoCommandError('Unauthorized', `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`);
  }
  const result = await context.cursors.getMore(cursor, batchSize, maxTimeMS);
  return { cursor: { nextBatch: result.batch, id: Long.fromBigInt(result.exhausted ? 0n : id), ns: cursor.ns, ...result.extra } };
};

const killCursors: CommandHandler = (command, context) => {
  collectionName(command, 'killCursors');
  const ids = command.cursors;
  if (!Array.isArray(ids)) throw new MongoCommandError('TypeMismatch', `BSON field 'killCursors.cursors' must be an array of cursor ids`);
  const cursorsKilled: Long[] = [];
  const cursorsNotFound: Long[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = cursorId(ids, 'killCursors', String(i));
    (context.cursors.kill(id) ? cursorsKilled : cursorsNotFound).push(Long.fromBigInt(id));
  }
  return { cursorsKilled, cursorsNotFound, cursorsAlive: [], cursorsUnknown: [] };
};

const count: CommandHandler = (command, context) => {
  const coll = collectionName(command, 'count');
  rejectUnsupported(command, 'count', ['collation']);
  const query = optionalDocument(command, 'count', 'query') ?? {};
  const skip = nonNegative(command, 'count', 'skip') ?? 0;
  const limit = Math.abs(optionalNumber(command, 'count', 'limit') ?? 0);
  const collection = context.engine.collection(context.db, coll);
  checkHint(command, collection);
  let n: number;
  if (Object.keys(query).length === 0) n = collection?.count ?? 0;
  else if (collection) {
    // Counted as they stream: matches are never held together.
    n = 0;
    const matches = selectLazily(collection, query, undefined)!;
    for (let next = matches.next(); !next.done; next = matches.next()) n += 1;
  } else n = 0;
  n = Math.max(0, n - skip);
  if (limit > 0) n = Math.min(n, limit);
  return { n };
};

const distinct: CommandHandler = (command, context) => {
  const coll = collectionName(command, 'distinct');
  rejectUnsupported(command, 'distinct', ['collation']);
  const key = command.key;
  if (typeof key !== 'string') throw new MongoCommandError('TypeMismatch', `BSON field 'distinct.key' is the wrong type, expected type 'string'`);
  const query = optionalDocument(command, 'distinct', 'query') ?? {};
  const seen = new Map<string, unknown>();
  for (const doc of select(context.engine.collection(context.db, coll), query).docs) {
    for (const v of valuesAtPath(doc, key)) if (v !== undefined && !seen.has(keyOf(v))) seen.set(keyOf(v), v);
  }
  return { values: [...seen.values()] };
};

/**
 * explain for find and count, in MongoDB's executionStats shape (queryPlanner.winningPlan, executionStats with
 * nReturned / totalDocsExamined / totalKeysExamined): how a client can see that an indexed lookup did not scan.
 */
const explain: CommandHandler = (command, context) => {
  const inner = command.explain;
  if (inner === null || typeof inner !== 'object') throw new MongoCommandError('TypeMismatch', "BSON field 'explain.explain' must be an object");
  const name = Object.keys(inner)[0];
  if (name !== 'find' && name !== 'count') {
    throw new MongoCommandError('NotImplemented', `explain of '${name}' is not supported by the embedded store (find and count are)`);
  }
  const innerCommand = inner as Document;
  const coll = collectionName(innerCommand, name);
  const { selection, docs } =
    name === 'find'
      ? runFind(innerCommand, context)
      : (() => {
          const s = select(context.engine.collection(context.db, coll), optionalDocument(innerCommand, 'count', 'query') ?? {});
          return { selection: s, docs: s.docs };
        })();
  const { stage, indexName, keysExamined } = selection.plan;
  const inputStage = stage === 'COLLSCAN' ? { stage } : { stage, indexName, keyPattern: indexName === '_id_' ? { _id: 1 } : undefined };
  const winningPlan = stage === 'COLLSCAN' ? inputStage : { stage: 'FETCH', inputStage };
  return {
    queryPlanner: { namespace: `${context.db}.${coll}`, parsedQuery: innerCommand.filter ?? innerCommand.query ?? {}, winningPlan, rejectedPlans: [] },
    executionStats: {
      executionSuccess: true,
      nReturned: docs.length,
      totalKeysExamined: keysExamined,
      totalDocsExamined: selection.docsExamined,
      executionStages: winningPlan,
    },
    serverInfo: { host: context.server.address, version: SERVER_VERSION },
  };
};

export const readCommands: Record<string, CommandHandler> = { find, getMore, killCursors, count, distinct, explain };
