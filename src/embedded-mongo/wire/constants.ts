/**
 * MongoDB wire protocol values, as specified in the "MongoDB Wire Protocol" reference
 * (https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/) and used by the driver's
 * `src/cmap/wire_protocol/constants.ts`.
 */

/** Message opcodes (the header's `opCode`). */
export const OpCode = {
  /** Reply to an OP_QUERY (legacy handshake only). */
  REPLY: 1,
  /** Legacy query; modern servers accept it only for the `hello`/`isMaster` handshake. */
  QUERY: 2004,
  /** Compressed wrapper; never negotiated here (hello answers no `compression`), so never expected. */
  COMPRESSED: 2012,
  /** The command message used for everything since MongoDB 3.6. */
  MSG: 2013,
} as const;
export type OpCode = (typeof OpCode)[keyof typeof OpCode];

/** OP_MSG `flagBits`. Bits 0-15 are "required": a receiver must reject a message with one it does not know. */
export const OpMsgFlag = {
  CHECKSUM_PRESENT: 1 << 0,
  MORE_TO_COME: 1 << 1,
  EXHAUST_ALLOWED: 1 << 16,
} as const;
export const OP_MSG_REQUIRED_BITS = 0xffff;
export const OP_MSG_KNOWN_REQUIRED_BITS = OpMsgFlag.CHECKSUM_PRESENT | OpMsgFlag.MORE_TO_COME;

/** OP_MSG section kinds. */
export const SectionKind = {
  /** A single BSON document: the command body. */
  BODY: 0,
  /** `int32 size, cstring identifier, document*`: an array field of the command sent out of line. */
  DOCUMENT_SEQUENCE: 1,
} as const;

/** OP_REPLY `responseFlags`. */
export const OpReplyFlag = {
  QUERY_FAILURE: 1 << 1,
  AWAIT_CAPABLE: 1 << 3,
} as const;

/** messageLength, requestID, responseTo, opCode. */
export const MESSAGE_HEADER_SIZE = 16;
/** The checksum trailing an OP_MSG whose CHECKSUM_PRESENT bit is set (CRC-32C). */
export const CHECKSUM_SIZE = 4;

/** Limits advertised by `hello`, the same as mongod's. */
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
export const MAX_WRITE_BATCH_SIZE = 100_000;

/** Wire versions: 21 is MongoDB 7.0, what this store imitates. */
export const MIN_WIRE_VERSION = 0;
export const MAX_WIRE_VERSION = 21;
