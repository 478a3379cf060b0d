/**
 * The real graphql-ws client over a real `ws` WebSocket, with a collector per subscription so tests can wait
 * (boundedly) for what they expect instead of sleeping.
 */
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

export interface Collected<T> {
  /** Every `next` payload in arrival order. */
  readonly results: FormattedExecutionResult<T, unknown>[];
  /** Set when the server sent `error` (or the socket failed). */
  error: unknown;
  completed: boolean;
  /** Resolves once `predicate` holds on the collected state; rejects after `timeoutMs` naming what was seen. */
  until(predicate: (c: Collected<T>) => boolean, what: string, timeoutMs?: number): Promise<void>;
  unsubscribe(): void;
}

export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

export function connect(url: string, options: { connectionParams?: Record<string, unknown> } = {}): Client {
  return createClient({
    url: wsUrl(url),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: options.connectionParams,
    onNonLazyError: () => undefined,
  });
}

export function subscribe<T = Record<string, any>>(client: Client, query: string, variables?: Record<string, unknown>): Collected<T> {
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  const collected: Collected<T> = {
    results: [],
    error: undefined,
    completed: false,
    until(predicate, what, timeoutMs = 10_000) {
      if (predicate(collected)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (predicate(collected)) {
            cleanup();
            resolve();
          } else if (collected.error !== undefined || collected.completed) {
            cleanup();
            reject(new Error(`waiting for ${what}, the subscription ended instead: completed=${collected.completed}, error=${describe(collected.error)}, last=${JSON.stringify(collected.results.at(-1))?.slice(0, 500)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; have ${collected.results.length} results, completed=${collected.completed}, error=${describe(collected.error)}, last=${JSON.stringify(collected.results.at(-1))?.slice(0, 500)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });
    },
    unsubscribe: () => undefined,
  };
  collected.unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        collected.results.push(result);
        wake();
      },
      error: (err) => {
        collected.error = err;
        wake();
      },
      complete: () => {
        collected.completed = true;
        wake();
      },
    },
  );
  return collected;
}

function describe(err: unknown): string {
  if (err === undefined) return 'none';
  if (err instanceof Error) return err.message;
  if (Array.isArray(err)) return JSON.stringify(err);
  if (typeof err === 'object' && err && 'code' in err) return `close ${(err as { code: number }).code} ${(err as { reason?: string }).reason ?? ''}`;
  return String(err);
}

/** Disposes a client and waits for its socket to be closed. */
export async function disconnect(client: Client): Promise<void> {
  await client.dispose();
}
