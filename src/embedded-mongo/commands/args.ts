/** Validation of command fields at the edge, with MongoDB's wording ("BSON field 'x' is the wrong type ..."). */
import type { Document } from 'bson';
import { isPlainDocument, keyOf, type Collection } from '../engine';
import { MongoCommandError } from '../errors';

export function bsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  const bsonType = (v as { _bsontype?: string })._bsontype;
  if (bsonType) return bsonType.charAt(0).toLowerCase() + bsonType.slice(1);
  return 'object';
}

function wrongType(command: string, field: string, value: unknown, expected: string): MongoCommandError {
  return new MongoCommandError(
    'TypeMismatch',
    `BSON field '${command}.${field}' is the wrong type '${bsonTypeName(value)}', expected type '${expected}'`,
  );
}

/** The collection named by the command's first field. */
export function collectionName(command: Document, name: string): string {
  const value = command[name];
  if (typeof value !== 'string') {
    throw new MongoCommandError('InvalidNamespace', `collection name has invalid type ${bsonTypeName(value)}`);
  }
  if (value.length === 0 || value.includes('\0') || value.startsWith('system.')) {
    throw new MongoCommandError('InvalidNamespace', `Invalid collection name: '${value}'`);
  }
  return value;
}

export function optionalDocument(command: Document, commandName: string, field: string): Document | undefined {
  const v = command[field];
  if (v === undefined || v === null) return undefined;
  if (!isPlainDocument(v)) throw wrongType(commandName, field, v, 'object');
  return v;
}

export function requiredArray(command: Document, commandName: string, field: string): unknown[] {
  const v = command[field];
  if (v === undefined) throw new MongoCommandError('FailedToParse', `BSON field '${commandName}.${field}' is missing but a required field`);
  if (!Array.isArray(v)) throw wrongType(commandName, field, v, 'array');
  return v;
}

export function optionalNumber(command: Document, commandName: string, field: string): number | undefined {
  const v = command[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw wrongType(commandName, field, v, 'long');
  return v;
}

export function optionalBoolean(command: Document, commandName: string, field: string): boolean | undefined {
  const v = command[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  throw wrongType(commandName, field, v, 'bool');
}

/** A non-negative integer option (skip, limit, batchSize). */
export function nonNegative(command: Document, commandName: string, field: string): number | undefined {
  const v = optionalNumber(command, commandName, field);
  if (v !== undefined && (v < 0 || !Number.isInteger(v))) {
    throw new MongoCommandError('BadValue', `${commandName}.${field} must be a non-negative integer, got ${v}`);
  }
  return v;
}

/** Options that would change results and that this store does not implement: an error, never a silent ignore. */
export function rejectUnsupported(command: Document, commandName: string, fields: readonly string[]): void {
  for (const f of fields) {
    if (command[f] !== undefined && command[f] !== null && command[f] !== false) {
      throw new MongoCommandError('NotImplemented', `${commandName} option '${f}' is not supported by the embedded store`);
    }
  }
}

/** A cursor id as sent by the driver (int64, promoted to a number when it fits). */
export function cursorId(command: Document, commandName: string, field: string): bigint {
  const v = command[field];
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'bigint') return v;
  const bsonType = (v as { _bsontype?: string } | null)?._bsontype;
  if (bsonType === 'Long') return BigInt((v as { toString(): string }).toString());
  throw wrongType(commandName, field, v, 'long');
}

/**
 * Checks a `hint` (index name or key pattern) names an existing index, as mongod does (BadValue otherwise). A hint
 * never changes results here: reads choose their own plan. `{$natural: 1}` is always valid.
 */
export function checkHint(command: Document, coll: Collection | undefined): void {
  const hint = command.hint;
  if (hint === undefined || hint === null) return;
  if (isPlainDocument(hint) && Object.keys(hint).length === 0) return;
  if (isPlainDocument(hint) && '$natural' in hint) return;
  const specs = coll?.indexSpecs() ?? [];
  const found = typeof hint === 'string' ? specs.some((s) => s.name === hint) : specs.some((s) => keyOf(s.key) === keyOf(hint));
  if (!found) throw new MongoCommandError('BadValue', 'hint provided does not correspond to an existing index');
}
