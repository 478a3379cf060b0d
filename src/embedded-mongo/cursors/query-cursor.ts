/**
 * A cursor over a lazily read query result (find without a sort, or with a sort an index supplies): each batch
 * pulls the next documents from the engine's key-range scan, so an open cursor holds a scan position, never the
 * result set. Scans read without a snapshot: a getMore sees the collection as it is then (like MongoDB's
 * yielding cursors), and a document is never returned twice. Documents travel as their stored BSON; a batch is
 * shaped (projected) as a whole.
 */
import type { Document } from 'bson';
import type { RawDocuments } from '../raw-bson';
import type { CursorBatch, ServerCursor } from './registry';
import { MAX_BATCH_BYTES } from './array-cursor';

/** Room left in a 16 MB reply for the envelope around the batch. */
const REPLY_OVERHEAD = 16 * 1024;

export class QueryCursor implements ServerCursor {
  private lookahead: IteratorResult<Uint8Array> | undefined;

  constructor(
    readonly id: bigint,
    readonly ns: string,
    private source: Iterator<Uint8Array> | undefined,
    /** Turns each batch of stored documents into the reply's (a projection, or the bytes as they are). */
    private readonly shape: (docs: Uint8Array[]) => Document[] | RawDocuments,
  ) {}

  /** Takes up to `batchSize` documents (all when undefined or 0), stopping early at the byte cap. */
  take(batchSize: number | undefined): CursorBatch {
    const limit = batchSize && batchSize > 0 ? batchSize : Infinity;
    const raw: Uint8Array[] = [];
    let bytes = 0;
    while (raw.length < limit) {
      const next = this.peek();
      if (!next) break;
      const size = next.length;
      if (raw.length > 0 && bytes + size > MAX_BATCH_BYTES - REPLY_OVERHEAD) break;
      raw.push(next);
      bytes += size;
      this.lookahead = undefined;
    }
    const exhausted = this.peek() === undefined;
    return { batch: this.shape(raw), exhausted };
  }

  /** Nothing is left to read. */
  get exhausted(): boolean {
    return this.peek() === undefined;
  }

  async getMore(batchSize: number | undefined): Promise<CursorBatch> {
    return this.take(batchSize);
  }

  close(): void {
    this.source?.return?.();
    this.source = undefined;
    this.lookahead = undefined;
  }

  // Private: the next document without consuming it.
  private peek(): Uint8Array | undefined {
    if (!this.source) return undefined;
    this.lookahead ??= this.source.next();
    if (this.lookahead.done) {
      this.source = undefined;
      return undefined;
    }
    return this.lookahead.value;
  }
}
