/**
 * Update documents (operator style, replacement, or pipeline) applied to a copy of a stored document, with
 * MongoDB's checks that mingo does not make itself (immutable `_id`, numeric `$inc`, array `$push`, ...).
 */
import { ObjectId, type Document } from 'bson';
import { update as mingoUpdate, aggregate as mingoAggregate } from 'mingo';
import { cloneDocument, getPath, isPlainDocument, keyOf } from '../engine';
import { MongoCommandError } from '../errors';
import { applyOperatorsDirectly } from './fast-update';
import { MINGO_OPTIONS } from './filter';
import { unknownModifier, withMingo } from './mingo-errors';

/** Update operators this store applies (MongoDB's field update and array update operators). */
const SUPPORTED_MODIFIERS = new Set([
  '$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$currentDate', '$setOnInsert',
  '$push', '$addToSet', '$pull', '$pullAll', '$pop', '$bit',
]);
const NUMERIC_MODIFIERS = new Set(['$inc', '$mul']);
const ARRAY_MODIFIERS = new Set(['$push', '$addToSet', '$pull', '$pullAll', '$pop']);
/** Stages allowed in a pipeline-style update (MongoDB's list). */
const UPDATE_PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

export type UpdateKind = 'operators' | 'replacement' | 'pipeline';

/** Classifies and validates an update document once, before any document is touched. */
export function updateKind(update: unknown): UpdateKind {
  if (Array.isArray(update)) {
    for (const stage of update) {
      const name = isPlainDocument(stage) ? Object.keys(stage)[0] : undefined;
      if (!name || !UPDATE_PIPELINE_STAGES.has(name)) {
        throw new MongoCommandError('InvalidOptions', `${name ?? 'a non-object'} is not allowed to be used within an update`);
      }
    }
    return 'pipeline';
  }
  if (!isPlainDocument(update)) {
    throw new MongoCommandError('FailedToParse', `Update argument must be either an object or an array, got ${typeof update}`);
  }
  const keys = Object.keys(update);
  if (keys.length === 0 || !keys[0]!.startsWith('$')) {
    const bad = keys.find((k) => k.startsWith('$'));
    if (bad) throw unknownModifier(bad);
    return 'replacement';
  }
  for (const k of keys) {
    if (!SUPPORTED_MODIFIERS.has(k)) throw unknownModifier(k);
    if (!isPlainDocument(update[k])) {
      throw new MongoCommandError(
        'FailedToParse',
        `Modifiers operate on fields but we found type ${Array.isArray(update[k]) ? 'array' : typeof update[k]} instead. For example: {$mod: {<field>: ...}} not {${k}: ${JSON.stringify(update[k])}}`,
      );
    }
  }
  return 'operators';
}

/** An update's outcome: the new document, and the paths that changed when the update knows them. */
export interface UpdateOutcomeDoc {
  readonly doc: Document;
  /** Paths (as the update named them) whose value changed; undefined when not known (compare the documents). */
  readonly changed?: readonly string[];
}

/**
 * The document after applying `update` to `before`, and the paths that changed when the operators were applied
 * directly (fast-update.ts) or, for a pipeline, the top-level fields that changed when none moved. `inserting` is
 * true for an upsert's new document, where `$setOnInsert` applies. `filter` is the statement's query, which the
 * positional `$` refers to. `variables` are what `$$name` refers to in a pipeline update (the command's `let` and
 * the statement's `c`). `before` is not mutated, unless `inPlace` (the caller's own copy, which it no longer
 * needs as it was): then operators applied directly change it, and the result is `before` itself.
 */
export function applyUpdate(
  before: Document,
  update: Document | Document[],
  kind: UpdateKind,
  inserting: boolean,
  arrayFilters?: Document[],
  filter?: Document,
  variables?: Readonly<Document>,
  inPlace = false,
): UpdateOutcomeDoc {
  let after: Document;
  let changed: readonly string[] | undefined;
  switch (kind) {
    case 'replacement': {
      const replacement = update as Document;
      after = { _id: before._id, ...cloneDocument(replacement) };
      if (replacement._id !== undefined) after._id = replacement._id;
      break;
    }
    case 'pipeline': {
      const options = variables ? { ...MINGO_OPTIONS, variables } : MINGO_OPTIONS;
      const out = withMingo(() => mingoAggregate([cloneDocument(before)], update as Document[], options));
      after = out[0] as Document;
      // MongoDB keeps the original _id when the pipeline's result has none (e.g. after $replaceRoot / $project).
      if (after._id === undefined && before._id !== undefined) after = { _id: before._id, ...after };
      break;
    }
    case 'operators': {
      // The direct path declines every case MongoDB's operand checks would refuse (a non-numeric $inc operand or
      // target, a non-array $addToSet target, a path through a scalar or an array), so they run only without it.
      const direct = arrayFilters === undefined ? applyOperatorsDirectly(before, update as Document, inserting, inPlace) : undefined;
      if (direct) {
        after = direct.doc;
        changed = direct.changed;
        break;
      }
      const modifier: Document = { ...(update as Document) };
      let onInsert = modifier.$setOnInsert as Document | undefined;
      delete modifier.$setOnInsert;
      checkOperands(before, modifier);
      after = cloneDocument(before);
      // One mingo call instead of two (each builds its operator context afresh, the bulk of an upsert's cost):
      // when no $setOnInsert path overlaps a path of the other operators, setting them together is the same as
      // setting them afterwards.
      if (inserting && onInsert && Object.keys(onInsert).length > 0 && disjointPaths(onInsert, modifier)) {
        modifier.$set = modifier.$set === undefined ? onInsert : { ...(modifier.$set as Document), ...onInsert };
        onInsert = undefined;
      }
      if (Object.keys(modifier).length > 0) {
        withMingo(() => mingoUpdate(after, modifier, arrayFilters, inserting ? undefined : filter, { cloneMode: 'deep', queryOptions: MINGO_OPTIONS }));
      }
      if (inserting && onInsert && Object.keys(onInsert).length > 0) {
        withMingo(() => mingoUpdate(after, { $set: onInsert }, undefined, undefined, { cloneMode: 'deep', queryOptions: MINGO_OPTIONS }));
      }
      break;
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown update kind ${String(never)}`);
    }
  }
  if (before._id !== undefined && keyOf(after._id) !== keyOf(before._id)) {
    throw new MongoCommandError(
      'ImmutableField',
      kind === 'replacement'
        ? `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${JSON.stringify(after._id)}`
        : "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  }
  const doc = idFirst(after);
  // A pipeline's changes are found field by field, so that only the indexes on those fields are maintained.
  return { doc, changed: kind === 'pipeline' ? changedFields(before, doc) : changed };
}

/**
 * The top-level fields whose value differs between `before` and `after` (compared by `keyOf`, as the whole
 * documents are), added or removed; undefined when a field kept moved (the caller then compares the documents).
 */
function changedFields(before: Document, after: Document): string[] | undefined {
  const changed: string[] = [];
  const afterKeys = Object.keys(after);
  let i = 0;
  for (const k of Object.keys(before)) {
    if (!Object.prototype.hasOwnProperty.call(after, k)) {
      changed.push(k);
      continue;
    }
    if (afterKeys[i] !== k) return undefined;
    i += 1;
    const was = before[k];
    const is = after[k];
    if (was !== is && keyOf(was) !== keyOf(is)) changed.push(k);
  }
  for (; i < afterKeys.length; i++) {
    const k = afterKeys[i]!;
    if (Object.prototype.hasOwnProperty.call(before, k)) return undefined;
    changed.push(k);
  }
  return changed;
}

/** The document an upsert starts from: the filter's equality fields (MongoDB: "query fields become the doc"). */
export function upsertSeed(filter: Document): Document {
  const seed: Document = {};
  const sets: Document = {};
  collectEqualities(filter, sets);
  // mingo refuses `$set` on _id (immutable), but an upsert seed must take the filter's _id: set it directly.
  if (sets._id !== undefined) {
    seed._id = sets._id;
    delete sets._id;
  }
  if (Object.keys(sets).length > 0) withMingo(() => mingoUpdate(seed, { $set: sets }, undefined, undefined, { cloneMode: 'deep' }));
  return seed;
}

/** A new document as stored: `_id` generated if missing and always the first field. */
export function prepareInsert(doc: unknown, index: number): Document {
  if (!isPlainDocument(doc)) throw new MongoCommandError('TypeMismatch', `document ${index} to insert must be an object, got ${typeof doc}`);
  if (Array.isArray(doc._id)) throw new MongoCommandError('BadValue', "can't use an array for _id");
  if (doc._id instanceof RegExp) throw new MongoCommandError('BadValue', "can't use a regex for _id");
  if (isPlainDocument(doc._id)) {
    const dollar = Object.keys(doc._id).find((k) => k.startsWith('$'));
    if (dollar !== undefined) {
      throw new MongoCommandError('DollarPrefixedFieldName', `_id fields may not contain '$'-prefixed fields: ${dollar} is not valid for storage.`);
    }
  }
  if (doc._id === undefined) return { _id: new ObjectId(), ...doc };
  return idFirst(doc);
}

function idFirst(doc: Document): Document {
  const keys = Object.keys(doc);
  if (keys[0] === '_id' || !('_id' in doc)) return doc;
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}

// Private: equality fields (plain values and $eq, through $and) of an upsert filter.
function collectEqualities(filter: Document, out: Document): void {
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' && Array.isArray(v)) {
      for (const sub of v) if (isPlainDocument(sub)) collectEqualities(sub, out);
      continue;
    }
    if (k.startsWith('$')) continue;
    if (isPlainDocument(v) && Object.keys(v)[0]?.startsWith('$')) {
      if ('$eq' in v) out[k] = cloneDocument(v.$eq);
      continue;
    }
    out[k] = cloneDocument(v);
  }
}

// Private: true when no path of `onInsert` equals, contains or lies inside a path of any operator in `modifier`
// (and none is positional), so applying them in one update cannot differ from applying them one after another.
function disjointPaths(onInsert: Document, modifier: Document): boolean {
  const paths = Object.keys(onInsert);
  if (paths.some((p) => p.includes('$')) || modifier.$rename !== undefined) return false;
  for (const fields of Object.values(modifier)) {
    for (const other of Object.keys(fields as Document)) {
      for (const p of paths) {
        if (p === other || other.startsWith(`${p}.`) || p.startsWith(`${other}.`) || other.includes('$')) return false;
      }
    }
  }
  return true;
}

/** Operators that create the fields on their path when missing (so the path must be able to hold them). */
const CREATING_MODIFIERS = new Set(['$set', '$inc', '$mul', '$min', '$max', '$currentDate', '$push', '$addToSet', '$bit']);

// Private: MongoDB's operand checks for arithmetic and array modifiers, which mingo would otherwise coerce, and its
// check that a field can be created where a path leads.
function checkOperands(doc: Document, modifier: Document): void {
  for (const [op, fields] of Object.entries(modifier)) {
    for (const [path, operand] of Object.entries(fields as Document)) {
      if (path.includes('$')) continue; // positional paths: mingo resolves them
      if (CREATING_MODIFIERS.has(op) && path.includes('.')) checkViable(doc, path);
      const current = getPath(doc, path);
      if (NUMERIC_MODIFIERS.has(op)) {
        if (!isNumeric(operand)) {
          throw new MongoCommandError('TypeMismatch', `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${JSON.stringify(operand)}}`);
        }
        if (current !== undefined && !isNumeric(current)) {
          throw new MongoCommandError(
            'TypeMismatch',
            `Cannot apply ${op} to a value of non-numeric type. {_id: ${JSON.stringify(doc._id)}} has the field '${path}' of non-numeric type ${typeof current}`,
          );
        }
      }
      if (ARRAY_MODIFIERS.has(op) && current !== undefined && current !== null && !Array.isArray(current)) {
        throw new MongoCommandError('BadValue', `The field '${path}' must be an array but is of type ${typeof current} in document {_id: ${JSON.stringify(doc._id)}}`);
      }
    }
  }
}

// Private: a path whose parent is a scalar (or null), or an array reached by a non-numeric name, cannot get its
// field: MongoDB refuses the update with PathNotViable (28).
function checkViable(doc: Document, path: string): void {
  const parts = path.split('.');
  let node: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    const child: unknown = Array.isArray(node) ? (/^[0-9]+$/.test(part) ? node[Number(part)] : undefined) : (node as Document)[part];
    if (child === undefined) return;
    const next = parts[i + 1]!;
    if (isPlainDocument(child) || (Array.isArray(child) && /^[0-9]+$/.test(next))) {
      node = child;
      continue;
    }
    throw new MongoCommandError('PathNotViable', `Cannot create field '${next}' in element {${part}: ${describe(child)}}`);
  }
}

function describe(v: unknown): string {
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  return JSON.stringify(v) ?? String(v);
}

function isNumeric(v: unknown): boolean {
  if (typeof v === 'number' || typeof v === 'bigint') return true;
  const t = (v as { _bsontype?: string } | null)?._bsontype;
  return t === 'Long' || t === 'Int32' || t === 'Double' || t === 'Decimal128';
}
