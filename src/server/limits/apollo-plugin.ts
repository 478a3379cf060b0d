import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, validate, type DocumentNode } from 'graphql';
import type { QueryLimits } from '../../graphql';
import { costVariables } from './cost';
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
  // The verdict depends on the schema, the document and the values of the variables the cost estimate reads (a
  // `first` given as a variable; `costVariables`). Apollo hands the same DocumentNode for a repeated query text
  // (its parsed-document cache), so a verdict is kept per document and those values: a `trace(id: $id)` asked for
  // another id, or a `submitSpans` with other spans, is not estimated again.
  const verdicts = new WeakMap<object, WeakMap<DocumentNode, Verdicts>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, operation }) {
          if (!operation) return;
          const variables = request.variables ?? undefined;
          let perSchema = verdicts.get(schema);
          if (!perSchema) verdicts.set(schema, (perSchema = new WeakMap()));
          let perDocument = perSchema.get(document);
          if (!perDocument) perSchema.set(document, (perDocument = { reads: costVariables(document), byValues: new Map() }));
          const key = verdictKey(perDocument.reads, variables);
          if (key !== undefined) {
            const known = perDocument.byValues.get(key);
            if (known === null) return;
            if (known) throw withHttpStatus(known);
          }
          const errors = validate(schema, document, requestRules(limits, variables));
          if (key !== undefined) {
            if (perDocument.byValues.size >= MAX_VERDICTS_PER_DOCUMENT) perDocument.byValues.clear();
            perDocument.byValues.set(key, errors[0] ?? null);
          }
          if (errors.length > 0) throw withHttpStatus(errors[0]!);
        },
      };
    },
  };
}

const MAX_VERDICTS_PER_DOCUMENT = 256;
const MAX_VERDICT_KEY_CHARS = 2048;

/** One document's verdicts: the variables its estimate reads, and the verdict per key of their values. */
interface Verdicts {
  reads: readonly string[];
  byValues: Map<string, GraphQLError | null>;
}

/** The key of a request that sent no variables at all (the estimate then assumes the worst for every variable). */
const NO_VARIABLES = '-';

// Private: the values of the variables the estimate reads as a cache key, or undefined (not cached) when they are
// too long to be worth keeping. Each value is its JSON text, one not sent is empty (no JSON text is), joined with
// commas (a JSON text has no comma outside its brackets and quotes, so the join is unambiguous); `-` when no
// variables were sent at all.
function verdictKey(reads: readonly string[], variables: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (variables === undefined) return NO_VARIABLES;
  const key = reads.map((name) => (name in variables ? JSON.stringify(variables[name] ?? null) : '')).join(',');
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
