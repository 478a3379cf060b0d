/**
 * The snapshot: the whole store as ops (collections, indexes, documents) as of one oplog position, in record
 * format: a header `{ snapshot: FORMAT_VERSION, seq, ts }`, one `{ op }` record per op, a trailer `{ end: count }`.
 * It is written to a temp file, fsynced, renamed over the old one and the directory fsynced, so a crash at any
 * step leaves either the old or the new snapshot whole; any defect in it is therefore corruption, not a torn write.
 */
import { Timestamp, type Document } from 'bson';
import type { OplogOp } from '../engine/oplog';
import { decodeDocument, encodeDocument, toOp } from './entry-codec';
import { inDir, SNAPSHOT_FILE, SNAPSHOT_TMP_FILE } from './data-dir';
import { JournalCorruptError } from './errors';
import type { JournalFs } from './fs-layer';
import { scanRecords } from './record-scan';

export const SNAPSHOT_FORMAT_VERSION = 1;

/** Records are gathered into chunks of about this size before writing. */
const WRITE_CHUNK_BYTES = 4 * 1024 * 1024;

export interface SnapshotPosition {
  /** The seq of the last oplog entry the snapshot includes (0: none). */
  readonly seq: number;
  readonly ts: Timestamp;
}

export interface LoadedSnapshot extends SnapshotPosition {
  readonly ops: OplogOp[];
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

export async function readSnapshot(fs: JournalFs, dir: string): Promise<LoadedSnapshot | null> {
  const file = inDir(dir, SNAPSHOT_FILE);
  const buf = await fs.readFile(file);
  if (buf === null) return null;
  const scanned = scanRecords(buf, file);
  if (scanned.tornTail) throw new JournalCorruptError(file, scanned.tornTail.offset, `snapshot is incomplete: ${scanned.tornTail.reason}`);
  const docs = scanned.bodies.map((b) => decodeDocument(b));
  const header = docs[0];
  const trailer = docs[docs.length - 1];
  if (!header || header.snapshot !== SNAPSHOT_FORMAT_VERSION || typeof header.seq !== 'number' || !(header.ts instanceof Timestamp)) {
    throw new JournalCorruptError(file, 0, `expected a header { snapshot: ${SNAPSHOT_FORMAT_VERSION}, seq, ts }, got ${JSON.stringify(header ?? null)}`);
  }
  if (docs.length < 2 || !trailer || trailer.end !== docs.length - 2) {
    throw new JournalCorruptError(file, scanned.goodBytes, `expected a trailer { end: ${docs.length - 2} }, got ${JSON.stringify(trailer ?? null)}`);
  }
  const ops: OplogOp[] = [];
  for (let i = 1; i < docs.length - 1; i++) {
    const op = toOp((docs[i] as Document).op);
    if (typeof op === 'string') throw new JournalCorruptError(file, -1, `record ${i}: ${op}`);
    ops.push(op);
  }
  return { seq: header.seq, ts: header.ts, ops, bytes: buf.length };
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
