import { GraphQLError, type ASTNode } from 'graphql';
import { ErrorCode } from '../../errors';

/** Which limit a rejected operation broke; clients see it as `extensions.limit`. */
export type LimitName = 'depth' | 'aliases' | 'directives' | 'tokens' | 'cost';

/**
 * The error every limit reports: public code QUERY_TOO_COMPLEX, the limit's name, the allowed and the found value.
 * Transport details (HTTP status) are added by the transport, so the same error serves HTTP and WebSocket.
 */
export function tooComplex(limit: LimitName, allowed: number, found: number, message: string, nodes?: ASTNode | readonly ASTNode[]): GraphQLError {
  return new GraphQLError(message, {
    nodes,
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit, allowed, found },
  });
}

/** True for an error a limit rule produced (possibly wrapped by Apollo as a validation error). */
export function isLimitError(error: GraphQLError): boolean {
  const inner = error.originalError instanceof GraphQLError ? error.originalError : error;
  return inner.extensions?.code === ErrorCode.QUERY_TOO_COMPLEX || error.extensions?.code === ErrorCode.QUERY_TOO_COMPLEX;
}
