import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, validate, type DocumentNode } from 'graphql';
import type { QueryLimits } from '../../graphql';
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
  // The verdict depends on the schema, the document and the variables only. Apollo hands the same DocumentNode
  // for a repeated query text (its parsed-document cache), so a query's verdict is kept per document and
  // variables text; mutations (the ingest's big variable lists) are validated every time.
  const verdicts = new WeakMap<object, WeakMap<DocumentNode, Map<string, GraphQLError | null>>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, operation }) {
          const variables = request.variables ?? undefined;
          const key = operation?.operation === 'query' ? verdictKey(variables) : undefined;
          let perDocument: Map<string, GraphQLError | null> | undefined;
          if (key !== undefined) {
            let perSchema = verdicts.get(schema);
            if (!perSchema) verdicts.set(schema, (perSchema = new WeakMap()));
            perDocument = perSchema.get(document);
            if (!perDocument) perSchema.set(document, (perDocument = new Map()));
            const known = perDocument.get(key);
            if (known === null) return;
            if (known) throw withHttpStatus(known);
          }
          const errors = validate(schema, document, requestRules(limits, variables));
          if (perDocument && key !== undefined) {
            if (perDocument.size >= MAX_VERDICTS_PER_DOCUMENT) perDocument.clear();
            perDocument.set(key, errors[0] ?? null);
          }
          if (errors.length > 0) throw withHttpStatus(errors[0]!);
        },
      };
    },
  };
}

const MAX_VERDICTS_PER_DOCUMENT = 256;
const MAX_VERDICT_KEY_CHARS = 2048;

// Private: the variables as a cache key, or undefined (not cached) when they are too long to be worth keeping.
function verdictKey(variables: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const key = variables === undefined ? '' : JSON.stringify(variables);
  return key.length <= MAX_VERDICT_KEY_CHARS ? key : undefined;
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
