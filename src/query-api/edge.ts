/**
 * What every query-API route shares at the HTTP edge (`queryRoutes`): GET only, the `read` scope (the tokens
 * GraphQL queries need), JSON answers, and the translation of any failure into a status and a message safe to
 * show: a bad parameter is 400 naming it; UNAUTHENTICATED / FORBIDDEN as on /graphql; an unreachable store 503
 * `STORE_UNAVAILABLE` with Retry-After; anything else a masked 500 quoting the request id (the server log has
 * the error under it). Each API renders the failure in its own error body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../errors';
import { sendJson as sendHttpJson, type HttpRoute, type HttpRouteContext } from '../http';
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

/** One route's work: the query parameters and the rest of the path after a prefix route's own -> status and body. */
export type QueryHandler<Body> = (ctx: QueryApiRouteContext, params: URLSearchParams, rest: string) => Promise<{ status: number; body: Body }>;

/** A path under the API's prefix, its handler, and whether it also serves the longer paths below it (`HttpRoute.prefix`). */
export type QueryRouteSpec<Body> = readonly [path: string, handler: QueryHandler<Body>, prefix?: boolean];

/** One API: where its routes live and how it writes a failure. `Body` is its JSON answers' type. */
export interface QueryApi<Body> {
  /** e.g. `/api/v2`: every route's path starts with it. */
  readonly prefix: string;
  readonly logger: Logger;
  /** The API's own error body for a failure. */
  errorBody(failure: QueryFailure, requestId: string): Body;
}

/** The API's GET routes: each checks the read scope, runs its handler and answers JSON or the API's error body. */
export function queryRoutes<Body>(api: QueryApi<Body>, specs: readonly QueryRouteSpec<Body>[]): QueryApiRoute[] {
  return specs.map(([path, handler, prefix]) => {
    const full = `${api.prefix}${path}`;
    return {
      method: 'GET' as const,
      path: full,
      ...(prefix ? { prefix: true } : {}),
      handle: async (req: IncomingMessage, res: ServerResponse, ctx: QueryApiRouteContext): Promise<void> => {
        try {
          authorizeRead(req, ctx.services.security.authenticator);
          const { status, body } = await handler(ctx, ctx.url.searchParams, ctx.url.pathname.slice(full.length));
          sendJson(res, status, body);
        } catch (error) {
          const failure = queryFailureOf(error, ctx.requestId, api.logger);
          sendJson(res, failure.status, api.errorBody(failure, ctx.requestId), failure.headers);
        }
      },
    };
  });
}

/** Throws UNAUTHENTICATED / FORBIDDEN unless the request may read. */
function authorizeRead(req: IncomingMessage, authenticator: Authenticator): void {
  requireScope(authenticator.authenticate(req.headers.authorization), Scope.READ);
}

function queryFailureOf(error: unknown, requestId: string, logger: Logger): QueryFailure {
  return failureOf(error, { requestId, logger, decodeErrors: [QueryParamError] });
}

// Private: when the response has already started there is no way to say anything more: the connection is dropped.
function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendHttpJson(res, status, body, headers);
}
