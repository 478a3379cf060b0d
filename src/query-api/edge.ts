/**
 * What every query-API route shares at the HTTP edge: the `read` scope (the tokens GraphQL queries need), JSON
 * answers, and the translation of any failure into a status and a message safe to show: a bad parameter is
 * 400 naming it; UNAUTHENTICATED / FORBIDDEN as on /graphql; an unreachable store 503 `STORE_UNAVAILABLE` with
 * Retry-After; anything else a masked 500 quoting the request id (the server log has the error under it).
 * Each API renders the failure in its own error body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../errors';
import type { HttpRoute, HttpRouteContext } from '../http';
import type { TraceStore } from '../store';
import { failureOf } from '../error-edge';
import type { Logger } from '../log';
import { requireScope, Scope, type Authenticator } from '../auth';
import { QueryParamError } from './params';

/** The part of the gateway's services a query-API route reads. */
export interface QueryApiServices {
  readonly store: TraceStore;
  readonly security: { readonly authenticator: Authenticator };
}

export type QueryApiRoute = HttpRoute<QueryApiServices>;
export type QueryApiRouteContext = HttpRouteContext<QueryApiServices>;

export interface QueryFailure {
  status: number;
  code: ErrorCode;
  message: string;
  headers: Record<string, string>;
}

/** Throws UNAUTHENTICATED / FORBIDDEN unless the request may read. */
export function authorizeRead(req: IncomingMessage, authenticator: Authenticator): void {
  requireScope(authenticator.authenticate(req.headers.authorization), Scope.READ);
}

export function queryFailureOf(error: unknown, requestId: string, logger: Logger): QueryFailure {
  return failureOf(error, { requestId, logger, decodeErrors: [QueryParamError] });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const out = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': out.length });
  res.end(out);
}
