/**
 * One client socket: frames bytes into messages, runs their commands in arrival order, writes replies.
 * A protocol violation ends this connection only (logged), never the server or other connections.
 */
import type { Socket } from 'node:net';
import type { Document } from 'bson';
import type { Logger } from '../../log';
import { FrameDecoder } from './framing';
import { ProtocolError } from './errors';
import { encodeOpMsgReply, encodeOpReply, parseRequest, type OpQueryRequest, type WireRequest } from './messages';
import { MAX_BSON_OBJECT_SIZE, OpReplyFlag } from './constants';

export interface ConnectionContext {
  readonly id: number;
  readonly remoteAddress: string;
}

/** What the wire layer needs from the command layer. `run` never rejects: failures are `ok: 0` replies. */
export interface CommandRunner {
  run(command: Document, connection: ConnectionContext): Promise<Document>;
}

/** Commands a modern server still answers over legacy OP_QUERY (the connection handshake). */
const OP_QUERY_COMMANDS = new Set(['hello', 'isMaster', 'ismaster']);
/** MongoDB's code for any other OP_QUERY command (UnsupportedOpQueryCommand). */
const UNSUPPORTED_OP_QUERY_COMMAND = 352;
/** MongoDB's BSONObjectTooLarge: answered when a reply exceeds what BSON can encode. */
const BSON_OBJECT_TOO_LARGE = 10334;

type ConnectionPhase = 'open' | 'closed';

export class WireConnection {
  private readonly decoder: FrameDecoder;
  private phase: ConnectionPhase = 'open';
  private queue: Promise<void> = Promise.resolve();
  private nextResponseId = 1;

  constructor(
    private readonly socket: Socket,
    readonly context: ConnectionContext,
    private readonly runner: CommandRunner,
    private readonly log: Logger,
    maxMessageSize?: number,
  ) {
    this.decoder = new FrameDecoder(maxMessageSize);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.log.debug('socket error', { connection: context.id, err }));
    socket.on('close', () => {
      this.phase = 'closed';
    });
  }

  get closed(): boolean {
    return this.phase === 'closed';
  }

  /** Ends the connection now (server shutdown or protocol error). */
  destroy(): void {
    this.phase = 'closed';
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.fail(err);
      return;
    }
    for (const frame of frames) {
      let request: WireRequest;
      try {
        request = parseRequest(frame);
      } catch (err) {
        this.fail(err);
        return;
      }
      // Replies keep request order: each command starts after the previous one answered.
      this.queue = this.queue.then(() => this.handle(request)).catch((err) => this.fail(err));
    }
  }

  private async handle(request: WireRequest): Promise<void> {
    if (this.phase === 'closed') return;
    if (request.kind === 'query') {
      const reply = await this.runLegacy(request);
      this.write(encodeOpReply(request.header.requestId, this.nextResponseId++, reply.doc, reply.flags));
      return;
    }
    const reply = await this.runner.run(request.command, this.context);
    if (request.moreToCome) return;
    this.write(this.encodeReply(request.header.requestId, reply));
  }

  // Private: a reply BSON cannot hold (over 16 MB) becomes MongoDB's error for it instead of a dropped connection.
  private encodeReply(responseTo: number, reply: Document): Buffer {
    const id = this.nextResponseId++;
    try {
      return encodeOpMsgReply(responseTo, id, reply);
    } catch (err) {
      this.log.warn('reply could not be encoded', { connection: this.context.id, err: (err as Error).message });
      const failure = {
        ok: 0,
        errmsg: `reply could not be encoded (BSON documents are limited to ${MAX_BSON_OBJECT_SIZE} bytes): ${(err as Error).message}`,
        code: BSON_OBJECT_TOO_LARGE,
        codeName: 'BSONObjectTooLarge',
      };
      return encodeOpMsgReply(responseTo, id, failure);
    }
  }

  private async runLegacy(request: OpQueryRequest): Promise<{ doc: Document; flags: number }> {
    const query = '$query' in request.query ? (request.query.$query as Document) : request.query;
    const name = Object.keys(query)[0] ?? '';
    if (!request.fullCollectionName.endsWith('.$cmd') || !OP_QUERY_COMMANDS.has(name)) {
      const doc = {
        $err: `Unsupported OP_QUERY command: ${name}. The client driver may require an upgrade.`,
        code: UNSUPPORTED_OP_QUERY_COMMAND,
        ok: 0,
      };
      return { doc, flags: OpReplyFlag.QUERY_FAILURE };
    }
    const db = request.fullCollectionName.slice(0, -'.$cmd'.length);
    return { doc: await this.runner.run({ ...query, $db: db }, this.context), flags: OpReplyFlag.AWAIT_CAPABLE };
  }

  private write(buf: Buffer): void {
    if (this.phase === 'closed') return;
    this.socket.write(buf);
  }

  private fail(err: unknown): void {
    if (this.phase === 'closed') return;
    const reason = err instanceof ProtocolError ? 'protocol error' : 'internal error';
    this.log.warn(`closing connection: ${reason}`, { connection: this.context.id, remote: this.context.remoteAddress, err: (err as Error).message });
    this.destroy();
  }
}
