/** What every command handler receives, and the extension points other parts of the store plug into. */
import type { Document, ObjectId } from 'bson';
import type { CursorRegistry } from '../cursors';
import type { Engine } from '../engine';
import type { ConnectionContext } from '../wire';
import type { LocalSessions } from './sessions';

export interface ServerInfo {
  /** `host:port` as reported by hello (`me`, `hosts`, `primary`). */
  readonly address: string;
  readonly setName: string;
  readonly electionId: ObjectId;
  readonly startedAt: Date;
}

/** A handler for an aggregate whose FIRST stage is `stage` (e.g. `$changeStream`); answers the whole command. */
export type FirstStageHandler = (request: FirstStageRequest) => Promise<Document>;

export interface FirstStageRequest {
  readonly db: string;
  /** The `aggregate` field: a collection name, or 1 for a database-level aggregate. */
  readonly collection: string | 1;
  readonly pipeline: readonly Document[];
  readonly command: Document;
  readonly context: CommandContext;
}

/** Extension points: S2's change streams register `$changeStream` here. */
export interface StoreExtensions {
  readonly firstStages: Map<string, FirstStageHandler>;
}

export interface CommandContext {
  readonly engine: Engine;
  readonly cursors: CursorRegistry;
  readonly extensions: StoreExtensions;
  readonly server: ServerInfo;
  readonly connection: ConnectionContext;
  /** The command's `$db`. */
  readonly db: string;
  /** Sessions seen by this store (`$listLocalSessions`); the dispatcher provides them. */
  readonly sessions?: LocalSessions;
}

export type CommandHandler = (command: Document, context: CommandContext) => Document | Promise<Document>;
