import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, validate } from 'graphql';
import type { QueryLimits } from './options';
import { requestRules } from './rules';

const HTTP_BAD_REQUEST = 400;

/**
 * Applies the limit Apollo's `validationRules` cannot: the variable-aware cost, once the operation is
 * resolved. The error carries QUERY_TOO_COMPLEX and HTTP 400, and is raised before any resolver runs, so a
 * rejected operation never reaches the store. (The token limit is Apollo's `parseOptions.maxTokens`; the
 * masker recognises its syntax error, see masking.ts. Errors thrown from `didResolveSource` would become
 * Apollo's generic 500, so the count is not done there.)
 */
export function queryLimitsPlugin<TContext extends BaseContext>(limits: QueryLimits): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
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
