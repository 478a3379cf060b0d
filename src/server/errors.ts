/**
 * Apollo `formatError`: what a client may see of an error. A TracegateError (anywhere in the cause chain)
 * shows its message and public code; graphql-js / Apollo request errors (syntax, validation, coercion) are
 * shown as they are; anything else is masked: generic message, code INTERNAL and the request id, with the
 * full error logged under that id. Every error carries the request id.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode, TracegateError } from '../errors';
import { log } from '../log';
import { currentRequestId } from './http';

const logger = log.child('graphql');

export const INTERNAL_MESSAGE = 'Internal error; the server log has the details under this requestId';

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const requestId = currentRequestId();
  const original = unwrapResolverError(error);
  if (original instanceof TracegateError) {
    return { ...formatted, extensions: { code: original.code, ...(original.details ?? {}), requestId } };
  }
  if (original instanceof GraphQLError) {
    const cause = original.originalError;
    if (cause instanceof TracegateError) return { ...formatted, extensions: { code: cause.code, ...(cause.details ?? {}), requestId } };
    // No cause, or a GraphQLError cause (variable coercion wraps the scalar's error): a request error.
    if (cause === undefined || cause instanceof GraphQLError) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions: { ...extensions, requestId } };
    }
  }
  logger.error('unexpected error', { requestId, path: formatted.path?.join('.'), error: original instanceof Error ? original : new Error(String(original)) });
  return {
    message: INTERNAL_MESSAGE,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: ErrorCode.INTERNAL, requestId },
  };
}
