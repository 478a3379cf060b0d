/** JSON responses and error bodies in the GraphQL error shape, so every client parses one format. */
import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../../errors';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** `{ errors: [{ message, extensions: { code, requestId } }] }` */
export function sendError(res: ServerResponse, status: number, code: ErrorCode, message: string, requestId: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { errors: [{ message, extensions: { code, requestId } }] }, headers);
}

/** HTTP status for a whole-request failure with a public code. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  QUERY_TOO_COMPLEX: 400,
  PAYLOAD_TOO_LARGE: 413,
  STORE_UNAVAILABLE: 503,
  RATE_LIMITED: 429,
  SLOW_CONSUMER: 500,
  LIVE_GAP: 500,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
};
