/**
 * The request id of the request being served, carried through async calls so Apollo's `formatError` (which
 * has no context argument) can put it on masked errors and in the log line.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const scope = new AsyncLocalStorage<string>();

/** A client-sent `x-request-id` is kept when it is short and plain; otherwise a fresh UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && /^[\w.-]{1,64}$/.test(sent) ? sent : randomUUID();
}

export function runInRequestScope<T>(requestId: string, fn: () => T): T {
  return scope.run(requestId, fn);
}

export function currentRequestId(): string | undefined {
  return scope.getStore();
}
