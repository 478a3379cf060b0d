/**
 * Error masking: what a client may learn from an error.
 *
 * - A `TracegateError`, or a GraphQL error carrying one of the public codes (src/errors.ts), is shown as is.
 * - A client's own mistake found by graphql-js or Apollo (syntax, validation, variable coercion, bad request)
 *   is shown with code BAD_USER_INPUT.
 * - Every error carries the request's id (`extensions.requestId`) when the transport set one.
 * - Anything else is unexpected: the client gets a generic message, code INTERNAL (or STORE_UNAVAILABLE when
 *   the store cannot be reached) and a `requestId`; the full error goes to the log with the same id. Driver
 *   messages, collection names and stack traces never reach a client.
 *
 * Used as Apollo's `formatError` and, through `maskErrors`, for graphql-ws results.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, TracegateError } from '../errors';
import { isUnavailableError } from '../store';
import type { Logger } from '../log';
import { tokenLimitError } from './limits';

/** Extensions a client may see besides `code` and `requestId` (limit details, rejection details). */
const SAFE_EXTENSIONS = ['limit', 'allowed', 'found', 'details', 'retryAfterSeconds'] as const;

/** Apollo's codes for a client's own malformed request; shown to clients as BAD_USER_INPUT. */
const CLIENT_REQUEST_CODES: ReadonlySet<unknown> = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

const PUBLIC_CODES: ReadonlySet<unknown> = new Set(Object.values(ErrorCode));

export const INTERNAL_MESSAGE = 'Internal error. The server log has the details under this requestId.';
export const STORE_UNAVAILABLE_MESSAGE = 'The trace store is unavailable; retry later. The server log has the details under this requestId.';

const requestIds = new AsyncLocalStorage<string>();

/** A fresh request id (UUID v4). */
export function newRequestId(): string {
  return randomUUID();
}

/** Runs `fn` with `requestId` as the id masked errors report (transports call this around each request). */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return requestIds.run(requestId, fn);
}

/** The id of the request being served, if a transport set one. */
export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}

export interface ErrorMasker {
  /** Apollo's `formatError`. */
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /** For graphql-ws (`onError` / `onNext`): the client's view of each error, logged under `requestId`. */
  maskErrors(errors: readonly GraphQLError[], requestId?: string): GraphQLFormattedError[];
}

export interface MaskerOptions {
  log: Logger;
  production: boolean;
  /** The transport's request-id scope; defaults to `runWithRequestId`'s. */
  currentRequestId?: () => string | undefined;
  /**
   * The parser's token limit (Apollo `parseOptions.maxTokens`): a syntax error on a document over it is shown
   * as QUERY_TOO_COMPLEX. Recognised by counting the document's tokens again, not by the parser's wording.
   */
  maxTokens?: number;
}

export function createErrorMasker(options: MaskerOptions): ErrorMasker {
  const { log, production } = options;
  const scopedId = options.currentRequestId ?? currentRequestId;
  const formatError = (formatted: GraphQLFormattedError, error: unknown, requestId?: string): GraphQLFormattedError => {
    const verdict = classify(formatted, error, options.maxTokens);
    if (verdict.kind === 'shown') {
      const message = production ? withoutSuggestions(verdict.message) : verdict.message;
      const id = requestId ?? scopedId();
      const extensions = { ...safeExtensions(formatted, error), ...pickSafe(verdict.details), code: verdict.code, ...(id ? { requestId: id } : {}) };
      return withLocation(formatted, { message, extensions });
    }
    const id = requestId ?? scopedId() ?? newRequestId();
    const code = verdict.storeDown ? ErrorCode.STORE_UNAVAILABLE : ErrorCode.INTERNAL;
    log.error('masked error', { requestId: id, code, path: formatted.path?.join('.'), error: verdict.cause });
    return withLocation(formatted, {
      message: code === ErrorCode.STORE_UNAVAILABLE ? STORE_UNAVAILABLE_MESSAGE : INTERNAL_MESSAGE,
      extensions: { code, requestId: id },
    });
  };
  return {
    formatError: (formatted, error) => formatError(formatted, error),
    maskErrors: (errors, requestId) => errors.map((error) => formatError(error.toJSON(), error, requestId)),
  };
}

// Private: what the client may see of one error.
type Verdict =
  | { readonly kind: 'shown'; readonly code: ErrorCode; readonly message: string; readonly details?: Record<string, unknown> }
  | { readonly kind: 'masked'; readonly storeDown: boolean; readonly cause: Error };

function classify(formatted: GraphQLFormattedError, error: unknown, maxTokens: number | undefined): Verdict {
  const chain = causes(error);
  if (maxTokens !== undefined && formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED') {
    const body = chain.find((e): e is GraphQLError => e instanceof GraphQLError && e.source !== undefined)?.source?.body;
    const overLimit = body === undefined ? undefined : tokenLimitError(body, maxTokens);
    if (overLimit) return { kind: 'shown', code: ErrorCode.QUERY_TOO_COMPLEX, message: overLimit.message, details: overLimit.extensions };
  }
  for (const cause of chain) {
    if (cause instanceof TracegateError) return { kind: 'shown', code: cause.code, message: cause.message, details: cause.details };
    if (cause instanceof GraphQLError && PUBLIC_CODES.has(cause.extensions?.code)) {
      return { kind: 'shown', code: cause.extensions.code as ErrorCode, message: cause.message };
    }
  }
  const innermost = chain[chain.length - 1] ?? new Error(String(error));
  // Errors with a path come from resolvers: not ours, so unexpected, whatever they say.
  if (formatted.path === undefined) {
    const code = formatted.extensions?.code;
    if (CLIENT_REQUEST_CODES.has(code)) return { kind: 'shown', code: ErrorCode.BAD_USER_INPUT, message: formatted.message };
    // graphql-js's own syntax / validation / coercion errors (graphql-ws path) carry no code, and wrap nothing
    // but another GraphQLError (a scalar's). One that wraps any other error is a failure of ours: masked.
    const wrapsOnlyGraphQLErrors = chain.every((cause) => cause instanceof GraphQLError);
    if (code === undefined && error instanceof GraphQLError && wrapsOnlyGraphQLErrors) {
      return { kind: 'shown', code: ErrorCode.BAD_USER_INPUT, message: formatted.message };
    }
  }
  return { kind: 'masked', storeDown: chain.some(isUnavailableError), cause: innermost };
}

// Private: the error and its `originalError` / `cause` chain, outermost first (bounded against cycles).
function causes(error: unknown): Error[] {
  const chain: Error[] = [];
  let current: unknown = error;
  while (current instanceof Error && chain.length < 10 && !chain.includes(current)) {
    chain.push(current);
    current = current instanceof GraphQLError ? (current.originalError ?? current.cause) : current.cause;
  }
  return chain;
}

function safeExtensions(formatted: GraphQLFormattedError, error: unknown): Record<string, unknown> {
  const sources = [formatted.extensions, ...causes(error).map((e) => (e instanceof GraphQLError ? e.extensions : undefined))];
  return Object.assign({}, ...sources.reverse().map(pickSafe));
}

function pickSafe(source: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (source) for (const key of SAFE_EXTENSIONS) if (key in source) out[key] = source[key];
  return out;
}

function withLocation(formatted: GraphQLFormattedError, shown: { message: string; extensions: Record<string, unknown> }): GraphQLFormattedError {
  return {
    message: shown.message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: shown.extensions,
  };
}

// Private: "Did you mean ...?" names schema members; production hides them (Apollo and graphql-js already
// do for validation; this covers messages from other places, e.g. enum coercion).
function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '');
}

/** HTTP statuses for a request that failed as a whole with one of these codes (GraphQL-over-HTTP leaves them open). */
const HTTP_STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.QUERY_TOO_COMPLEX]: 400,
  [ErrorCode.RATE_LIMITED]: 429,
};

/**
 * Apollo plugin: when a response has no data and its first error has one of the codes above, answer with the
 * matching HTTP status (401 with `WWW-Authenticate: Bearer`, 429 with `Retry-After`). Runs on the already
 * masked errors, so it sees public codes only.
 */
export function errorStatusPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (data !== undefined && data !== null) return;
          const first = errors?.[0];
          const code = first?.extensions?.code as ErrorCode | undefined;
          const status = code ? HTTP_STATUS_BY_CODE[code] : undefined;
          if (!status) return;
          response.http.status = status;
          if (code === ErrorCode.UNAUTHENTICATED) response.http.headers.set('www-authenticate', 'Bearer');
          if (code === ErrorCode.RATE_LIMITED) {
            const seconds = first?.extensions?.retryAfterSeconds;
            response.http.headers.set('retry-after', String(typeof seconds === 'number' ? seconds : 1));
          }
        },
      };
    },
  };
}
