/**
 * Runs one command document: finds its handler by the first field's name, and turns the outcome into a reply with
 * `ok`, MongoDB's error fields on failure, and the replica-set fields drivers gossip (`$clusterTime`, `operationTime`).
 */
import { Binary, Long, type Document } from 'bson';
import type { Logger } from '../../log';
import { MongoCommandError } from '../errors';
import { translateMingoError } from '../query';
import type { CommandRunner, ConnectionContext } from '../wire';
import { adminCommands } from './admin';
import { aggregateCommands } from './aggregate';
import { collectionCommands } from './collections';
import type { CommandContext, CommandHandler } from './context';
import { findAndModifyCommands } from './find-and-modify';
import { handshakeCommands, LOGICAL_SESSION_TIMEOUT_MINUTES } from './handshake';
import { readCommands } from './read';
import { RetryableWrites } from './retryable';
import { searchIndexCommands } from './search-indexes';
import { LocalSessions } from './sessions';
import { writeCommands } from './write';

export const COMMANDS: Readonly<Record<string, CommandHandler>> = {
  ...handshakeCommands,
  ...readCommands,
  ...writeCommands,
  ...findAndModifyCommands,
  ...aggregateCommands,
  ...adminCommands,
  ...searchIndexCommands,
  ...collectionCommands,
};

const SIGNATURE_HASH = new Binary(Buffer.alloc(20));
/** mongod's rule: 1-63 bytes, none of / \\ . " $ space or NUL. */
const VALID_DB_NAME = /^[^/\\. "$\0]{1,63}$/;

export type ContextFactory = (db: string, connection: ConnectionContext) => CommandContext;

export class CommandDispatcher implements CommandRunner {
  private readonly retryable = new RetryableWrites();
  private readonly sessions = new LocalSessions(LOGICAL_SESSION_TIMEOUT_MINUTES * 60_000);

  constructor(
    private readonly makeContext: ContextFactory,
    private readonly log: Logger,
    private readonly commands: Readonly<Record<string, CommandHandler>> = COMMANDS,
  ) {}

  async run(command: Document, connection: ConnectionContext): Promise<Document> {
    const name = Object.keys(command)[0] ?? '';
    const db = typeof command.$db === 'string' ? command.$db : 'admin';
    const context: CommandContext = { ...this.makeContext(db, connection), sessions: this.sessions };
    context.engine.requests += 1;
    this.sessions.touch(command.lsid);
    if (name === 'endSessions' || name === 'killSessions') this.sessions.end(command[name]);
    const reply = await this.retryable.run(name, command, () => this.reply(name, command, context));
    const ts = context.engine.latestTimestamp;
    return { ...reply, $clusterTime: { clusterTime: ts, signature: { hash: SIGNATURE_HASH, keyId: Long.ZERO } }, operationTime: ts };
  }

  // Private: the command's own reply (ok: 1 or MongoDB's error fields); never rejects.
  private async reply(name: string, command: Document, context: CommandContext): Promise<Document> {
    let reply: Document;
    try {
      reply = { ...(await this.execute(name, command, context)), ok: 1 };
    } catch (err) {
      const known = translateMingoError(err);
      if (known instanceof MongoCommandError) {
        reply = { ok: 0, ...known.toReplyFields() };
      } else {
        this.log.error('command failed unexpectedly', { command: name, err: known });
        reply = { ok: 0, errmsg: `internal error in '${name}': ${(known as Error)?.message ?? String(known)}`, code: 1, codeName: 'InternalError' };
      }
    }
    return reply;
  }

  private async execute(name: string, command: Document, context: CommandContext): Promise<Document> {
    if (!Object.prototype.hasOwnProperty.call(this.commands, name)) {
      throw new MongoCommandError('CommandNotFound', `no such command: '${name}'`);
    }
    if (!VALID_DB_NAME.test(context.db)) throw new MongoCommandError('InvalidNamespace', `Invalid database name: '${context.db}'`);
    if (command.startTransaction === true || command.autocommit === false) {
      throw new MongoCommandError('IllegalOperation', 'Transactions are not supported by the embedded store');
    }
    return this.commands[name]!(command, context);
  }
}
