/**
 * Journal records hold one oplog entry each: `{ seq, ts, wallTime, op }` as BSON. Snapshot records hold bare ops.
 * Decoding checks the shape, because a record with a good checksum but an unknown shape means the file was
 * written by something else (or a future format), and replaying it would be guessing.
 */
import { deserialize, serialize, Timestamp, type Document } from 'bson';
import type { OplogEntry, OplogOp } from '../engine';
import { frameRecord } from './record-format';

/** Decoded values must look exactly like what the wire layer hands the engine (the same options as
 *  wire/messages.ts), so replayed state equals live state. */
export const BSON_DECODE_OPTIONS = { promoteLongs: true, promoteValues: true, bsonRegExp: false } as const;

const OP_KINDS: ReadonlySet<OplogOp['kind']> = new Set<OplogOp['kind']>([
  'insert',
  'update',
  'delete',
  'createCollection',
  'dropCollection',
  'modifyCollection',
  'renameCollection',
  'modifyIndex',
  'createIndex',
  'dropIndex',
  'dropDatabase',
]);

export function encodeEntry(entry: OplogEntry): Buffer {
  return frameRecord(serialize({ seq: entry.seq, ts: entry.ts, wallTime: entry.wallTime, op: entry.op }, SERIALIZE_OPTIONS));
}

export function encodeDocument(doc: Document): Buffer {
  return frameRecord(serialize(doc, SERIALIZE_OPTIONS));
}

export function decodeDocument(body: Buffer): Document {
  return deserialize(body, BSON_DECODE_OPTIONS);
}

/** Returns the entry, or a reason why the document is not one. */
export function toEntry(doc: Document): OplogEntry | string {
  const { seq, ts, wallTime, op } = doc;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return `expected a positive integer seq, got ${describe(seq)}`;
  if (!(ts instanceof Timestamp)) return `expected ts to be a Timestamp, got ${describe(ts)}`;
  if (!(wallTime instanceof Date)) return `expected wallTime to be a Date, got ${describe(wallTime)}`;
  const checked = toOp(op);
  if (typeof checked === 'string') return checked;
  return { seq, ts, wallTime, op: checked };
}

/** Returns the op, or a reason why the value is not one. */
export function toOp(value: unknown): OplogOp | string {
  if (value === null || typeof value !== 'object') return `expected an op document, got ${describe(value)}`;
  const op = value as Document;
  if (!OP_KINDS.has(op.kind)) return `expected op.kind to be one of ${[...OP_KINDS].join('|')}, got ${describe(op.kind)}`;
  if (typeof op.db !== 'string') return `expected op.db to be a string, got ${describe(op.db)}`;
  if (op.kind !== 'dropDatabase' && typeof op.coll !== 'string') return `expected op.coll to be a string, got ${describe(op.coll)}`;
  return op as OplogOp;
}

// Private: checkKeys off because stored documents may legally hold `$`-prefixed or dotted keys inside updates'
// before/after images exactly as the engine holds them; undefined values are dropped as the wire would.
const SERIALIZE_OPTIONS = { checkKeys: false, ignoreUndefined: true } as const;

// Private: short description of an unexpected value for error messages.
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return `${typeof value} ${String(value).slice(0, 40)}`;
}
