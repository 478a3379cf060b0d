/**
 * Driver errors that mean "the store cannot be reached or stopped answering" become STORE_UNAVAILABLE;
 * the driver's own message (hosts, collection names) stays in the server log, never in the client error.
 */
import {
  MongoClientClosedError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { ErrorCode, TracegateError } from '../../errors';
import { log } from '../../log';

const logger = log.child('store');

/** Socket error codes that can surface from a write to a connection the server just closed. */
const NETWORK_CODES: ReadonlySet<unknown> = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The one answer to "is this the store being unreachable, rather than the store refusing something?" */
export function isUnavailableError(error: unknown): boolean {
  // Seen with driver 7.9: a write to a socket the server just closed rejects with a bare { code: 'EPIPE' }.
  if (typeof error === 'object' && error !== null && NETWORK_CODES.has((error as { code?: unknown }).code)) return true;
  return (
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNetworkError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoOperationTimeoutError ||
    error instanceof MongoServerClosedError ||
    error instanceof MongoClientClosedError
  );
}

export function toStoreError(error: unknown, operation: string): unknown {
  if (error instanceof TracegateError) return error;
  if (isUnavailableError(error)) {
    logger.warn('store unavailable', { operation, error: error instanceof Error ? error : JSON.stringify(error) });
    // The operation names internals; it goes to the log line above, not to the client.
    return new TracegateError(ErrorCode.STORE_UNAVAILABLE, 'The trace store is unavailable; retry later');
  }
  return error;
}
