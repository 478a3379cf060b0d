/**
 * The engine's change log: every state change of the embedded store is described as one `OplogOp`.
 * Commit listeners (the journal, change streams) see each command's ops in commit order, after they are applied
 * in memory and before the command's reply is sent.
 */
import type { Document, Timestamp } from 'bson';

export type OplogOp =
  /** `bytes`: the document's BSON as the client sent it, stored as it is, and `doc` then holds at least `_id` and
   *  the fields the collection's indexes read (absent: the store encodes `doc`, the whole document). */
  | { kind: 'insert'; db: string; coll: string; doc: Document; bytes?: Uint8Array }
  | { kind: 'update'; db: string; coll: string; before: Document; after: Document; replace: boolean }
  | { kind: 'delete'; db: string; coll: string; doc: Document }
  | { kind: 'createCollection'; db: string; coll: string; options: Document }
  | { kind: 'dropCollection'; db: string; coll: string }
  /** renameCollection: the collection (its documents, indexes and UUID) takes the name `toDb`.`toColl`, which the
   *  command has made sure is free (dropTarget drops it first with its own op). */
  | { kind: 'renameCollection'; db: string; coll: string; toDb: string; toColl: string }
  /** collMod of a TTL index: the index `name` expires documents after `expireAfterSeconds` (its entries stay). */
  | { kind: 'modifyIndex'; db: string; coll: string; name: string; expireAfterSeconds: number }
  /** collMod of collection options: `options` is the collection's complete options document afterwards,
   *  `changes` the fields the command set (for the change stream's `modify` event). */
  | { kind: 'modifyCollection'; db: string; coll: string; options: Document; changes: Document }
  /** `spec` is one element of createIndexes' `indexes` array (key, name, unique, expireAfterSeconds, ...). */
  | { kind: 'createIndex'; db: string; coll: string; spec: Document }
  | { kind: 'dropIndex'; db: string; coll: string; name: string }
  | { kind: 'dropDatabase'; db: string };

export interface OplogEntry {
  readonly seq: number;
  readonly ts: Timestamp;
  readonly wallTime: Date;
  readonly op: OplogOp;
}

/** Sees each command's committed ops, in commit order, after they are applied in memory and before the reply is
 *  sent; the reply waits for the returned promise (that is how the journal makes acknowledged writes durable). */
export type CommitListener = (entries: readonly OplogEntry[]) => void | Promise<void>;
