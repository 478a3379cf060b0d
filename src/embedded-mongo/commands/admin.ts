/** Namespace and index management: create, drop, dropDatabase, listCollections, listDatabases, the index commands,
 *  collStats and dbStats. */
import type { Document } from 'bson';
import { ID_INDEX_NAME, isPlainDocument, keyOf, type Collection } from '../engine';
import { MongoCommandError } from '../errors';
import { compileFilter } from '../query';
import { collectionName, optionalBoolean, optionalDocument, rejectUnsupported, requiredArray } from './args';
import type { CommandContext, CommandHandler } from './context';
import { parsePreAndPostImages } from './collections';
import { firstBatchReply } from './cursor-reply';

/** Index options stored and honoured; anything else in a spec is refused rather than ignored. */
const INDEX_OPTIONS = new Set(['key', 'name', 'unique', 'sparse', 'expireAfterSeconds', 'v', 'background', 'ns']);
/** Collection options that change behaviour and are not implemented. */
const UNSUPPORTED_CREATE_OPTIONS = ['capped', 'validator', 'timeseries', 'clusteredIndex', 'viewOn', 'collation'] as const;

function requireCollection(context: CommandContext, name: string): Collection {
  const coll = context.engine.collection(context.db, name);
  if (!coll) throw new MongoCommandError('NamespaceNotFound', `ns does not exist: ${context.db}.${name}`);
  return coll;
}

const create: CommandHandler = async (command, context) => {
  const coll = collectionName(command, 'create');
  rejectUnsupported(command, 'create', UNSUPPORTED_CREATE_OPTIONS);
  if (context.engine.collection(context.db, coll)) {
    throw new MongoCommandError('NamespaceExists', `Collection ${context.db}.${coll} already exists.`);
  }
  const options: Document = {};
  if (command.changeStreamPreAndPostImages !== undefined) {
    options.changeStreamPreAndPostImages = parsePreAndPostImages(command.changeStreamPreAndPostImages, 'create');
  }
  await context.engine.write((unit) => unit.apply({ kind: 'createCollection', db: context.db, coll, options }));
  return {};
};

/** MongoDB 7.0+: dropping a collection that does not exist succeeds. */
const drop: CommandHandler = async (command, context) => {
  const coll = collectionName(command, 'drop');
  const existing = context.engine.collection(context.db, coll);
  if (!existing) return { ns: `${context.db}.${coll}` };
  const nIndexesWas = existing.indexes.size + 1;
  await context.engine.write((unit) => unit.apply({ kind: 'dropCollection', db: context.db, coll }));
  return { ns: `${context.db}.${coll}`, nIndexesWas };
};

const dropDatabase: CommandHandler = async (_command, context) => {
  if (context.engine.collections(context.db).length > 0) {
    await context.engine.write((unit) => unit.apply({ kind: 'dropDatabase', db: context.db }));
  }
  return { dropped: context.db };
};

const listCollections: CommandHandler = (command, context) => {
  const filter = optionalDocument(command, 'listCollections', 'filter') ?? {};
  const nameOnly = optionalBoolean(command, 'listCollections', 'nameOnly') ?? false;
  const cursorOptions = optionalDocument(command, 'listCollections', 'cursor') ?? {};
  const test = compileFilter(filter);
  const docs = context.engine
    .collections(context.db)
    .map((c) => ({
      name: c.name,
      type: 'collection',
      options: c.options,
      info: { readOnly: false, uuid: c.uuid },
      idIndex: c.indexSpecs()[0],
    }))
    .filter(test)
    .map((d) => (nameOnly ? { name: d.name, type: d.type } : d));
  return firstBatchReply(context, `${context.db}.$cmd.listCollections`, docs, cursorOptions.batchSize as number | undefined);
};

const listDatabases: CommandHandler = (command, context) => {
  const nameOnly = optionalBoolean(command, 'listDatabases', 'nameOnly') ?? false;
  const test = compileFilter(optionalDocument(command, 'listDatabases', 'filter') ?? {});
  let totalSize = 0;
  const databases = context.engine
    .databaseNames()
    .map((name) => {
      const sizeOnDisk = context.engine.collections(name).reduce((n, c) => n + c.dataSize, 0);
      totalSize += sizeOnDisk;
      return { name, sizeOnDisk, empty: sizeOnDisk === 0 };
    })
    .filter(test)
    .map((d) => (nameOnly ? { name: d.name } : d));
  return nameOnly ? { databases } : { databases, totalSize, totalSizeMb: Math.floor(totalSize / 1048576) };
};

// Private: validates one createIndexes spec into what is stored.
function normalizeIndexSpec(raw: unknown): Document {
  if (!isPlainDocument(raw)) throw new MongoCommandError('TypeMismatch', `each index specification must be an object, got ${typeof raw}`);
  const key = raw.key;
  if (!isPlainDocument(key) || Object.keys(key).length === 0) {
    throw new MongoCommandError('CannotCreateIndex', `index spec 'key' must be a non-empty object, got ${JSON.stringify(key)}`);
  }
  for (const [field, dir] of Object.entries(key)) {
    if (dir !== 1 && dir !== -1) {
      throw new MongoCommandError('NotImplemented', `index type ${JSON.stringify(dir)} on '${field}' is not supported by the embedded store (only 1 and -1)`);
    }
  }
  if (typeof raw.name !== 'string' || raw.name.length === 0) {
    throw new MongoCommandError('CannotCreateIndex', `index spec 'name' must be a non-empty string, got ${JSON.stringify(raw.name)}`);
  }
  for (const option of Object.keys(raw)) {
    if (!INDEX_OPTIONS.has(option)) throw new MongoCommandError('NotImplemented', `index option '${option}' is not supported by the embedded store`);
  }
  const spec: Document = { v: 2, key, name: raw.name };
  if (raw.unique === true) spec.unique = true;
  if (raw.sparse === true) spec.sparse = true;
  if (raw.expireAfterSeconds !== undefined) {
    const seconds = raw.expireAfterSeconds;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
      throw new MongoCommandError('CannotCreateIndex', `TTL index 'expireAfterSeconds' option must be a non-negative integer, got ${JSON.stringify(seconds)}`);
    }
    if (Object.keys(key).length !== 1) {
      throw new MongoCommandError('CannotCreateIndex', "TTL index 'expireAfterSeconds' option is only supported on single-field indexes");
    }
    spec.expireAfterSeconds = seconds;
  }
  return spec;
}

function sameOptions(a: Document, b: Document): boolean {
  return !!a.unique === !!b.unique && !!a.sparse === !!b.sparse && a.expireAfterSeconds === b.expireAfterSeconds;
}

const createIndexes: CommandHandler = async (command, context) => {
  const coll = collectionName(command, 'createIndexes');
  const specs = requiredArray(command, 'createIndexes', 'indexes').map(normalizeIndexSpec);
  if (specs.length === 0) throw new MongoCommandError('BadValue', 'Must specify at least one index to create');
  const existing = context.engine.collection(context.db, coll);
  const numIndexesBefore = existing ? existing.indexes.size + existing.building.size + 1 : 1;
  const toCreate: Document[] = [];
  // Indexes of these specs being built (by another createIndexes, or resumed after a restart): buildIndexes waits
  // for their builds.
  const inProgress: Document[] = [];
  for (const spec of specs) {
    const current = existing?.allIndexSpecs() ?? [];
    const sameName = current.find((s) => s.name === spec.name);
    const sameKey = current.find((s) => keyOf(s.key) === keyOf(spec.key));
    if (sameName && (keyOf(sameName.key) !== keyOf(spec.key) || (sameName.name !== ID_INDEX_NAME && !sameOptions(sameName, spec)))) {
      throw new MongoCommandError(
        'IndexKeySpecsConflict',
        `An existing index has the same name as the requested index. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameName)}`,
      );
    }
    if (sameName) {
      if (existing?.building.has(spec.name as string)) inProgress.push(spec);
      continue;
    }
    if (sameKey) {
      throw new MongoCommandError('IndexOptionsConflict', `Index already exists with a different name: ${sameKey.name as string}`);
    }
    if (toCreate.some((s) => s.name === spec.name)) continue;
    toCreate.push(spec);
  }
  if (toCreate.length > 0 || inProgress.length > 0 || !existing) await context.engine.buildIndexes(context.db, coll, [...toCreate, ...inProgress]);
  const reply: Document = {
    numIndexesBefore,
    numIndexesAfter: numIndexesBefore + toCreate.length,
    createdCollectionAutomatically: !existing,
  };
  if (toCreate.length === 0) reply.note = 'all indexes already exist';
  return reply;
};

const listIndexes: CommandHandler = (command, context) => {
  const coll = collectionName(command, 'listIndexes');
  const collection = requireCollection(context, coll);
  const cursorOptions = optionalDocument(command, 'listIndexes', 'cursor') ?? {};
  return firstBatchReply(context, `${context.db}.${coll}`, collection.allIndexSpecs(), cursorOptions.batchSize as number | undefined);
};

const dropIndexes: CommandHandler = async (command, context) => {
  const coll = collectionName(command, 'dropIndexes');
  const collection = requireCollection(context, coll);
  const nIndexesWas = collection.indexes.size + collection.building.size + 1;
  const which = command.index;
  let names: string[];
  // Dropping an index being built aborts its build (its createIndexes answers 276 IndexBuildAborted), as in mongod.
  if (which === '*') names = [...collection.indexes.keys(), ...collection.building.keys()];
  else if (typeof which === 'string') names = [which];
  else if (Array.isArray(which)) names = which.map(String);
  else if (isPlainDocument(which)) {
    const match = collection.allIndexSpecs().find((s) => keyOf(s.key) === keyOf(which));
    if (!match) throw new MongoCommandError('IndexNotFound', `can't find index with key: ${JSON.stringify(which)}`);
    names = [match.name as string];
  } else {
    throw new MongoCommandError('TypeMismatch', `BSON field 'dropIndexes.index' must be a string, an array of strings or an object, got ${typeof which}`);
  }
  const check = (current: Collection): void => {
    for (const name of names) {
      if (name === ID_INDEX_NAME) throw new MongoCommandError('InvalidOptions', 'cannot drop _id index');
      if (!current.indexes.has(name) && !current.building.has(name)) throw new MongoCommandError('IndexNotFound', `index not found with name [${name}]`);
    }
  };
  check(collection);
  await context.engine.write((unit) => {
    // Checked again in the write: another dropIndexes queued in the same turn may have dropped it (27 then, as mongod).
    check(requireCollection(context, coll));
    for (const name of names) unit.apply({ kind: 'dropIndex', db: context.db, coll, name });
  });
  return { nIndexesWas };
};

const collStats: CommandHandler = (command, context) => {
  const coll = collectionName(command, 'collStats');
  const collection = requireCollection(context, coll);
  const size = collection.dataSize;
  const count = collection.count;
  return {
    ns: collection.ns,
    count,
    size,
    avgObjSize: count > 0 ? Math.round(size / count) : 0,
    storageSize: size,
    nindexes: collection.indexes.size + 1,
    indexDetails: {},
    indexSizes: Object.fromEntries(collection.indexSpecs().map((s) => [s.name as string, 0])),
    totalIndexSize: 0,
  };
};

const dbStats: CommandHandler = (_command, context) => {
  const colls = context.engine.collections(context.db);
  const objects = colls.reduce((n, c) => n + c.count, 0);
  const size = colls.reduce((n, c) => n + c.dataSize, 0);
  return {
    db: context.db,
    collections: colls.length,
    views: 0,
    objects,
    avgObjSize: objects > 0 ? size / objects : 0,
    dataSize: size,
    storageSize: size,
    indexes: colls.reduce((n, c) => n + c.indexes.size + 1, 0),
    indexSize: 0,
  };
};

export const adminCommands: Record<string, CommandHandler> = {
  create,
  drop,
  dropDatabase,
  listCollections,
  listDatabases,
  createIndexes,
  listIndexes,
  dropIndexes,
  deleteIndexes: dropIndexes,
  collStats,
  dbStats,
};
