import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, validate } from 'graphql';
import type { QueryLimits } from './options';
import { requestRules } from './rules';
import { tokenLimitError } from './tokens';

const HTTP_BAD_REQUEST = 400;

/**
 * Applies the limits Apollo's `validationRules` cannot: the token count before parsing, and the
 * variable-aware cost once the operation is resolved. Errors carry QUERY_TOO_COMPLEX and HTTP 400, and are
 * raised before any resolver runs, so a rejected operation never reaches the store.
 */
export function queryLimitsPlugin<TContext extends BaseContext>(limits: QueryLimits): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        // Thrown here Apollo answers through its error response path (formatError applied, status from `http`).
        async didResolveSource({ source }) {
          const error = tokenLimitError(source, limits.maxTokens);
          if (error) throw withHttpStatus(error);
        },
        async didResolveOperation({ schema, document, request }) {
          const errors = validate(schema, document, requestRules(limits, request.variables ?? undefined));
          if (errors.length > 0) throw withHttpStatus(errors[0]!);
        },
      };
    },
  };
}

// Private: the same error with an HTTP status for Apollo's response (never sent to WebSocket clients).
function withHttpStatus(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, http: { status: HTTP_BAD_REQUEST } },
  });
}
