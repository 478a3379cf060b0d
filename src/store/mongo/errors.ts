/**
 * Driver errors that mean "the store cannot be reached or stopped answering" (`isUnavailableError`, the one
 * classification of store faults, in src/error-edge.ts) become STORE_UNAVAILABLE;
 * the driver's own message (hosts, collection names) stays in the server log, never in the client error.
 */
import { ErrorCode, TracegateError } from '../../errors';
import { isUnavailableError } from '../../error-edge';
import { log } from '../../log';

const logger = log.child('store');

export function toStoreError(error: unknown, operation: string): unknown {
  if (error instanceof TracegateError) return error;
  if (isUnavailableError(error)) {
    logger.warn('store unavailable', { operation, error: error instanceof Error ? error : JSON.stringify(error) });
    // The operation names internals; it goes to the log line above, not to the client.
    return new TracegateError(ErrorCode.STORE_UNAVAILABLE, 'The trace store is unavailable; retry later');
  }
  return error;
}
