/** The `cursor` reply shape shared by find, aggregate, listCollections, listIndexes and getMore. */
import { Long, type Document } from 'bson';
import { ArrayCursor, DEFAULT_BATCH_SIZE, type QueryCursor } from '../cursors';
import type { CommandContext } from './context';

/** Opens a cursor over `docs` and answers its first batch; the cursor is registered only if documents remain. */
export function firstBatchReply(
  context: CommandContext,
  ns: string,
  docs: Document[],
  batchSize: number | undefined,
  singleBatch = false,
  noTimeout = false,
): Document {
  const id = context.cursors.newId();
  const cursor = new ArrayCursor(id, ns, docs);
  // batchSize 0 asks for an open cursor and no documents yet (MongoDB's idiom for "just open it").
  const first = batchSize === 0 ? { batch: [], exhausted: docs.length === 0 } : cursor.take(batchSize ?? DEFAULT_BATCH_SIZE);
  const open = !first.exhausted && !singleBatch;
  if (open) context.cursors.register(cursor, { noTimeout });
  return { cursor: { firstBatch: first.batch, id: Long.fromBigInt(open ? id : 0n), ns } };
}

/** Answers the first batch of a lazily read query; the cursor stays registered only if documents remain. */
export function queryCursorReply(context: CommandContext, cursor: QueryCursor, batchSize: number | undefined, singleBatch = false, noTimeout = false): Document {
  const first = batchSize === 0 ? { batch: [], exhausted: cursor.exhausted } : cursor.take(batchSize ?? DEFAULT_BATCH_SIZE);
  const open = !first.exhausted && !singleBatch;
  if (open) context.cursors.register(cursor, { noTimeout });
  else cursor.close();
  return { cursor: { firstBatch: first.batch, id: Long.fromBigInt(open ? cursor.id : 0n), ns: cursor.ns } };
}
