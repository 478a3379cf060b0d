export * from './constants';
export { crc32c } from '../crc32c';
export { ProtocolError } from './errors';
export { FrameDecoder } from './framing';
export { parseRequest, encodeOpMsgReply, encodeOpReply, messageBytes, MESSAGE_BYTES, type WireRequest, type OpMsgRequest, type OpQueryRequest } from './messages';
export type { CommandRunner, ConnectionContext } from './connection';
export { BOUND_SOCKET_EXTRA_BYTES, WireServer, type WireServerOptions } from './server';
