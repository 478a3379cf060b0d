/**
 * The error edge: the one place where a failure becomes what a client is told. Every transport goes through it:
 * the router (src/server/gateway.ts) for every HTTP route, OTLP and Zipkin included; the OTLP/gRPC service; the
 * query APIs; and the GraphQL error masker (src/server/masking.ts) for GraphQL over HTTP and WebSocket. Each
 * transport only renders the result in its own body format. A bottom-level module: it imports no layer.
 *
 * - A `TracegateError` anywhere in the cause chain is public: its code and message are shown.
 * - Anything else is unexpected: logged in full under the request id, and shown only as a generic message that
 *   quotes the request id, with code STORE_UNAVAILABLE when the store cannot be reached (`isUnavailableError`
 *   below: the one classification of store faults), else INTERNAL.
 * - `httpOf` gives each public code its HTTP status and headers (Retry-After, WWW-Authenticate).
 */
import { GraphQLError } from 'graphql';
import {
  MongoBulkWriteError,
  MongoClientClosedError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoWriteConcernError,
} from 'mongodb';
import { ErrorCode, TracegateError } from './errors';
import { HttpBodyError } from './http';
import type { Logger } from './log';

/** HTTP status for a request that failed as a whole with a public code. */
export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  QUERY_TOO_COMPLEX: 400,
  PAYLOAD_TOO_LARGE: 413,
  STORE_UNAVAILABLE: 503,
  RATE_LIMITED: 429,
  SLOW_CONSUMER: 500,
  LIVE_GAP: 500,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
};

/** Seconds a client is told to wait before retrying when the store is unavailable, unless a route says otherwise. */
export const DEFAULT_STORE_RETRY_AFTER_SECONDS = 1;
/** Seconds a RATE_LIMITED client is told to wait when the error does not say (`details.retryAfterSeconds`). */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

/** What a client is told about a failure: ready to render in any transport's body format. */
export interface Failure {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly code: ErrorCode;
  /** Safe to show. */
  readonly message: string;
  /** The public error's details (limits, retry hints); transports pick what they show. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** True for an unexpected error shown only as the generic message (logged under the request id). */
  readonly masked: boolean;
}

/** Errors of a decoder's own class whose message is safe to show: the body was the client's mistake (400). */
export type DecodeErrorClass = abstract new (...args: never[]) => Error;

export interface EdgeContext {
  /** Logged with an unexpected error, and quoted in the message the client gets. */
  requestId: string;
  logger: Logger;
  storeRetryAfterSeconds?: number;
  decodeErrors?: readonly DecodeErrorClass[];
  /** More fields for the log line of an unexpected error (e.g. the GraphQL path). */
  logFields?: Record<string, unknown>;
}

/** Any thrown value -> what the client is told. */
export function failureOf(error: unknown, ctx: EdgeContext): Failure {
  const chain = causes(error);
  if (ctx.decodeErrors?.some((cls) => error instanceof cls)) {
    return { ...httpOf(ErrorCode.BAD_USER_INPUT), code: ErrorCode.BAD_USER_INPUT, message: (error as Error).message, masked: false };
  }
  const shown = chain.find((cause): cause is TracegateError => cause instanceof TracegateError);
  if (shown) {
    const { status, headers } = httpOf(shown.code, shown.details, ctx.storeRetryAfterSeconds);
    if (shown instanceof HttpBodyError) {
      // A refused body is not read to its end (over the cap, bad gzip, unknown coding): close the connection
      // rather than drain however much more the client sends.
      return { status: shown.status, headers: { ...headers, connection: 'close' }, code: shown.code, message: shown.message, masked: false };
    }
    return { status, headers, code: shown.code, message: shown.message, ...(shown.details ? { details: shown.details } : {}), masked: false };
  }
  const code = chain.some(isUnavailableError) ? ErrorCode.STORE_UNAVAILABLE : ErrorCode.INTERNAL;
  const cause = chain[chain.length - 1] ?? new Error(String(error));
  ctx.logger.error('masked error', { requestId: ctx.requestId, code, ...ctx.logFields, error: cause });
  return { ...httpOf(code, undefined, ctx.storeRetryAfterSeconds), code, message: maskedMessage(code, ctx.requestId), masked: true };
}

/** The generic message of an unexpected failure: it says where the details are and quotes the request id. */
export function maskedMessage(code: typeof ErrorCode.INTERNAL | typeof ErrorCode.STORE_UNAVAILABLE, requestId: string): string {
  const where = `The server log has the details under request id ${requestId}.`;
  return code === ErrorCode.STORE_UNAVAILABLE ? `The trace store is unavailable; retry later. ${where}` : `Internal error. ${where}`;
}

/** The HTTP status and headers of a public code (`details.retryAfterSeconds` for RATE_LIMITED). */
export function httpOf(
  code: ErrorCode,
  details?: Readonly<Record<string, unknown>>,
  storeRetryAfterSeconds: number = DEFAULT_STORE_RETRY_AFTER_SECONDS,
): { status: number; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  if (code === ErrorCode.UNAUTHENTICATED) headers['www-authenticate'] = 'Bearer';
  if (code === ErrorCode.RATE_LIMITED) {
    const seconds = details?.retryAfterSeconds;
    headers['retry-after'] = String(typeof seconds === 'number' ? seconds : DEFAULT_RETRY_AFTER_SECONDS);
  }
  if (code === ErrorCode.STORE_UNAVAILABLE) headers['retry-after'] = String(storeRetryAfterSeconds);
  return { status: STATUS_BY_CODE[code], headers };
}

/** The error and its `originalError` / `cause` chain, outermost first (bounded against cycles). */
export function causes(error: unknown): Error[] {
  const chain: Error[] = [];
  let current: unknown = error;
  while (current instanceof Error && chain.length < 10 && !chain.includes(current)) {
    chain.push(current);
    current = current instanceof GraphQLError ? (current.originalError ?? current.cause) : current.cause;
  }
  return chain;
}

/** Socket error codes that can surface from a write to a connection the server just closed. */
const NETWORK_CODES: ReadonlySet<unknown> = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * MongoDB server error codes (src/mongo/base/error_codes.yml) meaning "this node cannot take the operation now,
 * retry": unreachable hosts, a primary stepping down or gone, a node shutting down, a write concern not
 * satisfied in time, a disk that is full. The request may succeed on retry; nothing about it was the client's.
 */
export const UNAVAILABLE_SERVER_CODES: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  64, // WriteConcernTimeout (the write may be on the primary only; a retry of an idempotent write is safe)
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
  14031, // OutOfDiskSpace
]);

/**
 * Store faults: the one answer to "is this the store being unreachable or unable to write now, rather than the
 * store refusing something?" The store turns these into STORE_UNAVAILABLE at its boundary
 * (src/store/mongo/errors.ts), and the edge catches any that escaped; a transport maps STORE_UNAVAILABLE to its
 * own retryable answer (HTTP 503 + Retry-After, gRPC UNAVAILABLE).
 *
 * Recognised: the driver's network, selection, timeout and closed-client errors; a server error with one of
 * UNAVAILABLE_SERVER_CODES (a stepping-down primary, a full disk); a write-concern error; and any of these
 * inside a wrapper: the driver's MongoBulkWriteError copies the fields of the error it wraps (not its class), so a
 * bulk error without per-write errors is looked at by what it copied.
 */
export function isUnavailableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  // Seen with driver 7.9: a write to a socket the server just closed rejects with a bare { code: 'EPIPE' }.
  if (NETWORK_CODES.has((error as { code?: unknown }).code)) return true;
  if (
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNetworkError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoOperationTimeoutError ||
    error instanceof MongoServerClosedError ||
    error instanceof MongoClientClosedError ||
    error instanceof MongoWriteConcernError
  ) {
    return true;
  }
  if (error instanceof MongoBulkWriteError) {
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    if (writeErrors.some((w) => w !== undefined && UNAVAILABLE_SERVER_CODES.has(w.code as number))) return true;
    if (writeErrors.filter((w) => w !== undefined).length > 0) return false;
    // A wrapped driver error: a network error copies `beforeHandshake`, a selection error its `reason`.
    if ('beforeHandshake' in error || 'reason' in error || (error as { err?: unknown }).err !== undefined) return true;
  }
  if (error instanceof MongoError) {
    if (typeof error.code === 'number' && UNAVAILABLE_SERVER_CODES.has(error.code)) return true;
    if (error.hasErrorLabel('RetryableWriteError') || error.hasErrorLabel('ResetPool')) return true;
  }
  return false;
}
