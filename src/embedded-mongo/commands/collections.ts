/**
 * collMod and renameCollection, with MongoDB 7.0's answers.
 *
 * collMod changes a TTL index's `expireAfterSeconds` (or makes a single-field index a TTL index) and
 * `changeStreamPreAndPostImages`; options this store does not implement (validators, views, hidden / unique index
 * conversion, time series) answer 238 instead of being ignored.
 *
 * renameCollection moves a collection (within or across databases) in one write that renames it in the catalog
 * (documents, indexes, options and UUID stay; nothing is copied); `dropTarget` drops an existing target first.
 */
import type { Document } from 'bson';
import { ID_INDEX_NAME, isPlainDocument, keyOf, type Collection } from '../engine';
import { MongoCommandError } from '../errors';
import { bsonTypeName, collectionName, optionalBoolean } from './args';
import type { CommandHandler } from './context';

/** Fields any command may carry (sessions, concerns, API version, diagnostics): not collMod options. */
const GENERIC_FIELDS = new Set([
  '$db', 'lsid', 'txnNumber', '$clusterTime', '$readPreference', 'writeConcern', 'readConcern', 'comment', 'maxTimeMS',
  'apiVersion', 'apiStrict', 'apiDeprecationErrors', 'autocommit', 'startTransaction',
]);
/** collMod options MongoDB 7.0 has that this store does not implement. */
const UNSUPPORTED_COLLMOD_OPTIONS = new Set([
  'validator', 'validationLevel', 'validationAction', 'viewOn', 'pipeline', 'expireAfterSeconds', 'timeseries',
  'clusteredIndex', 'cappedSize', 'cappedMax', 'recordPreImages', 'dryRun',
]);

/** `changeStreamPreAndPostImages: { enabled: <bool> }`, checked like mongod's request parser does. */
export function parsePreAndPostImages(value: unknown, commandName: string): Document {
  const field = `${commandName}.changeStreamPreAndPostImages`;
  if (!isPlainDocument(value)) {
    throw new MongoCommandError('TypeMismatch', `BSON field '${field}' is the wrong type '${bsonTypeName(value)}', expected type 'object'`);
  }
  for (const key of Object.keys(value)) {
    if (key !== 'enabled') throw new MongoCommandError('Location40415', `BSON field '${field}.${key}' is an unknown field.`);
  }
  if (value.enabled === undefined) {
    throw new MongoCommandError('Location40414', `BSON field '${field}.enabled' is missing but a required field`);
  }
  if (typeof value.enabled !== 'boolean') {
    throw new MongoCommandError('TypeMismatch', `BSON field '${field}.enabled' is the wrong type '${bsonTypeName(value.enabled)}', expected type 'bool'`);
  }
  return { enabled: value.enabled };
}

// Private: the index collMod's `index` option names (by keyPattern or name), and its new expireAfterSeconds.
function parseIndexChange(value: unknown, coll: Collection): { spec: Document; expireAfterSeconds: number | undefined } {
  if (!isPlainDocument(value)) {
    throw new MongoCommandError('TypeMismatch', `BSON field 'collMod.index' is the wrong type '${bsonTypeName(value)}', expected type 'object'`);
  }
  for (const key of Object.keys(value)) {
    if (key === 'hidden' || key === 'unique' || key === 'prepareUnique') {
      throw new MongoCommandError('NotImplemented', `collMod index option '${key}' is not supported by the embedded store`);
    }
    if (key !== 'keyPattern' && key !== 'name' && key !== 'expireAfterSeconds') {
      throw new MongoCommandError('Location40415', `BSON field 'collMod.index.${key}' is an unknown field.`);
    }
  }
  const { keyPattern, name } = value;
  if ((keyPattern === undefined) === (name === undefined)) {
    throw new MongoCommandError('InvalidOptions', 'Must specify either index name or key pattern, but not both');
  }
  const specs = coll.indexSpecs();
  const spec = name !== undefined ? specs.find((s) => s.name === name) : specs.find((s) => keyOf(s.key) === keyOf(keyPattern));
  if (!spec) {
    const which = name !== undefined ? `name ${String(name)}` : `key pattern ${JSON.stringify(keyPattern)}`;
    throw new MongoCommandError('IndexNotFound', `cannot find index ${which} for ns ${coll.ns}`);
  }
  const seconds = value.expireAfterSeconds;
  if (seconds === undefined) return { spec, expireAfterSeconds: undefined };
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
    throw new MongoCommandError('InvalidOptions', `TTL index 'expireAfterSeconds' option must be a non-negative integer, got ${JSON.stringify(seconds)}`);
  }
  if (spec.name === ID_INDEX_NAME) throw new MongoCommandError('InvalidOptions', "The field 'expireAfterSeconds' is not valid for an _id index specification.");
  if (Object.keys(spec.key as Document).length !== 1) {
    throw new MongoCommandError('InvalidOptions', "TTL index 'expireAfterSeconds' option is only supported on single-field indexes");
  }
  return { spec, expireAfterSeconds: seconds };
}

const collMod: CommandHandler = async (command, context) => {
  const name = collectionName(command, 'collMod');
  for (const field of Object.keys(command).slice(1)) {
    if (GENERIC_FIELDS.has(field) || field === 'index' || field === 'changeStreamPreAndPostImages') continue;
    if (UNSUPPORTED_COLLMOD_OPTIONS.has(field)) throw new MongoCommandError('NotImplemented', `collMod option '${field}' is not supported by the embedded store`);
    throw new MongoCommandError('Location40415', `BSON field 'collMod.${field}' is an unknown field.`);
  }
  const coll = context.engine.collection(context.db, name);
  if (!coll) throw new MongoCommandError('NamespaceNotFound', `ns does not exist: ${context.db}.${name}`);
  const index = command.index !== undefined ? parseIndexChange(command.index, coll) : undefined;
  const images = command.changeStreamPreAndPostImages !== undefined ? parsePreAndPostImages(command.changeStreamPreAndPostImages, 'collMod') : undefined;
  const reply: Document = {};
  await context.engine.write((unit) => {
    if (index && index.expireAfterSeconds !== undefined && index.spec.expireAfterSeconds !== index.expireAfterSeconds) {
      const old = index.spec.expireAfterSeconds as number | undefined;
      unit.apply({ kind: 'modifyIndex', db: context.db, coll: name, name: index.spec.name as string, expireAfterSeconds: index.expireAfterSeconds });
      if (old !== undefined) reply.expireAfterSeconds_old = old;
      reply.expireAfterSeconds_new = index.expireAfterSeconds;
    }
    if (images) {
      const options = { ...coll.options, changeStreamPreAndPostImages: images };
      unit.apply({ kind: 'modifyCollection', db: context.db, coll: name, options, changes: { changeStreamPreAndPostImages: images } });
    }
  });
  return reply;
};

// Private: "db.coll" split at the first dot, checked as mongod checks a namespace.
function parseNamespace(value: unknown, which: 'source' | 'target'): { db: string; coll: string } {
  const field = which === 'source' ? 'renameCollection' : 'to';
  if (typeof value !== 'string') {
    throw new MongoCommandError('TypeMismatch', `BSON field 'renameCollection.${field}' is the wrong type '${bsonTypeName(value)}', expected type 'string'`);
  }
  const dot = value.indexOf('.');
  const db = dot > 0 ? value.slice(0, dot) : '';
  const coll = dot > 0 ? value.slice(dot + 1) : '';
  if (!/^[^/\\. "$\0]{1,63}$/.test(db) || coll.length === 0 || coll.includes('\0') || coll.includes('$') || coll.startsWith('system.')) {
    throw new MongoCommandError('InvalidNamespace', `Invalid ${which} namespace: ${value}`);
  }
  return { db, coll };
}

const renameCollection: CommandHandler = async (command, context) => {
  if (context.db !== 'admin') {
    throw new MongoCommandError('Unauthorized', 'renameCollection may only be run against the admin database.');
  }
  const from = parseNamespace(command.renameCollection, 'source');
  const to = parseNamespace(command.to, 'target');
  const dropTarget = optionalBoolean(command, 'renameCollection', 'dropTarget') ?? false;
  if (from.db === to.db && from.coll === to.coll) throw new MongoCommandError('IllegalOperation', "Can't rename a collection to itself");
  const source = context.engine.collection(from.db, from.coll);
  if (!source) throw new MongoCommandError('NamespaceNotFound', `Source collection ${from.db}.${from.coll} does not exist`);
  const target = context.engine.collection(to.db, to.coll);
  if (target && !dropTarget) throw new MongoCommandError('NamespaceExists', 'target namespace exists');
  await context.engine.write((unit) => {
    if (target) unit.apply({ kind: 'dropCollection', db: to.db, coll: to.coll });
    unit.apply({ kind: 'renameCollection', db: from.db, coll: from.coll, toDb: to.db, toColl: to.coll });
  });
  return {};
};

export const collectionCommands: Record<string, CommandHandler> = { collMod, renameCollection };
