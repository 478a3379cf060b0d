/**
 * Oplog entry -> change events in MongoDB's shape (https://www.mongodb.com/docs/manual/reference/change-events/):
 * `_id` (the resume token), `operationType`, `clusterTime`, `wallTime`, `ns`, `documentKey`, `fullDocument`,
 * `updateDescription`, `fullDocumentBeforeChange`. A drop or rename seen by a collection stream (and a dropped
 * database seen by a collection or database stream) is followed by an `invalidate` event, after which the stream
 * ends.
 * DDL events other than drops (`create`, `createIndexes`, `dropIndexes`) appear only with showExpandedEvents.
 *
 * Events share the engine's stored documents (never mutated in place: updates build new ones); whoever may
 * modify an event (an aggregation stage) works on a copy.
 */
import type { Document } from 'bson';
import type { OplogEntry } from '../engine';
import { MongoCommandError } from '../errors';
import type { ChangeStreamOptions } from './options';
import { Step, type Position } from './position';
import { encodeToken } from './resume-token';
import { inScope, type StreamScope } from './scope';
import { describeUpdate } from './update-description';

export interface ChangeEvent {
  readonly position: Position;
  readonly doc: Document;
  /** An invalidate event ends the stream. */
  readonly invalidates: boolean;
  /**
   * An insert event of a document the store holds as BSON: its bytes. `doc.documentKey` and `doc.fullDocument`
   * are then decoded only when read (by a stage), and the event's reply can carry the bytes as they are stored.
   */
  readonly stored?: Uint8Array;
}

/** What events read from the store besides the history entry. */
export interface StoreLookup {
  /** The current version of a document (for fullDocument: 'updateLookup'); null when it no longer exists. */
  document(db: string, coll: string, id: unknown): Document | null;
  /** Whether the collection records pre- and post-images (`changeStreamPreAndPostImages: { enabled: true }`). */
  imagesRecorded(db: string, coll: string): boolean;
}

/** Whether an entry can yield events for a stream of `scope` (the scope test every case of eventsOf starts with). */
export function touchesScope(op: OplogEntry['op'], scope: StreamScope): boolean {
  return inScope(scope, op.db, op.kind === 'dropDatabase' ? undefined : op.coll);
}

/**
 * The events of one entry for a stream of `scope`. `readsInsertDocuments` false: the stream's stages read neither
 * `documentKey` nor `fullDocument`, so an insert event of stored bytes carries neither in `doc` (its reply copies
 * them from `stored`).
 */
export function eventsOf(entry: OplogEntry, scope: StreamScope, options: ChangeStreamOptions, lookup: StoreLookup, readsInsertDocuments = true): ChangeEvent[] {
  const op = entry.op;
  // Pre- and post-images (fullDocumentBeforeChange, fullDocument 'whenAvailable' / 'required') exist only for a
  // collection with changeStreamPreAndPostImages enabled, as in MongoDB; 'required' without one is error 47.
  const image = (which: 'pre' | 'post', mode: string, db: string, coll: string, id: unknown, value: Document): Document | null => {
    if (lookup.imagesRecorded(db, coll)) return value;
    if (mode === 'required') {
      throw new MongoCommandError(
        'NoMatchingDocument',
        which === 'pre'
          ? `Change stream was configured to require a pre-image for all update, delete and replace events, but the pre-image was not found for event: ${describeEvent(db, coll, id)}`
          : `Change stream was configured to require a post-image for all update events, but the post-image was not found for event: ${describeEvent(db, coll, id)}`,
      );
    }
    return null;
  };
  const base = (step: Step, operationType: string, ns: Document | undefined): Document => {
    const doc: Document = { _id: encodeToken({ seq: entry.seq, ts: entry.ts, step }), operationType, clusterTime: entry.ts, wallTime: entry.wallTime };
    if (ns) doc.ns = ns;
    return doc;
  };
  const event = (doc: Document, step: Step = Step.EVENT): ChangeEvent => ({
    position: { seq: entry.seq, ts: entry.ts, step },
    doc,
    invalidates: step === Step.INVALIDATE,
  });
  const invalidate = (): ChangeEvent => event(base(Step.INVALIDATE, 'invalidate', undefined), Step.INVALIDATE);

  switch (op.kind) {
    case 'insert': {
      if (!inScope(scope, op.db, op.coll)) return [];
      const doc = base(Step.EVENT, 'insert', { db: op.db, coll: op.coll });
      if (op.bytes) {
        if (readsInsertDocuments) {
          lazyField(doc, 'documentKey', () => ({ _id: op.doc._id }));
          lazyField(doc, 'fullDocument', () => op.doc);
        }
        return [{ position: { seq: entry.seq, ts: entry.ts, step: Step.EVENT }, doc, invalidates: false, stored: op.bytes }];
      }
      doc.documentKey = { _id: op.doc._id };
      doc.fullDocument = op.doc;
      return [event(doc)];
    }
    case 'update': {
      if (!inScope(scope, op.db, op.coll)) return [];
      const doc = base(Step.EVENT, op.replace ? 'replace' : 'update', { db: op.db, coll: op.coll });
      doc.documentKey = { _id: op.after._id };
      if (!op.replace) doc.updateDescription = describeUpdate(op.before, op.after, options.showExpandedEvents);
      if (op.replace) {
        doc.fullDocument = op.after;
      } else if (options.fullDocument === 'whenAvailable' || options.fullDocument === 'required') {
        doc.fullDocument = image('post', options.fullDocument, op.db, op.coll, op.after._id, op.after);
      } else if (options.fullDocument === 'updateLookup') {
        const current = lookup.document(op.db, op.coll, op.after._id);
        doc.fullDocument = current ? current : null;
      }
      if (options.fullDocumentBeforeChange !== 'off') {
        doc.fullDocumentBeforeChange = image('pre', options.fullDocumentBeforeChange, op.db, op.coll, op.after._id, op.before);
      }
      return [event(doc)];
    }
    case 'delete': {
      if (!inScope(scope, op.db, op.coll)) return [];
      const doc = base(Step.EVENT, 'delete', { db: op.db, coll: op.coll });
      doc.documentKey = { _id: op.doc._id };
      if (options.fullDocumentBeforeChange !== 'off') {
        doc.fullDocumentBeforeChange = image('pre', options.fullDocumentBeforeChange, op.db, op.coll, op.doc._id, op.doc);
      }
      return [event(doc)];
    }
    case 'dropCollection': {
      if (!inScope(scope, op.db, op.coll)) return [];
      const drop = event(base(Step.EVENT, 'drop', { db: op.db, coll: op.coll }));
      return scope.kind === 'collection' ? [drop, invalidate()] : [drop];
    }
    case 'dropDatabase': {
      if (!inScope(scope, op.db, undefined)) return [];
      if (scope.kind === 'collection') return [event(base(Step.EVENT, 'drop', { db: op.db, coll: scope.coll })), invalidate()];
      const dropped = event(base(Step.EVENT, 'dropDatabase', { db: op.db }));
      return scope.kind === 'database' ? [dropped, invalidate()] : [dropped];
    }
    case 'createCollection': {
      if (!options.showExpandedEvents || !inScope(scope, op.db, op.coll)) return [];
      const doc = base(Step.EVENT, 'create', { db: op.db, coll: op.coll });
      doc.operationDescription = op.options;
      return [event(doc)];
    }
    case 'renameCollection': {
      if (!inScope(scope, op.db, op.coll)) return [];
      const doc = base(Step.EVENT, 'rename', { db: op.db, coll: op.coll });
      doc.to = { db: op.toDb, coll: op.toColl };
      if (options.showExpandedEvents) doc.operationDescription = { to: { db: op.toDb, coll: op.toColl } };
      const renamed = event(doc);
      return scope.kind === 'collection' ? [renamed, invalidate()] : [renamed];
    }
    case 'modifyIndex': {
      if (!options.showExpandedEvents || !inScope(scope, op.db, op.coll)) return [];
      const doc = base(Step.EVENT, 'modify', { db: op.db, coll: op.coll });
      doc.operationDescription = { index: { name: op.name, expireAfterSeconds: op.expireAfterSeconds } };
      return [event(doc)];
    }
    case 'modifyCollection': {
      if (!options.showExpandedEvents || !inScope(scope, op.db, op.coll)) return [];
      const doc = base(Step.EVENT, 'modify', { db: op.db, coll: op.coll });
      doc.operationDescription = op.changes;
      return [event(doc)];
    }
    case 'createIndex': {
      if (!options.showExpandedEvents || !inScope(scope, op.db, op.coll)) return [];
      const doc = base(Step.EVENT, 'createIndexes', { db: op.db, coll: op.coll });
      doc.operationDescription = { indexes: [op.spec] };
      return [event(doc)];
    }
    case 'dropIndex': {
      if (!options.showExpandedEvents || !inScope(scope, op.db, op.coll)) return [];
      const doc = base(Step.EVENT, 'dropIndexes', { db: op.db, coll: op.coll });
      doc.operationDescription = { indexes: [{ name: op.name }] };
      return [event(doc)];
    }
    default: {
      const never: never = op;
      throw new Error(`unknown oplog op ${JSON.stringify(never)}`);
    }
  }
}

// Private: how the image errors name the event (mongod prints the event's namespace and document key).
function describeEvent(db: string, coll: string, id: unknown): string {
  return `{ ns: "${db}.${coll}", documentKey: { _id: ${JSON.stringify(id)} } }`;
}

// Private: `doc[field]` is computed when first read, then kept.
function lazyField(doc: Document, field: string, compute: () => unknown): void {
  Object.defineProperty(doc, field, {
    get(): unknown {
      const value = compute();
      Object.defineProperty(doc, field, { value, enumerable: true, configurable: true, writable: true });
      return value;
    },
    enumerable: true,
    configurable: true,
  });
}
