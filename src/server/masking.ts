/**
 * Error masking: what a client may learn from a GraphQL error. The GraphQL-specific decisions are here; the rest
 * is the error edge's (`failureOf`, src/error-edge.ts), shared with every HTTP route.
 *
 * - A `TracegateError`, or a GraphQL error carrying one of the public codes (src/errors.ts), is shown as is.
 * - A client's own mistake found by graphql-js or Apollo (syntax, validation, variable coercion, bad request)
 *   is shown with code BAD_USER_INPUT.
 * - Every error carries the request's id (`extensions.requestId`) when the transport named it: graphql-ws passes
 *   it to `maskErrors`; on HTTP, `errorPlugin` names the request of each error Apollo is about to format (its
 *   `didEncounterErrors` hook, which sees the request's context, runs before `formatError` for every error of
 *   Apollo's request pipeline), and the GraphQL route adds it to errors Apollo answers before that pipeline.
 * - Anything else is unexpected and masked by the error edge (generic message quoting the request id, code
 *   INTERNAL or STORE_UNAVAILABLE, full error in the log). Driver messages, collection names and stack traces
 *   never reach a client.
 *
 * Used as Apollo's `formatError` and, through `maskErrors`, for graphql-ws results.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, TracegateError } from '../errors';
import { newRequestId } from '../http';
import type { Logger } from '../log';
import { causes, failureOf, httpOf } from '../error-edge';
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

export interface ErrorMasker {
  /** Apollo's `formatError`; the request id is the one `nameRequest` recorded for `error`, if any. */
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /** Records the request `errors` belong to, for `formatError` (see `errorPlugin`). */
  nameRequest(errors: readonly unknown[], requestId: string): void;
  /** For graphql-ws (`onError` / `onNext`): the client's view of each error, logged under `requestId`. */
  maskErrors(errors: readonly GraphQLError[], requestId?: string): GraphQLFormattedError[];
}

export interface MaskerOptions {
  log: Logger;
  production: boolean;
  /**
   * The parser's token limit (Apollo `parseOptions.maxTokens`): a syntax error on a document over it is shown
   * as QUERY_TOO_COMPLEX. Recognised by counting the document's tokens again, not by the parser's wording.
   */
  maxTokens?: number;
}

export function createErrorMasker(options: MaskerOptions): ErrorMasker {
  const { log, production } = options;
  const requestIds = new WeakMap<object, string>();
  const formatError = (formatted: GraphQLFormattedError, error: unknown, id: string | undefined): GraphQLFormattedError => {
    let shown: Shown | undefined = classify(formatted, error, options.maxTokens);
    if (!shown) {
      // A masked error always carries an id: the one the client quotes to find the log line.
      const failureId = id ?? newRequestId();
      const failure = failureOf(error, { requestId: failureId, logger: log, logFields: { path: formatted.path?.join('.') } });
      if (failure.masked) return withLocation(formatted, { message: failure.message, extensions: { code: failure.code, requestId: failureId } });
      shown = failure;
    }
    const message = production ? withoutSuggestions(shown.message) : shown.message;
    const extensions = { ...safeExtensions(formatted, error), ...pickSafe(shown.details), code: shown.code, ...(id ? { requestId: id } : {}) };
    return withLocation(formatted, { message, extensions });
  };
  return {
    formatError: (formatted, error) => formatError(formatted, error, typeof error === 'object' && error !== null ? requestIds.get(error) : undefined),
    nameRequest: (errors, requestId) => {
      for (const error of errors) if (typeof error === 'object' && error !== null) requestIds.set(error, requestId);
    },
    maskErrors: (errors, requestId) => errors.map((error) => formatError(error.toJSON(), error, requestId)),
  };
}

// Private: the GraphQL-specific verdicts; undefined leaves the error to the error edge.
interface Shown {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

function classify(formatted: GraphQLFormattedError, error: unknown, maxTokens: number | undefined): Shown | undefined {
  const chain = causes(error);
  if (maxTokens !== undefined && formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED') {
    const body = chain.find((e): e is GraphQLError => e instanceof GraphQLError && e.source !== undefined)?.source?.body;
    const overLimit = body === undefined ? undefined : tokenLimitError(body, maxTokens);
    if (overLimit) return { code: ErrorCode.QUERY_TOO_COMPLEX, message: overLimit.message, details: overLimit.extensions };
  }
  for (const cause of chain) {
    // A TracegateError is public: the error edge shows it.
    if (cause instanceof TracegateError) return undefined;
    if (cause instanceof GraphQLError && PUBLIC_CODES.has(cause.extensions?.code)) return { code: cause.extensions.code as ErrorCode, message: cause.message };
  }
  // Errors with a path come from resolvers: not ours, so unexpected, whatever they say.
  if (formatted.path === undefined) {
    const code = formatted.extensions?.code;
    if (CLIENT_REQUEST_CODES.has(code)) return { code: ErrorCode.BAD_USER_INPUT, message: formatted.message };
    // graphql-js's own syntax / validation / coercion errors carry no code (Apollo stamps INTERNAL_SERVER_ERROR on
    // those it does not recognise, e.g. "Too many errors processing variables"), and wrap nothing but another
    // GraphQLError (a scalar's). One that wraps any other error is a failure of ours: masked.
    const wrapsOnlyGraphQLErrors = chain.every((cause) => cause instanceof GraphQLError);
    const uncoded = code === undefined || code === 'INTERNAL_SERVER_ERROR';
    if (uncoded && error instanceof GraphQLError && wrapsOnlyGraphQLErrors) return { code: ErrorCode.BAD_USER_INPUT, message: formatted.message };
  }
  return undefined;
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

/** Codes that, on a response with no data, set its HTTP status (GraphQL-over-HTTP leaves them open). */
const WHOLE_REQUEST_CODES: ReadonlySet<unknown> = new Set([
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
  ErrorCode.PAYLOAD_TOO_LARGE,
  ErrorCode.QUERY_TOO_COMPLEX,
  ErrorCode.RATE_LIMITED,
  // Retryable: 503 with Retry-After, so an HTTP client's retry policy sees it without reading the body.
  ErrorCode.STORE_UNAVAILABLE,
]);

/** What `errorPlugin` reads from a request's context. */
export interface RequestNamed {
  readonly requestId: string;
}

/**
 * Apollo plugin: names the request of each error before Apollo formats it (`masker.nameRequest`), and when a
 * response has no data and its first error has one of the codes above, answers with that code's HTTP status and
 * headers from the error edge (401 with `WWW-Authenticate: Bearer`, 429 and 503 with `Retry-After`). The status
 * is set on the already masked errors, so it sees public codes only.
 */
export function errorPlugin<TContext extends BaseContext & RequestNamed>(masker: ErrorMasker): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          masker.nameRequest(errors, contextValue.requestId);
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (data !== undefined && data !== null) return;
          const first = errors?.[0];
          const code = first?.extensions?.code;
          if (!WHOLE_REQUEST_CODES.has(code)) return;
          const { status, headers } = httpOf(code as ErrorCode, first?.extensions);
          response.http.status = status;
          for (const [name, value] of Object.entries(headers)) response.http.headers.set(name, value);
        },
      };
    },
  };
}
