/**
 * A change stream's server cursor. It holds only a position in the shared history and produces events on demand,
 * so a slow or idle stream costs no buffer; a batch is capped by `batchSize` and by 16 MiB of BSON. getMore waits
 * (awaitData) up to `maxTimeMS` for a new entry, woken by the commit rather than polling, and an empty batch still
 * carries a `postBatchResumeToken` so the driver can resume from the newest position it was shown.
 */
import { Long, serialize, type Document } from 'bson';
import { Aggregator, Query } from 'mingo';
import type { CursorBatch, ServerCursor } from '../cursors';
import { cloneDocument } from '../engine';
import { MongoCommandError } from '../errors';
import { MINGO_OPTIONS, withMingo } from '../query';
import { pickFields, RawDocuments } from '../raw-bson';
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
        for (const event of eventsOf(entry, this.init.scope, this.init.options, this.init.lookup)) {
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

  // Private: the entries after `seq` as the last commit handed them over, when none of them is in this stream's
  // scope (so none yields an event or has a document read): no read from disk for a commit the stream does not see.
  private fromLastCommit(seq: number): readonly OplogEntry[] | null {
    const recent = this.init.history.recentAfter(seq);
    if (recent === null) return null;
    for (const entry of recent) if (touchesScope(entry.op, this.init.scope)) return null;
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
 * An insert event as BSON, its document key and full document copied from the document's stored bytes: the same
 * fields in the same order as the decoded event (`_id`, `operationType`, `clusterTime`, `wallTime`, `ns`,
 * `documentKey`, `fullDocument`), without decoding the document and encoding it again.
 */
export function insertEventBytes(event: Document, stored: Uint8Array): Uint8Array {
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
