/**
 * One type per wire message this store reads or writes, with its parser / encoder.
 * Layouts follow the MongoDB Wire Protocol reference (OP_MSG, OP_QUERY, OP_REPLY).
 */
import { deserialize, serialize, type Document } from 'bson';
import {
  CHECKSUM_SIZE,
  MESSAGE_HEADER_SIZE,
  OP_MSG_KNOWN_REQUIRED_BITS,
  OP_MSG_REQUIRED_BITS,
  OpCode,
  OpMsgFlag,
  SectionKind,
} from './constants';
import { crc32c } from '../crc32c';
import { serializeReply, validateBson } from '../raw-bson';
import { ProtocolError } from './errors';

export interface MessageHeader {
  readonly length: number;
  readonly requestId: number;
  readonly responseTo: number;
  readonly opCode: number;
}

/** An OP_MSG request; kind-1 document sequences are already merged into `command` as arrays. */
export interface OpMsgRequest {
  readonly kind: 'msg';
  readonly header: MessageHeader;
  readonly flags: number;
  readonly command: Document;
  /** The client expects no reply (unacknowledged write). */
  readonly moreToCome: boolean;
}

/** An OP_QUERY request (the legacy handshake). */
export interface OpQueryRequest {
  readonly kind: 'query';
  readonly header: MessageHeader;
  readonly fullCollectionName: string;
  readonly query: Document;
}

export type WireRequest = OpMsgRequest | OpQueryRequest;

/**
 * Set (non-enumerable) on every parsed command: the byte length of the message that carried it. A document larger
 * than the 16 MB BSON limit can only arrive in a message larger than that, so commands check document sizes only
 * when this says they must.
 */
export const MESSAGE_BYTES: unique symbol = Symbol('tracegate.messageBytes');

/** The byte length of the wire message a command came in (Infinity if unknown, e.g. built in-process). */
export function messageBytes(command: Document): number {
  const n = (command as { [MESSAGE_BYTES]?: number })[MESSAGE_BYTES];
  return typeof n === 'number' ? n : Infinity;
}

/** How BSON from clients is read: int64 values that fit a double become numbers, so queries compare them. */
const DESERIALIZE_OPTIONS = { promoteLongs: true, promoteValues: true, bsonRegExp: false } as const;

export function readHeader(frame: Buffer): MessageHeader {
  if (frame.length < MESSAGE_HEADER_SIZE) throw new ProtocolError(`message shorter than its ${MESSAGE_HEADER_SIZE}-byte header`);
  return {
    length: frame.readInt32LE(0),
    requestId: frame.readInt32LE(4),
    responseTo: frame.readInt32LE(8),
    opCode: frame.readInt32LE(12),
  };
}

/** Parses one complete frame. Throws ProtocolError for anything malformed or an opcode it does not serve. */
export function parseRequest(frame: Buffer): WireRequest {
  const header = readHeader(frame);
  if (header.length !== frame.length) throw new ProtocolError(`header length ${header.length} != frame length ${frame.length}`);
  switch (header.opCode) {
    case OpCode.MSG:
      return parseOpMsg(header, frame);
    case OpCode.QUERY:
      return parseOpQuery(header, frame);
    default:
      throw new ProtocolError(`unsupported opCode ${header.opCode} (expected OP_MSG ${OpCode.MSG} or OP_QUERY ${OpCode.QUERY})`);
  }
}

function parseOpMsg(header: MessageHeader, frame: Buffer): OpMsgRequest {
  let offset = MESSAGE_HEADER_SIZE;
  if (frame.length < offset + 4) throw new ProtocolError('OP_MSG truncated before flagBits');
  const flags = frame.readUInt32LE(offset);
  offset += 4;
  const unknownRequired = flags & OP_MSG_REQUIRED_BITS & ~OP_MSG_KNOWN_REQUIRED_BITS;
  if (unknownRequired !== 0) throw new ProtocolError(`OP_MSG has unknown required flag bits 0x${unknownRequired.toString(16)}`);
  let end = frame.length;
  if (flags & OpMsgFlag.CHECKSUM_PRESENT) {
    end -= CHECKSUM_SIZE;
    if (end < offset) throw new ProtocolError('OP_MSG too short for its checksum');
    const expected = frame.readUInt32LE(end);
    const actual = crc32c(frame.subarray(0, end));
    if (expected !== actual) throw new ProtocolError(`OP_MSG checksum mismatch: expected ${expected}, computed ${actual}`);
  }
  let body: Document | undefined;
  const sequences: Array<[string, Buffer[]]> = [];
  while (offset < end) {
    const kind = frame[offset]!;
    offset += 1;
    if (kind === SectionKind.BODY) {
      if (body) throw new ProtocolError('OP_MSG has more than one body section');
      const size = bsonSizeAt(frame, offset, end);
      body = readBody(frame, offset, size);
      offset += size;
    } else if (kind === SectionKind.DOCUMENT_SEQUENCE) {
      if (offset + 4 > end) throw new ProtocolError('OP_MSG document sequence truncated before its size');
      const size = frame.readInt32LE(offset);
      const sectionEnd = offset + size;
      if (size < 5 || sectionEnd > end) throw new ProtocolError(`OP_MSG document sequence size ${size} out of bounds`);
      const nameEnd = frame.indexOf(0, offset + 4);
      if (nameEnd < 0 || nameEnd >= sectionEnd) throw new ProtocolError('OP_MSG document sequence identifier is not terminated');
      const identifier = frame.toString('utf8', offset + 4, nameEnd);
      const docs: Buffer[] = [];
      let p = nameEnd + 1;
      while (p < sectionEnd) {
        const docSize = bsonSizeAt(frame, p, sectionEnd);
        docs.push(frame.subarray(p, p + docSize));
        p += docSize;
      }
      sequences.push([identifier, docs]);
      offset = sectionEnd;
    } else {
      throw new ProtocolError(`OP_MSG has unknown section kind ${kind}`);
    }
  }
  if (!body) throw new ProtocolError('OP_MSG has no body section');
  const insert = Object.keys(body)[0] === 'insert';
  for (const [identifier, docs] of sequences) {
    if (identifier in body) throw new ProtocolError(`OP_MSG document sequence '${identifier}' duplicates a body field`);
    body[identifier] = insert && identifier === 'documents' ? docs.map(checkedArrivedDocument) : docs.map((d) => readDocument(d, 0, d.length));
  }
  Object.defineProperty(body, MESSAGE_BYTES, { value: frame.length, enumerable: false });
  return { kind: 'msg', header, flags, command: body, moreToCome: (flags & OpMsgFlag.MORE_TO_COME) !== 0 };
}

function parseOpQuery(header: MessageHeader, frame: Buffer): OpQueryRequest {
  let offset = MESSAGE_HEADER_SIZE + 4; // flags: none of them matter for a handshake
  const nameEnd = frame.indexOf(0, offset);
  if (nameEnd < 0) throw new ProtocolError('OP_QUERY fullCollectionName is not terminated');
  const fullCollectionName = frame.toString('utf8', offset, nameEnd);
  offset = nameEnd + 1 + 8; // numberToSkip, numberToReturn
  const size = bsonSizeAt(frame, offset, frame.length);
  const query = readDocument(frame, offset, size);
  return { kind: 'query', header, fullCollectionName, query };
}

/** Encodes a reply to an OP_MSG: flags 0, one body section. */
export function encodeOpMsgReply(responseTo: number, requestId: number, doc: Document): Buffer {
  const body = serializeReply(doc);
  const length = MESSAGE_HEADER_SIZE + 4 + 1 + body.length;
  const out = Buffer.allocUnsafe(length);
  writeHeader(out, length, requestId, responseTo, OpCode.MSG);
  out.writeUInt32LE(0, MESSAGE_HEADER_SIZE);
  out[MESSAGE_HEADER_SIZE + 4] = SectionKind.BODY;
  out.set(body, MESSAGE_HEADER_SIZE + 5);
  return out;
}

/** Encodes an OP_REPLY carrying one document (the answer to a legacy OP_QUERY handshake). */
export function encodeOpReply(responseTo: number, requestId: number, doc: Document, responseFlags = 0): Buffer {
  const body = serialize(doc, { ignoreUndefined: true });
  const prefix = 4 + 8 + 4 + 4; // responseFlags, cursorID, startingFrom, numberReturned
  const length = MESSAGE_HEADER_SIZE + prefix + body.length;
  const out = Buffer.allocUnsafe(length);
  writeHeader(out, length, requestId, responseTo, OpCode.REPLY);
  let o = MESSAGE_HEADER_SIZE;
  out.writeInt32LE(responseFlags, o);
  out.writeBigInt64LE(0n, o + 4);
  out.writeInt32LE(0, o + 12);
  out.writeInt32LE(1, o + 16);
  o += prefix;
  out.set(body, o);
  return out;
}

function writeHeader(out: Buffer, length: number, requestId: number, responseTo: number, opCode: number): void {
  out.writeInt32LE(length, 0);
  out.writeInt32LE(requestId, 4);
  out.writeInt32LE(responseTo, 8);
  out.writeInt32LE(opCode, 12);
}

// Private: the declared size of the BSON document at `offset`, checked against the bytes available.
function bsonSizeAt(frame: Buffer, offset: number, end: number): number {
  if (offset + 4 > end) throw new ProtocolError('BSON document truncated before its size');
  const size = frame.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new ProtocolError(`BSON document size ${size} exceeds the ${end - offset} bytes left`);
  if (frame[offset + size - 1] !== 0) throw new ProtocolError('BSON document does not end with a NUL byte');
  return size;
}

/** An OP_MSG body whose command is `insert`: its `documents` stay the BSON they came in, checked (the store
 *  decodes of each only what it needs, and keeps those bytes for a document it does not change). */
const INSERT_NAME = Buffer.from('insert\0', 'latin1');
const INSERT_BODY_OPTIONS = { ...DESERIALIZE_OPTIONS, fieldsAsRaw: { documents: true } } as const;

// Private: the body section; an insert's documents stay BSON (see checkedArrivedDocument).
function readBody(frame: Buffer, offset: number, size: number): Document {
  if (size < 5 + INSERT_NAME.length || frame.compare(INSERT_NAME, 0, INSERT_NAME.length, offset + 5, offset + 5 + INSERT_NAME.length) !== 0) {
    return readDocument(frame, offset, size);
  }
  let body: Document;
  try {
    body = deserialize(frame.subarray(offset, offset + size), INSERT_BODY_OPTIONS);
  } catch (err) {
    throw new ProtocolError(`invalid BSON document: ${(err as Error).message}`);
  }
  if (Array.isArray(body.documents)) body.documents = body.documents.map((d: unknown) => (d instanceof Uint8Array ? checkedArrivedDocument(d) : d));
  return body;
}

// Private: one document of an insert, checked and kept as its bytes.
function checkedArrivedDocument(bytes: Uint8Array): Uint8Array {
  try {
    validateBson(bytes);
  } catch (err) {
    throw new ProtocolError(`invalid BSON document: ${(err as Error).message}`);
  }
  return bytes;
}

// Private: BSON errors (bad element types, bad UTF-8, ...) become protocol errors.
function readDocument(frame: Buffer, offset: number, size: number): Document {
  try {
    return deserialize(frame.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
  } catch (err) {
    throw new ProtocolError(`invalid BSON document: ${(err as Error).message}`);
  }
}
