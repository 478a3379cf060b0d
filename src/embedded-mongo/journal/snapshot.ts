/**
 * The snapshot: the whole store as ops (collections, indexes, documents) as of one oplog position, in record
 * format: a header `{ snapshot: FORMAT_VERSION, seq, ts }`, one `{ op }` record per op, a trailer `{ end: count }`.
 * It is written to a temp file, fsynced, renamed over the old one and the directory fsynced, so a crash at any
 * step leaves either the old or the new snapshot whole; any defect in it is therefore corruption, not a torn write.
 */
import { Timestamp, type Document } from 'bson';
import type { OplogOp } from '../engine';
import { decodeDocument, encodeDocument, toOp } from './entry-codec';
import { inDir, SNAPSHOT_FILE, SNAPSHOT_TMP_FILE } from './data-dir';
import { JournalCorruptError } from './errors';
import type { JournalFs } from './fs-layer';
import { checkRecord } from './record-format';

export const SNAPSHOT_FORMAT_VERSION = 1;

/** Records are gathered into chunks of about this size before writing. */
const WRITE_CHUNK_BYTES = 4 * 1024 * 1024;
/** Snapshot files are read this much at a time. */
const READ_CHUNK_BYTES = 8 * 1024 * 1024;

export interface SnapshotPosition {
  /** The seq of the last oplog entry the snapshot includes (0: none). */
  readonly seq: number;
  readonly ts: Timestamp;
}

export interface LoadedSnapshot extends SnapshotPosition {
  readonly opCount: number;
  /** The snapshot file's size. */
  readonly bytes: number;
}

/**
 * Takes the op list synchronously (references only: the engine never mutates a stored document, index spec or
 * collection option in place; updates build a new document, see query/update.ts), then encodes and writes it in
 * chunks, so neither the whole encoded snapshot is held in memory nor the event loop blocked for all of it.
 * Returns the snapshot's size in bytes.
 */
export async function writeSnapshot(fs: JournalFs, dir: string, position: SnapshotPosition, ops: Iterable<OplogOp>): Promise<number> {
  const captured = [...ops];
  const tmp = inDir(dir, SNAPSHOT_TMP_FILE);
  let bytes = 0;
  const counted = async function* (): AsyncGenerator<Buffer> {
    for (const chunk of encodeSnapshot(position, captured)) {
      bytes += chunk.length;
      yield chunk;
    }
  };
  await fs.writeFileSynced(tmp, counted());
  await fs.rename(tmp, inDir(dir, SNAPSHOT_FILE));
  await fs.syncDir(dir);
  return bytes;
}

/**
 * Streams the snapshot into `apply`, one op at a time, reading the file in chunks (a store of a million documents
 * is never held twice in memory). Any defect is a start-up error: a snapshot is only ever renamed into place whole.
 */
export async function loadSnapshot(fs: JournalFs, dir: string, apply: (op: OplogOp) => void): Promise<LoadedSnapshot | null> {
  const file = inDir(dir, SNAPSHOT_FILE);
  const chunks = await fs.readChunks(file, READ_CHUNK_BYTES);
  if (chunks === null) return null;
  let header: SnapshotPosition | null = null;
  let count = 0;
  let trailer: Document | null = null;
  let offset = 0;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let at = 0;
    for (;;) {
      const check = checkRecord(buf, at);
      if (check.kind === 'incomplete') break;
      if (check.kind === 'invalid') throw new JournalCorruptError(file, offset + at, check.reason);
      const doc = decodeDocument(buf.subarray(check.bodyStart, check.end));
      if (trailer) throw new JournalCorruptError(file, offset + at, 'record after the trailer');
      if (!header) {
        if (doc.snapshot !== SNAPSHOT_FORMAT_VERSION || typeof doc.seq !== 'number' || !(doc.ts instanceof Timestamp)) {
          throw new JournalCorruptError(file, 0, `expected a header { snapshot: ${SNAPSHOT_FORMAT_VERSION}, seq, ts }, got ${JSON.stringify(doc)}`);
        }
        header = { seq: doc.seq, ts: doc.ts };
      } else if (doc.end !== undefined) {
        if (doc.end !== count) throw new JournalCorruptError(file, offset + at, `trailer counts ${String(doc.end)} ops, the snapshot holds ${count}`);
        trailer = doc;
      } else {
        const op = toOp(doc.op);
        if (typeof op === 'string') throw new JournalCorruptError(file, offset + at, op);
        apply(op);
        count++;
      }
      at = check.end;
    }
    offset += at;
    carry = buf.subarray(at);
  }
  if (carry.length > 0) throw new JournalCorruptError(file, offset, `snapshot ends inside a record (${carry.length} bytes)`);
  if (!header) throw new JournalCorruptError(file, 0, 'empty snapshot: expected a header record');
  if (!trailer) throw new JournalCorruptError(file, offset, `expected a trailer { end: ${count} }, the snapshot ends without one`);
  return { ...header, opCount: count, bytes: offset };
}

// Private: records packed into chunks of about WRITE_CHUNK_BYTES, produced as they are asked for.
function* encodeSnapshot(position: SnapshotPosition, ops: readonly OplogOp[]): Generator<Buffer> {
  let pending: Buffer[] = [encodeDocument({ snapshot: SNAPSHOT_FORMAT_VERSION, seq: position.seq, ts: position.ts })];
  let pendingBytes = pending[0]!.length;
  for (const op of ops) {
    const record = encodeDocument({ op });
    pending.push(record);
    pendingBytes += record.length;
    if (pendingBytes >= WRITE_CHUNK_BYTES) {
      yield Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
    }
  }
  pending.push(encodeDocument({ end: ops.length }));
  yield Buffer.concat(pending);
}
