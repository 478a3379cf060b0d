/**
 * The id of the request being served, carried through async calls so code without a request argument (Apollo's
 * `formatError`, the log) can name the request. One scope for every transport: HTTP routes and graphql-ws.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const scope = new AsyncLocalStorage<string>();

/** A fresh request id (UUID v4). */
export function newRequestId(): string {
  return randomUUID();
}

/** A client-sent `x-request-id` is kept when it is short and plain; otherwise a fresh id. */
export function requestIdOf(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && /^[\w.-]{1,64}$/.test(sent) ? sent : newRequestId();
}

/** Runs `fn` with `requestId` as the id of the request being served. */
export function runInRequestScope<T>(requestId: string, fn: () => T): T {
  return scope.run(requestId, fn);
}

/** The id of the request being served, if a transport set one. */
export function currentRequestId(): string | undefined {
  return scope.getStore();
}
