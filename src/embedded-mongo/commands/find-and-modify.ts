/** findAndModify: one document, chosen by query + sort, updated / replaced / upserted / removed atomically. */
import type { Document } from 'bson';
import { MongoCommandError } from '../errors';
import { evaluateVariables, project, select, sortDocs } from '../query';
import { checkHint, collectionName, optionalBoolean, optionalDocument } from './args';
import type { CommandHandler } from './context';
import { applyUpdateStatement } from './write';

const findAndModify: CommandHandler = async (command, context) => {
  const name = Object.keys(command)[0]!;
  const coll = collectionName(command, name);
  const query = optionalDocument(command, name, 'query') ?? {};
  const sort = optionalDocument(command, name, 'sort');
  const fields = optionalDocument(command, name, 'fields');
  const remove = optionalBoolean(command, name, 'remove') ?? false;
  const returnNew = optionalBoolean(command, name, 'new') ?? false;
  const upsert = optionalBoolean(command, name, 'upsert') ?? false;
  const update = command.update as Document | Document[] | undefined;
  if (remove && update !== undefined) throw new MongoCommandError('FailedToParse', 'Cannot specify both an update and remove=true');
  if (!remove && update === undefined) throw new MongoCommandError('FailedToParse', 'Either an update or remove=true must be specified');
  if (remove && (upsert || returnNew)) throw new MongoCommandError('FailedToParse', 'Cannot specify both upsert=true and remove=true, or new=true and remove=true');
  if (command.collation !== undefined) throw new MongoCommandError('NotImplemented', 'collation is not supported by the embedded store');

  const variables = evaluateVariables(command.let, `${name}.let`);
  const existing = context.engine.collection(context.db, coll);
  if (existing) checkHint(command, existing);
  return context.engine.write((unit) => {
    const collection = context.engine.collection(context.db, coll);
    const matches = sort ? sortDocs(select(collection, query, Infinity, variables).docs, sort) : select(collection, query, 1, variables).docs;
    const target = matches[0];
    if (remove) {
      if (target) unit.apply({ kind: 'delete', db: context.db, coll, doc: target });
      return { lastErrorObject: { n: target ? 1 : 0 }, value: target ? shape(target, fields) : null };
    }
    const outcome = applyUpdateStatement(
      context,
      unit,
      coll,
      { q: query, u: update!, multi: false, upsert, arrayFilters: command.arrayFilters as Document[] | undefined, variables },
      target ? [target] : [],
    );
    const lastErrorObject: Document = { n: outcome.upsertedId !== undefined || target ? 1 : 0, updatedExisting: !!target };
    if (outcome.upsertedId !== undefined) lastErrorObject.upserted = outcome.upsertedId;
    const value = returnNew ? outcome.after : outcome.before;
    return { lastErrorObject, value: value ? shape(value, fields) : null } as Document;
  });
};

function shape(doc: Document, fields: Document | undefined): Document {
  return project([doc], fields)[0]!;
}

export const findAndModifyCommands: Record<string, CommandHandler> = { findAndModify, findandmodify: findAndModify };
