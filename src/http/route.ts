/**
 * The shape of an HTTP route, for any layer that serves one. `S` is what the route needs from the gateway that
 * serves it: a feature declares its own small `S` (e.g. ingest's `IngestRouteServices`), and the gateway's
 * router (src/server/router.ts) serves any route whose `S` its services satisfy.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface HttpRouteContext<S> {
  requestId: string;
  url: URL;
  services: S;
}

/** A failure as the router hands it to a route's own renderer (the error edge's `Failure`). */
export interface RouteFailure {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly code: ErrorCode;
  readonly message: string;
}

export interface HttpRoute<S> {
  method: HttpMethod;
  path: string;
  /** Served without a token (health, landing page), or only the requests this predicate accepts (a browser's
   *  navigation to `/graphql`, which is redirected). Other requests need a known token when tokens are configured. */
  public?: boolean | ((req: IncomingMessage) => boolean);
  /** Also matches every longer path that starts with `path` (which then ends in `/`), e.g. `/api/traces/{id}`;
   *  an exact route wins, then the longest prefix. The handler reads the rest from `ctx.url`. */
  prefix?: boolean;
  /** Respond fully, or throw: the router turns what was thrown into a failure at the error edge (src/error-edge.ts). */
  handle(req: IncomingMessage, res: ServerResponse, ctx: HttpRouteContext<S>): Promise<void>;
  /** Writes a failure in the route's own protocol (OTLP: a google.rpc.Status). Default: the JSON error body. */
  sendFailure?(req: IncomingMessage, res: ServerResponse, failure: RouteFailure, ctx: HttpRouteContext<S>): void;
  /** Retry-After seconds when this route fails because the store is unavailable (default 1). */
  storeRetryAfterSeconds?: number;
}
