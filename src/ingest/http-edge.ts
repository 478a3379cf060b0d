/**
 * What the OTLP and Zipkin routes share at the HTTP edge: the `ingest` scope check and the translation of any
 * failure into an HTTP status, a public code and a message that is safe to show. Each route renders that failure
 * in its own protocol's body. The in-flight cap is not here: `IngestService.submit` applies the gateway's one
 * limiter to every route, the mutation included.
 */
import type { IncomingMessage } from 'node:http';
import { ErrorCode, TracegateError } from '../errors';
import { isUnavailableError } from '../store';
import type { Logger } from '../log';
import { requireScope, Scope, type Authenticator } from '../server/auth';
import { STATUS_BY_CODE } from '../server/http';
import { retryAfterOf } from '../server/overload';
import { HttpBodyError } from './http-body';

export interface StandardIngestOptions {
  /** Seconds a client is told to wait when the store is unavailable (default 1). */
  storeRetryAfterSeconds?: number;
}

/** A failure ready to render: status, headers (Retry-After, WWW-Authenticate, Connection) and a safe message. */
export interface HttpFailure {
  status: number;
  code: ErrorCode;
  message: string;
  headers: Record<string, string>;
}

/** An undecodable body: the routes' decoders throw errors of these classes (message safe to show). */
export type DecodeErrorClass = abstract new (...args: never[]) => Error;

export const DEFAULT_STORE_RETRY_AFTER_SECONDS = 1;
export const INTERNAL_FAILURE_MESSAGE = 'Internal error; the server log has the details under this request id (x-request-id)';
export const STORE_UNAVAILABLE_FAILURE_MESSAGE = 'The trace store is unavailable; nothing was acknowledged, retry later';

/**
 * Throws UNAUTHENTICATED / FORBIDDEN unless the request may ingest. The gateway's own gate already refused
 * missing and unknown tokens before the route ran; the scope is this route's to check.
 */
export function authorizeIngest(req: IncomingMessage, authenticator: Authenticator): void {
  requireScope(authenticator.authenticate(req.headers.authorization), Scope.INGEST);
}

/**
 * Any thrown value -> what the client is told. Unexpected errors are logged in full under the request id and
 * shown only as a generic message.
 */
export function failureOf(
  error: unknown,
  ctx: { requestId: string; logger: Logger; decodeErrors: readonly DecodeErrorClass[]; storeRetryAfterSeconds?: number },
): HttpFailure {
  const storeRetry = String(ctx.storeRetryAfterSeconds ?? DEFAULT_STORE_RETRY_AFTER_SECONDS);
  if (error instanceof HttpBodyError) {
    // A refused body is not read to its end (over the cap, bad gzip, unknown coding): close the connection
    // rather than drain however much more the client sends.
    return { status: error.status, code: error.code, message: error.message, headers: { connection: 'close' } };
  }
  if (ctx.decodeErrors.some((cls) => error instanceof cls)) {
    return { status: 400, code: ErrorCode.BAD_USER_INPUT, message: (error as Error).message, headers: {} };
  }
  if (error instanceof TracegateError) {
    const headers: Record<string, string> = {};
    const retryAfter = retryAfterOf(error);
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
    if (error.code === ErrorCode.STORE_UNAVAILABLE) headers['retry-after'] = storeRetry;
    if (error.code === ErrorCode.UNAUTHENTICATED) headers['www-authenticate'] = 'Bearer';
    return { status: STATUS_BY_CODE[error.code], code: error.code, message: error.message, headers };
  }
  ctx.logger.error('ingest route failed', { requestId: ctx.requestId, error: error instanceof Error ? error : new Error(String(error)) });
  if (isUnavailableError(error)) {
    return { status: 503, code: ErrorCode.STORE_UNAVAILABLE, message: STORE_UNAVAILABLE_FAILURE_MESSAGE, headers: { 'retry-after': storeRetry } };
  }
  return { status: 500, code: ErrorCode.INTERNAL, message: INTERNAL_FAILURE_MESSAGE, headers: {} };
}

/** A media type without parameters, lowercased: `Application/JSON; charset=utf-8` -> `application/json`. */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}
