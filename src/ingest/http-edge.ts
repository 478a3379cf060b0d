/**
 * What the OTLP and Zipkin routes need from the gateway that serves them, declared here so ingest imports nothing
 * above it: the services a route reads, the `ingest` scope check, and the routes' options. A route throws what
 * goes wrong; the router turns it into a status, headers and a safe message at the error edge (src/error-edge.ts),
 * and the route renders that in its own protocol's body. The in-flight cap is not here: `IngestService.submit`
 * applies the gateway's one limiter to every route, the mutation included.
 */
import type { IncomingMessage } from 'node:http';
import { requireScope, Scope, type Authenticator } from '../auth';
import type { HttpRoute, HttpRouteContext } from '../http';
import type { IngestService } from './service';

/** The part of the gateway's services an ingest route reads. */
export interface IngestRouteServices {
  readonly config: { readonly limits: { readonly maxBodyBytes: number }; readonly shutdownGraceMs: number };
  readonly ingest: IngestService;
  readonly security: { readonly authenticator: Authenticator };
}

export type IngestHttpRoute = HttpRoute<IngestRouteServices>;
export type IngestRouteContext = HttpRouteContext<IngestRouteServices>;

export interface StandardIngestOptions {
  /** Seconds a client is told to wait when the store is unavailable (default 1). */
  storeRetryAfterSeconds?: number;
}

/**
 * Throws UNAUTHENTICATED / FORBIDDEN unless the request may ingest. The gateway's own gate already refused
 * missing and unknown tokens before the route ran; the scope is this route's to check.
 */
export function authorizeIngest(req: IncomingMessage, authenticator: Authenticator): void {
  requireScope(authenticator.authenticate(req.headers.authorization), Scope.INGEST);
}
