/**
 * insert / update / delete: per-statement results with MongoDB's `writeErrors` (index, code, errmsg, plus
 * keyPattern / keyValue for duplicate keys). `ordered` (default true) stops at the first error; `ordered: false`
 * carries on. A command's statements are applied in slices of a few milliseconds, each slice one transaction that
 * other connections' writes may share (so a long command does not hold the store); the reply comes once every
 * applied statement is committed (durable with a data directory).
 */
import { calculateObjectSize, deserialize, type Document } from 'bson';
import { BSON_DECODE_OPTIONS, isPlainDocument, keyOf, SlicedWriteFailure, type Collection, type EntryKey, type WriteUnit } from '../engine';
import { MongoCommandError } from '../errors';
import { applyUpdate, evaluateVariables, prepareInsert, select, updateKind, upsertSeed, type Variables } from '../query';
import { ID_NOT_READ, leadingId, pickFields, startsWithId } from '../raw-bson';
import { MAX_BSON_OBJECT_SIZE, messageBytes } from '../wire';
import { checkHint, collectionName, optionalBoolean, requiredArray } from './args';
import type { CommandContext, CommandHandler } from './context';

interface WriteError {
  index: number;
  code: number;
  errmsg: string;
  [field: string]: unknown;
}

/**
 * Runs each statement, in slices (see Engine.writeSliced: other connections' commands run between them; each
 * statement is applied whole within one slice); a MongoCommandError becomes a writeError, anything else ends the
 * command's statements. Answers each applied statement's outcome by index, and the writeErrors. If a slice cannot
 * commit after earlier ones did, the statements from that slice on were not stored: each gets the failure as its
 * writeError (ordered: the first only, as the command stops there), and the outcomes before it stand.
 */
async function runStatements<T, R>(
  context: CommandContext,
  statements: readonly T[],
  ordered: boolean,
  run: (unit: WriteUnit, statement: T, index: number) => R,
  /** Called as each slice starts, before its first statement (state carried from an earlier slice may be stale:
   *  other connections' writes ran in between). */
  onSlice?: () => void,
): Promise<{ outcomes: (R | undefined)[]; writeErrors: WriteError[] }> {
  let writeErrors: WriteError[] = [];
  const outcomes: (R | undefined)[] = [];
  const sliceStarts: number[] = [];
  let next = 0;
  let stopped = false;
  try {
    await context.engine.writeSliced((unit, deadline) => {
      const first = next;
      sliceStarts.push(first);
      onSlice?.();
      while (next < statements.length && !stopped) {
        if (next > first && performance.now() >= deadline) return false;
        const i = next++;
        try {
          outcomes[i] = run(unit, statements[i]!, i);
        } catch (err) {
          // An unexpected failure still ends in a commit: statements already applied are committed and reported.
          const known = err instanceof MongoCommandError ? err : new MongoCommandError('InternalError', (err as Error).message ?? String(err));
          writeErrors.push({ index: i, code: known.code, errmsg: known.message, ...known.extra });
          if (ordered || known !== err) stopped = true;
        }
      }
      return true;
    });
  } catch (err) {
    if (!(err instanceof SlicedWriteFailure)) throw err;
    const failedFrom = sliceStarts[err.committedSlices] ?? statements.length;
    outcomes.length = Math.min(outcomes.length, failedFrom);
    writeErrors = writeErrors.filter((e) => e.index < failedFrom);
    const end = ordered ? Math.min(failedFrom + 1, statements.length) : statements.length;
    const { code, message } = err.failure;
    for (let i = failedFrom; i < end; i++) writeErrors.push({ index: i, code, errmsg: message, ...err.failure.extra });
  }
  return { outcomes, writeErrors };
}

function withErrors(reply: Document, writeErrors: WriteError[]): Document {
  return writeErrors.length > 0 ? { ...reply, writeErrors } : reply;
}

const insert: CommandHandler = async (command, context) => {
  const coll = collectionName(command, 'insert');
  const documents = requiredArray(command, 'insert', 'documents');
  const ordered = optionalBoolean(command, 'insert', 'ordered') ?? true;
  // Sizing every document costs as much as serializing it; only a message over 16 MB can hold an oversized one.
  const checkSizes = messageBytes(command) > MAX_BSON_OBJECT_SIZE;
  // Which of the next statements' ids are new, found for a few statements at a time in one ordered pass over the
  // `_id` index (Collection.absentIds) instead of one lookup per document; per slice, as other connections may
  // insert between slices. Once a pass gives up (the ids interleave with many stored ones, e.g. random ids), the
  // rest of the command looks up one by one.
  let pass: { from: number; to: number; absent: Map<number, EntryKey>; ids: unknown[] } | undefined;
  let passes = true;
  const { outcomes, writeErrors } = await runStatements(
    context,
    documents,
    ordered,
    (unit, raw, index): true => {
      // A document as it came over the wire (checked BSON) with its _id first is stored as those bytes, only its
      // `_id` is decoded (the collection reads its index keys from the bytes); any other document is decoded whole,
      // prepared and encoded.
      if (raw instanceof Uint8Array && startsWithId(raw)) {
        const collection = context.engine.collection(context.db, coll);
        const partial = { _id: pass && index >= pass.from && index < pass.to ? pass.ids[index - pass.from] : idOf(raw) };
        const doc = prepareInsert(partial, index);
        if (doc === partial) {
          if (checkSizes && raw.length > MAX_BSON_OBJECT_SIZE) throw tooLarge(raw.length);
          if (collection && passes && (!pass || index >= pass.to)) {
            const ids = idsAhead(documents, index);
            const found = collection.absentIds(ids);
            pass = { from: index, to: index + ids.length, absent: found.absent, ids };
            passes = found.complete;
          }
          unit.ensureCollection(context.db, coll);
          const absentIdKey = pass && index >= pass.from ? pass.absent.get(index - pass.from) : undefined;
          unit.apply({ kind: 'insert', db: context.db, coll, doc, bytes: raw }, absentIdKey ? { absentIdKey } : undefined);
          return true;
        }
      }
      const doc = prepareInsert(raw instanceof Uint8Array ? deserialize(raw, BSON_DECODE_OPTIONS) : raw, index);
      const size = checkSizes ? calculateObjectSize(doc) : 0;
      if (size > MAX_BSON_OBJECT_SIZE) throw tooLarge(size);
      unit.ensureCollection(context.db, coll);
      unit.apply({ kind: 'insert', db: context.db, coll, doc });
      return true;
    },
    () => {
      pass = undefined;
    },
  );
  let n = 0;
  for (const inserted of outcomes) if (inserted) n += 1;
  return withErrors({ n }, writeErrors);
};

const ID_ONLY: ReadonlySet<string> = new Set(['_id']);
/** Statements whose ids one pass over the `_id` index looks at. */
const ID_PASS = 32;

// Private: the `_id`s of statements `from`.. (at most ID_PASS), in statement order, up to the first statement that
// is not a document with `_id` first. Such a statement is stored after a lookup of its own; were later statements in
// the pass, one of them could carry the same `_id` and be stored unchecked after it.
function idsAhead(documents: readonly unknown[], from: number): unknown[] {
  const out: unknown[] = [];
  for (let i = from; i < Math.min(documents.length, from + ID_PASS); i++) {
    const raw = documents[i];
    if (!(raw instanceof Uint8Array && startsWithId(raw))) break;
    out.push(idOf(raw));
  }
  return out;
}

// Private: the `_id` of a checked document that starts with it: read from the bytes where leadingId can, else
// decoded.
function idOf(raw: Uint8Array): unknown {
  const id = leadingId(raw);
  return id === ID_NOT_READ ? deserialize(pickFields(raw, ID_ONLY), BSON_DECODE_OPTIONS)._id : id;
}

function tooLarge(size: number): MongoCommandError {
  return new MongoCommandError('BSONObjectTooLarge', `object to insert too large. size in bytes: ${size}, max size: ${MAX_BSON_OBJECT_SIZE}`);
}

interface UpdateStatement {
  q: Document;
  u: Document | Document[];
  multi: boolean;
  upsert: boolean;
  arrayFilters: Document[] | undefined;
  /** The command's `let` merged with the statement's `c`: what `$$name` refers to. */
  variables?: Variables;
  /** An index name or key pattern; must name an existing index (the store still picks its own plan). */
  hint?: unknown;
}

/**
 * The fields of an update statement MongoDB 7.0 (the version `hello` reports) knows. Anything else fails the whole
 * command as mongod's request parser does (40415), notably `sort`, which only MongoDB 8.0 accepts: ignoring it
 * would silently update a different document than the client asked for.
 */
const UPDATE_STATEMENT_FIELDS = new Set([
  'q', 'u', 'c', 'multi', 'upsert', 'arrayFilters', 'hint', 'collation', 'upsertSupplied', 'sampleId',
  '$_allowShardKeyUpdatesWithoutFullShardKeyInQuery',
]);
/** The fields of a delete statement MongoDB 7.0 knows. */
const DELETE_STATEMENT_FIELDS = new Set(['q', 'limit', 'hint', 'collation', 'sampleId']);

function rejectUnknownFields(raw: Document, path: string, known: ReadonlySet<string>): void {
  for (const field of Object.keys(raw)) {
    if (!known.has(field)) throw new MongoCommandError('Location40415', `BSON field '${path}.${field}' is an unknown field.`);
  }
}

function parseUpdateStatement(raw: unknown, commandVariables?: Variables): UpdateStatement {
  if (!isPlainDocument(raw)) throw new MongoCommandError('TypeMismatch', `each update statement must be an object, got ${typeof raw}`);
  rejectUnknownFields(raw, 'update.updates', UPDATE_STATEMENT_FIELDS);
  if (!isPlainDocument(raw.q)) throw new MongoCommandError('TypeMismatch', `BSON field 'update.updates.q' is the wrong type, expected type 'object'`);
  if (raw.u === undefined) throw new MongoCommandError('FailedToParse', `BSON field 'update.updates.u' is missing but a required field`);
  if (raw.collation !== undefined) throw new MongoCommandError('NotImplemented', 'collation is not supported by the embedded store');
  if (raw.c !== undefined && !Array.isArray(raw.u)) {
    throw new MongoCommandError('Location51198', 'Constant values may only be specified for pipeline updates');
  }
  return {
    q: raw.q,
    u: raw.u as Document | Document[],
    multi: raw.multi === true,
    upsert: raw.upsert === true,
    arrayFilters: Array.isArray(raw.arrayFilters) ? (raw.arrayFilters as Document[]) : undefined,
    variables: evaluateVariables(raw.c, 'update.updates.c', commandVariables),
    hint: raw.hint,
  };
}

export interface UpdateOutcome {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  /** The last document touched, before and after (for findAndModify, which passes its candidates; without
   *  candidates an update by `_id` may change its document in place, and then gives no `before`). */
  before?: Document;
  after?: Document;
}

/** Applies one update statement to the matching documents (or upserts); shared by update and findAndModify. */
export function applyUpdateStatement(
  context: CommandContext,
  unit: WriteUnit,
  collName: string,
  statement: UpdateStatement,
  candidates?: Document[],
): UpdateOutcome {
  const { db } = context;
  const kind = updateKind(statement.u);
  if (kind === 'replacement' && statement.multi) {
    throw new MongoCommandError('InvalidOptions', 'multi update is not supported for replacement-style update');
  }
  const coll: Collection | undefined = context.engine.collection(db, collName);
  const { variables } = statement;
  // A document read by its `_id` here is this statement's own decoded copy: its update may change it in place.
  const byId = candidates === undefined && coll ? matchById(coll, statement.q) : undefined;
  const matches = candidates ?? byId ?? select(coll, statement.q, statement.multi ? Infinity : 1, variables).docs;
  if (matches.length === 0) {
    if (!statement.upsert) return { matched: 0, modified: 0 };
    const seed = kind === 'replacement' ? pickId(upsertSeed(statement.q)) : upsertSeed(statement.q);
    const doc = prepareInsert(applyUpdate(seed, statement.u, kind, true, statement.arrayFilters, undefined, variables).doc, 0);
    unit.ensureCollection(db, collName);
    unit.apply({ kind: 'insert', db, coll: collName, doc });
    return { matched: 0, modified: 0, upsertedId: doc._id, after: doc };
  }
  let modified = 0;
  let last: { before?: Document; after: Document } | undefined;
  for (const before of matches) {
    const { doc: after, changed } = applyUpdate(before, statement.u, kind, false, statement.arrayFilters, statement.q, variables, byId !== undefined);
    // Changed in place: the engine reads the document as it was from its stored bytes (see ApplyHint.inPlace).
    const inPlace = after === before;
    last = inPlace ? { after } : { before, after };
    if (changed ? changed.length === 0 : keyOf(after) === keyOf(before)) continue;
    unit.apply({ kind: 'update', db, coll: collName, before, after, replace: kind === 'replacement' }, changed ? { changedPaths: changed, inPlace } : undefined);
    modified += 1;
  }
  return { matched: matches.length, modified, ...last };
}

// Private: the match of a filter that is only an equality on `_id` with a string or a finite number (an update by
// `_id`, as most are): the document read by its `_id` key, without planning the filter; undefined for any other
// filter (the general path). An `_id` matches at most one document, so `multi` changes nothing.
function matchById(coll: Collection, filter: Document): Document[] | undefined {
  let id: unknown;
  let fields = 0;
  for (const name in filter) {
    if (name !== '_id' || ++fields > 1) return undefined;
    id = filter[name];
  }
  if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) return undefined;
  const doc = coll.locateById(id);
  return doc ? [doc] : [];
}

// Private: a replacement upsert keeps only the filter's _id (MongoDB does not merge other query fields into it).
function pickId(seed: Document): Document {
  return seed._id === undefined ? {} : { _id: seed._id };
}

const update: CommandHandler = async (command, context) => {
  const coll = collectionName(command, 'update');
  // Statements are parsed up front: a malformed one fails the whole command, like mongod's request parsing.
  const variables = evaluateVariables(command.let, 'update.let');
  const statements = requiredArray(command, 'update', 'updates').map((raw) => parseUpdateStatement(raw, variables));
  const ordered = optionalBoolean(command, 'update', 'ordered') ?? true;
  const { outcomes, writeErrors } = await runStatements(context, statements, ordered, (unit, raw) => {
    checkStatementHint(raw.hint, context.engine.collection(context.db, coll));
    const { matched, modified, upsertedId } = applyUpdateStatement(context, unit, coll, raw);
    return { matched, modified, upsertedId };
  });
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  outcomes.forEach((outcome, index) => {
    if (!outcome) return;
    if (outcome.upsertedId !== undefined) {
      upserted.push({ index, _id: outcome.upsertedId });
      n += 1;
    } else {
      n += outcome.matched;
      nModified += outcome.modified;
    }
  });
  const reply: Document = { n, nModified };
  if (upserted.length > 0) reply.upserted = upserted;
  return withErrors(reply, writeErrors);
};

/** As mongod: a statement's hint must name an existing index of an existing collection (2 BadValue otherwise). */
function checkStatementHint(hint: unknown, collection: Collection | undefined): void {
  if (hint !== undefined && collection) checkHint({ hint }, collection);
}

function parseDeleteStatement(raw: unknown): { q: Document; limit: 0 | 1; hint?: unknown } {
  if (!isPlainDocument(raw) || !isPlainDocument(raw.q)) {
    throw new MongoCommandError('TypeMismatch', "each delete statement must be an object with an object 'q'");
  }
  rejectUnknownFields(raw, 'delete.deletes', DELETE_STATEMENT_FIELDS);
  if (raw.limit !== 0 && raw.limit !== 1) {
    throw new MongoCommandError('FailedToParse', `The limit field in delete objects must be 0 or 1. Got ${JSON.stringify(raw.limit)}`);
  }
  if (raw.collation !== undefined) throw new MongoCommandError('NotImplemented', 'collation is not supported by the embedded store');
  return { q: raw.q, limit: raw.limit, hint: raw.hint };
}

const del: CommandHandler = async (command, context) => {
  const coll = collectionName(command, 'delete');
  const variables = evaluateVariables(command.let, 'delete.let');
  const statements = requiredArray(command, 'delete', 'deletes').map(parseDeleteStatement);
  const ordered = optionalBoolean(command, 'delete', 'ordered') ?? true;
  const { outcomes, writeErrors } = await runStatements(context, statements, ordered, (unit, statement) => {
    checkStatementHint(statement.hint, context.engine.collection(context.db, coll));
    const { docs } = select(context.engine.collection(context.db, coll), statement.q, statement.limit === 1 ? 1 : Infinity, variables);
    for (const doc of docs) unit.apply({ kind: 'delete', db: context.db, coll, doc });
    return docs.length;
  });
  let n = 0;
  for (const deleted of outcomes) n += deleted ?? 0;
  return withErrors({ n }, writeErrors);
};

export const writeCommands: Record<string, CommandHandler> = { insert, update, delete: del };
export { parseUpdateStatement, type UpdateStatement };
