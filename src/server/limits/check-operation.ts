import { GraphQLError, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { QueryLimits } from '../../graphql';
import { documentRules, requestRules } from './rules';
import { parseWithTokenLimit } from './tokens';

export type OperationCheck =
  | { readonly kind: 'valid'; readonly document: DocumentNode }
  | { readonly kind: 'invalid'; readonly errors: readonly GraphQLError[] };

/**
 * Parse and validate one operation exactly as the HTTP path does (graphql-js's specified rules, the document
 * limit rules, the variable-aware rules), for transports that do not go through Apollo: graphql-ws does not
 * run an HTTP server's validation rules by itself. In production, suggestions ("Did you mean ...") are hidden.
 */
export function checkOperation(
  schema: GraphQLSchema,
  query: string,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  limits: QueryLimits,
  options: { production: boolean },
): OperationCheck {
  let document: DocumentNode;
  try {
    document = parseWithTokenLimit(query, limits.maxTokens);
  } catch (error) {
    if (error instanceof GraphQLError) return { kind: 'invalid', errors: [error] };
    throw error;
  }
  const rules = [...specifiedRules, ...documentRules(limits, options), ...requestRules(limits, variables ?? undefined)];
  const errors = validate(schema, document, rules, { hideSuggestions: options.production });
  return errors.length > 0 ? { kind: 'invalid', errors } : { kind: 'valid', document };
}
