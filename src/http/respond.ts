/** JSON responses, and the one JSON error body every HTTP route answers with (the GraphQL error shape). */
import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../errors';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * `{ errors: [{ message, extensions: { code, requestId, ...extensions } }] }`. When the response has already
 * started there is no way to say anything more: the connection is dropped instead.
 */
export function sendError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
  extensions: Record<string, unknown> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { errors: [{ message, extensions: { code, requestId, ...extensions } }] }, headers);
}

/** A media type without parameters, lowercased: `Application/JSON; charset=utf-8` -> `application/json`. */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}
