/**
 * Request ids. A transport picks the id of each request it serves (`x-request-id` on HTTP and gRPC, a fresh one
 * per graphql-ws operation) and hands it on explicitly: in the route context, the GraphQL context, the fields of
 * a log line. There is no ambient "current request": an AsyncLocalStorage scope would put a promise hook on
 * every promise the process creates, a measurable share of a small request's CPU.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A fresh request id (UUID v4). */
export function newRequestId(): string {
  return randomUUID();
}

/** A client-sent `x-request-id` is kept when it is short and plain; otherwise a fresh id. */
export function requestIdOf(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && /^[\w.-]{1,64}$/.test(sent) ? sent : newRequestId();
}
