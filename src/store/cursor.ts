/**
 * Opaque page cursors: base64url of the order, the sort key of the last item and its trace id. A cursor
 * names a position in the sort, not an offset, so traces arriving meanwhile neither shift nor repeat the
 * remaining pages. A cursor from another order, or a forged one, is refused with BAD_USER_INPUT.
 */
import { ErrorCode, TracegateError } from '../errors';
import { TRACE_ORDERS, type TraceOrder } from './types';

export interface CursorPosition {
  order: TraceOrder;
  /** The value of the order's sort field (startUs or durationUs). */
  key: number;
  traceId: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.order, position.key, position.traceId])).toString('base64url');
}

export function decodeCursor(cursor: string, expectedOrder: TraceOrder): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) || parsed.length !== 3 ||
    !(TRACE_ORDERS as readonly unknown[]).includes(parsed[0]) ||
    typeof parsed[1] !== 'number' || !Number.isFinite(parsed[1]) ||
    typeof parsed[2] !== 'string' || !/^[0-9a-f]{32}$/.test(parsed[2])
  ) {
    throw new TracegateError(ErrorCode.BAD_USER_INPUT, `after: expected an endCursor from an earlier page, received ${JSON.stringify(cursor.slice(0, 64))}`);
  }
  const [order, key, traceId] = parsed as [TraceOrder, number, string];
  if (order !== expectedOrder) {
    throw new TracegateError(ErrorCode.BAD_USER_INPUT, `after: expected a cursor of order ${expectedOrder}, received one of order ${order}`);
  }
  return { order, key, traceId };
}
