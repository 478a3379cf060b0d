/**
 * A change stream's server cursor. It holds only a position in the shared history and produces events on demand,
 * so a slow or idle stream costs no buffer; a batch is capped by `batchSize` and by 16 MiB of BSON. getMore waits
 * (awaitData) up to `maxTimeMS` for a new entry, woken by the commit rather than polling, and an empty batch still
 * carries a `postBatchResumeToken` so the driver can resume from the newest position it was shown.
 */
import { Long, serialize, Timestamp, type Document } from 'bson';
import { Aggregator, Query } from 'mingo';
import type { CursorBatch, ServerCursor } from '../cursors';
import { cloneDocument, isPlainDocument } from '../engine';
import { MongoCommandError } from '../errors';
import { filterFields, MINGO_OPTIONS, withMingo } from '../query';
import { pickFields, RawDocuments, startsWithId, valueLength } from '../raw-bson';
import type { OplogEntry } from '../engine';
import { eventsOf, touchesScope, type ChangeEvent, type StoreLookup } from './events';
import type { ChangeHistory } from './history';
import type { ChangeStreamOptions } from './options';
import { comparePositions, Step, type Position } from './position';
import { encodeToken, type ResumeToken } from './resume-token';
import type { StreamScope } from './scope';

/** MongoDB's awaitData default when getMore names no maxTimeMS. */
export const DEFAULT_AWAIT_MS = 1000;
/** A reply batch holds at most this much BSON (MongoDB's 16 MiB document limit applies to the whole reply). */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 16 * 1024;
/** Entries examined per history read; bounds the work of one step for a stream far behind. */
const SCAN_CHUNK = 1024;
/** How replies encode documents (src/embedded-mongo/raw-bson.ts' serializeReply). */
const SERIALIZE_OPTIONS = { ignoreUndefined: true } as const;
const ID_ONLY: ReadonlySet<string> = new Set(['_id']);

export type CursorPhase = { readonly kind: 'open' } | { readonly kind: 'invalidated' } | { readonly kind: 'closed' };

export interface ChangeStreamCursorInit {
  readonly id: bigint;
  readonly ns: string;
  readonly scope: StreamScope;
  readonly options: ChangeStreamOptions;
  /** Stages after `$changeStream` (validated: document-by-document stages only). */
  readonly pipeline: Document[];
  readonly history: ChangeHistory;
  readonly lookup: StoreLookup;
  /** The stream delivers events strictly after this position. */
  readonly start: Position;
}

export class ChangeStreamCursor implements ServerCursor {
  readonly id: bigint;
  readonly ns: string;
  private phase: CursorPhase = { kind: 'open' };
  private position: Position;
  /** Leading `$match` stages as predicates (an order of magnitude cheaper per event than an aggregation run). */
  private readonly filters: Query[];
  /** The stages after those, if any. */
  private readonly aggregator: Aggregator | null;
  /** Whether a stage may read an insert event's `documentKey` or `fullDocument` (see `stagesRead`). */
  private readonly readsInsertDocuments: boolean;
  private readonly abortWaits = new Set<() => void>();

  constructor(private readonly init: ChangeStreamCursorInit) {
    this.id = init.id;
    this.ns = init.ns;
    this.position = init.start;
    let leading = 0;
    while (leading < init.pipeline.length && init.pipeline[leading]!.$match !== undefined) leading++;
    this.filters = init.pipeline.slice(0, leading).map((stage) => withMingo(() => new Query(stage.$match as Document, MINGO_OPTIONS)));
    const rest = init.pipeline.slice(leading);
    this.aggregator = rest.length > 0 ? withMingo(() => new Aggregator(rest, { ...MINGO_OPTIONS, scriptEnabled: false })) : null;
    const read = rest.length > 0 ? null : stagesRead(init.pipeline.slice(0, leading));
    this.readsInsertDocuments = read === null || read.has('documentKey') || read.has('fullDocument');
  }

  get state(): CursorPhase {
    return this.phase;
  }

  /** The events available now, without waiting (the aggregate's first batch); batchSize 0 asks for none. */
  takeAvailable(batchSize: number): CursorBatch {
    if (batchSize === 0) return { batch: [], exhausted: false, extra: { postBatchResumeToken: this.resumeToken() } };
    return this.collect(batchSize);
  }

  async getMore(batchSize: number | undefined, maxTimeMS: number | undefined): Promise<CursorBatch> {
    const deadline = Date.now() + (maxTimeMS ?? DEFAULT_AWAIT_MS);
    for (;;) {
      const result = this.collect(batchSize);
      if (result.batch.length > 0 || result.exhausted || this.phase.kind !== 'open') return result;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return result;
      let abort: (() => void) | undefined;
      await this.init.history.waitForEntryAfter(this.init.history.headSeq, remaining, {
        onAbort: (fn) => this.abortWaits.add((abort = fn)),
      });
      if (abort) this.abortWaits.delete(abort);
    }
  }

  close(): void {
    this.phase = { kind: 'closed' };
    for (const abort of [...this.abortWaits]) abort();
    this.abortWaits.clear();
  }

  // Private: one batch from the history, advancing the position past everything examined.
  private collect(batchSize: number | undefined): CursorBatch {
    const { history } = this.init;
    if (this.position.seq < history.floorSeq) {
      throw new MongoCommandError(
        'ChangeStreamHistoryLost',
        `the change stream's position (seq ${this.position.seq}) is older than the oldest change the store keeps (after seq ${history.floorSeq}); restart the stream`,
      );
    }
    const batch: Uint8Array[] = [];
    const limit = batchSize === undefined || batchSize <= 0 ? Infinity : batchSize;
    let bytes = 0;
    let exhausted = false;
    scan: while (batch.length < limit && this.phase.kind === 'open') {
      // The entry at the position itself may still owe events (an invalidate after its drop) unless it is done.
      const after = this.position.seq - (this.position.step === Step.END ? 0 : 1);
      const entries = this.fromLastCommit(after) ?? history.entriesAfter(after, SCAN_CHUNK);
      if (entries.length === 0) break;
      for (const entry of entries) {
        for (const event of eventsOf(entry, this.init.scope, this.init.options, this.init.lookup, this.readsInsertDocuments)) {
          if (comparePositions(event.position, this.position) <= 0) continue;
          const out = this.transform(event);
          if (out) {
            const encoded = out === event.doc && event.stored ? insertEventBytes(out, event.stored) : serialize(out, SERIALIZE_OPTIONS);
            if (batch.length >= limit || (batch.length > 0 && bytes + encoded.length > MAX_BATCH_BYTES)) break scan;
            batch.push(encoded);
            bytes += encoded.length;
          }
          this.position = event.position;
          if (event.invalidates) {
            this.phase = { kind: 'invalidated' };
            exhausted = true;
            break scan;
          }
        }
        this.position = { seq: entry.seq, ts: entry.ts, step: Step.END };
      }
    }
    return { batch: new RawDocuments(batch), exhausted, extra: { postBatchResumeToken: this.resumeToken() } };
  }

  // Private: the entries after `seq` as the last commit handed them over, when each of them in this stream's scope
  // is an insert carrying its document as stored (its event is copied from those bytes, and a stage reads a
  // document decoded from them, never the engine's own): no read from disk for a commit of inserts, nor for one the
  // stream does not see. Otherwise null (the entries are read back from disk).
  private fromLastCommit(seq: number): readonly OplogEntry[] | null {
    const recent = this.init.history.recentAfter(seq);
    if (recent === null) return null;
    for (const entry of recent) {
      if (touchesScope(entry.op, this.init.scope) && !(entry.op.kind === 'insert' && entry.op.bytes)) return null;
    }
    return recent;
  }

  /** The token of the current position (the stream resumes strictly after it). */
  resumeToken(): ResumeToken {
    return encodeToken(this.position);
  }

  // Private: runs the user's stages on one event; the resume token must survive them (MongoDB: code 280).
  private transform(event: ChangeEvent): Document | null {
    for (const filter of this.filters) if (!withMingo(() => filter.test(event.doc))) return null;
    if (!this.aggregator) return event.doc;
    const [out] = withMingo(() => this.aggregator!.run([cloneDocument(event.doc)]));
    if (!out) return null;
    const id = (out as Document)._id as Document | undefined;
    if (!id || id._data !== (event.doc._id as ResumeToken)._data) {
      throw new MongoCommandError(
        'ChangeStreamFatalError',
        'Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. Modifying the _id field of an event makes it impossible to resume the stream from that point.',
        // mongod labels it so drivers do not try to resume: resuming would fail the same way.
        { errorLabels: ['NonResumableChangeStreamError'] },
      );
    }
    return out as Document;
  }
}

/**
 * The top-level event fields that `$match` stages read (a dotted path counts as its first field; each stage's
 * filter as `filterFields` reads it), or null when that cannot be told from the stages (an operator at the top
 * level other than `$and`, `$or`, `$nor`: `$expr`, `$where`, `$text`, ...).
 */
export function stagesRead(stages: readonly Document[]): Set<string> | null {
  const fields = new Set<string>();
  for (const stage of stages) {
    const read = isPlainDocument(stage.$match) ? filterFields(stage.$match) : undefined;
    if (!read) return null;
    for (const field of read) fields.add(field);
  }
  return fields;
}

/**
 * An insert event as BSON, its document key and full document copied from the document's stored bytes: the same
 * fields in the same order as the decoded event (`_id`, `operationType`, `clusterTime`, `wallTime`, `ns`,
 * `documentKey`, `fullDocument`), without decoding the document and encoding it again. The event's own fields are
 * written directly (the bytes `serialize` gives them), the document key is the stored document's leading `_id`.
 */
export function insertEventBytes(event: Document, stored: Uint8Array): Uint8Array {
  const head = eventHead(event);
  if (head === null) return insertEventBytesSerialized(event, stored);
  const idEnd = startsWithId(stored) ? 9 + valueLength(stored, stored[4]!, 9) : -1;
  const keyLength = idEnd > 0 ? 4 + (idEnd - 4) + 1 : -1;
  if (keyLength < 0) return insertEventBytesSerialized(event, stored);
  const total = head.length + 1 + 'documentKey'.length + 1 + keyLength + 1 + 'fullDocument'.length + 1 + stored.length + 1;
  const out = Buffer.allocUnsafe(total);
  let o = head.write(out);
  out[o++] = 0x03;
  o += out.write('documentKey', o, 'latin1');
  out[o++] = 0;
  out.writeInt32LE(keyLength, o);
  out.set(stored.subarray(4, idEnd), o + 4);
  o += keyLength;
  out[o - 1] = 0;
  o = writeEmbedded(out, o, 'fullDocument', stored);
  out[o] = 0;
  return out;
}

// Private: the general path (an event whose head fields are not the usual types, a document not led by `_id`).
function insertEventBytesSerialized(event: Document, stored: Uint8Array): Uint8Array {
  const head = serialize({ _id: event._id, operationType: event.operationType, clusterTime: event.clusterTime, wallTime: event.wallTime, ns: event.ns }, SERIALIZE_OPTIONS);
  const key = pickFields(stored, ID_ONLY);
  const total = head.length + embeddedLength('documentKey', key) + embeddedLength('fullDocument', stored);
  const out = Buffer.allocUnsafe(total);
  out.set(head, 0);
  let o = head.length - 1;
  o = writeEmbedded(out, o, 'documentKey', key);
  o = writeEmbedded(out, o, 'fullDocument', stored);
  out[o] = 0;
  out.writeInt32LE(total, 0);
  return out;
}

/** The leading elements of an insert event (`_id` ... `ns`), measured first, then written into the reply. */
interface EventHead {
  /** Bytes of the document's size field plus these elements (the document's terminator not included). */
  readonly length: number;
  /** Writes the size field (of the whole reply buffer) and the elements; returns the offset after them. */
  write(out: Buffer): number;
}

// Private: null unless the fields have the types an insert event gives them (then `serialize` writes them).
function eventHead(event: Document): EventHead | null {
  const id = event._id as { _data?: unknown } | undefined;
  const data = id?._data;
  const { operationType, clusterTime, wallTime, ns } = event as { operationType: unknown; clusterTime: unknown; wallTime: unknown; ns: { db?: unknown; coll?: unknown } | undefined };
  if (typeof data !== 'string' || Object.keys(id!).length !== 1 || typeof operationType !== 'string') return null;
  if (!(clusterTime instanceof Timestamp) || !(wallTime instanceof Date) || !Number.isFinite(wallTime.getTime())) return null;
  if (!ns || typeof ns.db !== 'string' || typeof ns.coll !== 'string') return null;
  if (Object.keys(ns).length !== 2) return null;
  const { db, coll } = ns as { db: string; coll: string };
  const dataBytes = Buffer.byteLength(data, 'utf8');
  const typeBytes = Buffer.byteLength(operationType, 'utf8');
  const dbBytes = Buffer.byteLength(db, 'utf8');
  const collBytes = Buffer.byteLength(coll, 'utf8');
  const idDoc = 4 + (1 + 6 + 4 + dataBytes + 1) + 1;
  const nsDoc = 4 + (1 + 3 + 4 + dbBytes + 1) + (1 + 5 + 4 + collBytes + 1) + 1;
  const length = 4 + (1 + 4 + idDoc) + (1 + 14 + 4 + typeBytes + 1) + (1 + 12 + 8) + (1 + 9 + 8) + (1 + 3 + nsDoc);
  return {
    length,
    write(out: Buffer): number {
      out.writeInt32LE(out.length, 0);
      let o = 4;
      o = writeName(out, o, 0x03, '_id');
      out.writeInt32LE(idDoc, o);
      o = writeString(out, o + 4, '_data', data, dataBytes);
      out[o++] = 0;
      o = writeString(out, o, 'operationType', operationType, typeBytes);
      o = writeName(out, o, 0x11, 'clusterTime');
      out.writeUInt32LE(clusterTime.low >>> 0, o);
      out.writeUInt32LE(clusterTime.high >>> 0, o + 4);
      o = writeName(out, o + 8, 0x09, 'wallTime');
      const ms = wallTime.getTime();
      out.writeUInt32LE(ms >>> 0, o);
      out.writeInt32LE(Math.floor(ms / 0x1_0000_0000), o + 4);
      o = writeName(out, o + 8, 0x03, 'ns');
      out.writeInt32LE(nsDoc, o);
      o = writeString(out, o + 4, 'db', db, dbBytes);
      o = writeString(out, o, 'coll', coll, collBytes);
      out[o++] = 0;
      return o;
    },
  };
}

// Private: an element's type byte and name (ASCII); returns where its value starts.
function writeName(out: Buffer, o: number, type: number, name: string): number {
  out[o++] = type;
  o += out.write(name, o, 'latin1');
  out[o++] = 0;
  return o;
}

// Private: a string element whose value is `bytes` long in UTF-8.
function writeString(out: Buffer, o: number, name: string, value: string, bytes: number): number {
  o = writeName(out, o, 0x02, name);
  out.writeInt32LE(bytes + 1, o);
  o += 4;
  o += out.write(value, o, 'utf8');
  out[o++] = 0;
  return o;
}

// Private: bytes of an embedded-document element named `name` (ASCII) holding `doc`.
function embeddedLength(name: string, doc: Uint8Array): number {
  return 1 + name.length + 1 + doc.length;
}

function writeEmbedded(out: Buffer, o: number, name: string, doc: Uint8Array): number {
  out[o++] = 0x03;
  o += out.write(name, o, 'latin1');
  out[o++] = 0;
  out.set(doc, o);
  return o + doc.length;
}

/** Cursor ids are sent as int64. */
export function cursorIdLong(id: bigint): Long {
  return Long.fromBigInt(id);
}
