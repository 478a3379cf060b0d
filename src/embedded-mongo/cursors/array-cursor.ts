/** A cursor over a materialized result (find, aggregate, listCollections, ...). */
import { calculateObjectSize, type Document } from 'bson';
import type { CursorBatch, ServerCursor } from './registry';

/** MongoDB's default first batch size. */
export const DEFAULT_BATCH_SIZE = 101;
/** A reply batch stops growing once it holds this many bytes (the maximum BSON object size). */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** Room left in a 16 MB reply for the envelope around the batch. */
const REPLY_OVERHEAD = 16 * 1024;

export class ArrayCursor implements ServerCursor {
  private position = 0;

  constructor(
    readonly id: bigint,
    readonly ns: string,
    private docs: Document[],
  ) {}

  /** Takes up to `batchSize` documents (all when undefined or 0), stopping early at the byte cap. */
  take(batchSize: number | undefined): CursorBatch {
    const limit = batchSize && batchSize > 0 ? batchSize : Infinity;
    const batch: Document[] = [];
    let bytes = 0;
    while (this.position < this.docs.length && batch.length < limit) {
      const doc = this.docs[this.position]!;
      const size = calculateObjectSize(doc);
      if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES - REPLY_OVERHEAD) break;
      batch.push(doc);
      bytes += size;
      this.position += 1;
    }
    return { batch, exhausted: this.position >= this.docs.length };
  }

  async getMore(batchSize: number | undefined): Promise<CursorBatch> {
    return this.take(batchSize);
  }

  close(): void {
    this.docs = [];
    this.position = 0;
  }
}
