/**
 * What the OTLP and Zipkin routes share at the HTTP edge: the `ingest` scope check and their options. A route
 * throws what goes wrong; the error edge (src/error-edge.ts) turns it into a status, headers and a
 * safe message, and the route renders that in its own protocol's body. The in-flight cap is not here:
 * `IngestService.submit` applies the gateway's one limiter to every route, the mutation included.
 */
import type { IncomingMessage } from 'node:http';
import { requireScope, Scope, type Authenticator } from '../server/auth';

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
