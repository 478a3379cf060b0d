/**
 * Resume tokens: `{ _data: <hex> }` like MongoDB's, opaque to clients. Ours encodes a Position in a fixed 18-byte
 * layout, big-endian so that tokens sort as hex strings in history order (MongoDB's KeyString tokens do too):
 *
 *   byte 0      TOKEN_VERSION
 *   bytes 1-4   ts seconds        bytes 5-8   ts increment
 *   bytes 9-16  seq (uint64)      byte 17     step
 */
import { Timestamp, type Document } from 'bson';
import { MongoCommandError } from '../errors';
import { Step, type Position } from './position';

const TOKEN_VERSION = 0x54;
const TOKEN_BYTES = 18;
const STEPS: ReadonlySet<number> = new Set(Object.values(Step));

export interface ResumeToken {
  readonly _data: string;
}

export function encodeToken(position: Position): ResumeToken {
  const buf = Buffer.alloc(TOKEN_BYTES);
  buf.writeUInt8(TOKEN_VERSION, 0);
  buf.writeUInt32BE(position.ts.high >>> 0, 1);
  buf.writeUInt32BE(position.ts.low >>> 0, 5);
  buf.writeBigUInt64BE(BigInt(position.seq), 9);
  buf.writeUInt8(position.step, 17);
  return { _data: buf.toString('hex').toUpperCase() };
}

/** Throws InvalidResumeToken (260) for anything this store did not issue. */
export function decodeToken(token: unknown, field: string): Position {
  const data = typeof token === 'object' && token !== null ? (token as Document)._data : undefined;
  if (typeof data !== 'string' || !/^[0-9A-Fa-f]+$/.test(data) || data.length !== TOKEN_BYTES * 2) {
    throw new MongoCommandError('InvalidResumeToken', `${field} must be a resume token { _data: <${TOKEN_BYTES * 2} hex digits> } issued by this store, got ${describe(token)}`);
  }
  const buf = Buffer.from(data, 'hex');
  const step = buf.readUInt8(17);
  if (buf.readUInt8(0) !== TOKEN_VERSION || !STEPS.has(step)) {
    throw new MongoCommandError('InvalidResumeToken', `${field} is not a resume token of this store (version 0x${buf[0]!.toString(16)}, step ${step})`);
  }
  const seq = Number(buf.readBigUInt64BE(9));
  const ts = new Timestamp({ t: buf.readUInt32BE(1), i: buf.readUInt32BE(5) });
  return { seq, ts, step: step as Step };
}

// Private: compact description of a bad token for the error message.
function describe(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 80) ?? String(value);
  } catch {
    return String(value);
  }
}
