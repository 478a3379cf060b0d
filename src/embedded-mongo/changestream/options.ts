/**
 * The `$changeStream` stage's options, validated once: unknown fields and wrong types are rejected with the field
 * name, what was expected and what was received (MongoDB rejects them too rather than ignoring them).
 */
import { Timestamp, type Document } from 'bson';
import { isPlainDocument } from '../engine';
import { MongoCommandError } from '../errors';
import { decodeToken } from './resume-token';
import { Step, type Position } from './position';

export type FullDocumentMode = 'default' | 'updateLookup' | 'whenAvailable' | 'required';
export type BeforeChangeMode = 'off' | 'whenAvailable' | 'required';

/** Where the stream starts: after a position, or at the first entry at/after an operation time, or now. */
export type StartPoint =
  | { readonly kind: 'now' }
  | { readonly kind: 'resumeAfter'; readonly position: Position }
  | { readonly kind: 'startAfter'; readonly position: Position }
  | { readonly kind: 'atOperationTime'; readonly ts: Timestamp };

export interface ChangeStreamOptions {
  readonly fullDocument: FullDocumentMode;
  readonly fullDocumentBeforeChange: BeforeChangeMode;
  readonly start: StartPoint;
  readonly allChangesForCluster: boolean;
  readonly showExpandedEvents: boolean;
}

const FULL_DOCUMENT: readonly FullDocumentMode[] = ['default', 'updateLookup', 'whenAvailable', 'required'];
const BEFORE_CHANGE: readonly BeforeChangeMode[] = ['off', 'whenAvailable', 'required'];
const KNOWN = new Set(['fullDocument', 'fullDocumentBeforeChange', 'resumeAfter', 'startAfter', 'startAtOperationTime', 'allChangesForCluster', 'showExpandedEvents']);

export function parseChangeStreamOptions(spec: unknown): ChangeStreamOptions {
  if (!isPlainDocument(spec)) throw new MongoCommandError('FailedToParse', `$changeStream stage expects a document of options, got ${typeName(spec)}`);
  for (const key of Object.keys(spec)) {
    if (!KNOWN.has(key)) throw new MongoCommandError('Location40415', `BSON field '$changeStream.${key}' is an unknown field.`);
  }
  const fullDocument = oneOf(spec, 'fullDocument', FULL_DOCUMENT, 'default');
  const fullDocumentBeforeChange = oneOf(spec, 'fullDocumentBeforeChange', BEFORE_CHANGE, 'off');
  const starts = (['resumeAfter', 'startAfter', 'startAtOperationTime'] as const).filter((k) => spec[k] !== undefined);
  if (starts.length > 1) {
    throw new MongoCommandError('BadValue', `$changeStream accepts only one of resumeAfter, startAfter and startAtOperationTime, got ${starts.join(' and ')}`);
  }
  let start: StartPoint = { kind: 'now' };
  if (spec.resumeAfter !== undefined) {
    const position = decodeToken(spec.resumeAfter, 'resumeAfter');
    if (position.step === Step.INVALIDATE) {
      throw new MongoCommandError('InvalidResumeToken', 'cannot resume a stream after an invalidate event with resumeAfter; use startAfter');
    }
    start = { kind: 'resumeAfter', position };
  } else if (spec.startAfter !== undefined) {
    start = { kind: 'startAfter', position: decodeToken(spec.startAfter, 'startAfter') };
  } else if (spec.startAtOperationTime !== undefined) {
    if (!(spec.startAtOperationTime instanceof Timestamp)) {
      throw new MongoCommandError('TypeMismatch', `startAtOperationTime must be a Timestamp, got ${typeName(spec.startAtOperationTime)}`);
    }
    start = { kind: 'atOperationTime', ts: spec.startAtOperationTime };
  }
  return {
    fullDocument,
    fullDocumentBeforeChange,
    start,
    allChangesForCluster: flag(spec, 'allChangesForCluster'),
    showExpandedEvents: flag(spec, 'showExpandedEvents'),
  };
}

// Private: a string option restricted to `allowed`.
function oneOf<T extends string>(spec: Document, field: string, allowed: readonly T[], fallback: T): T {
  const value = spec[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new MongoCommandError('BadValue', `$changeStream.${field} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

// Private: a boolean option.
function flag(spec: Document, field: string): boolean {
  const value = spec[field];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new MongoCommandError('TypeMismatch', `$changeStream.${field} must be a boolean, got ${typeName(value)}`);
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return (value as { _bsontype?: string })._bsontype ?? 'object';
  return typeof value;
}
