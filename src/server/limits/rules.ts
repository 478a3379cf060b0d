import { NoSchemaIntrospectionCustomRule, type ValidationRule } from 'graphql';
import { aliasLimitRule } from './aliases';
import { costLimitRule } from './cost';
import { depthLimitRule } from './depth';
import { directiveLimitRule } from './directives';
import type { QueryLimits } from '../../graphql';

/**
 * The limit rules that depend on the document alone (Apollo caches validation per document, so variable-aware
 * rules cannot go here). In production introspection is refused by the same list, so WebSocket subscribe
 * refuses it exactly like HTTP does.
 */
export function documentRules(limits: QueryLimits, options: { production: boolean }): ValidationRule[] {
  const rules = [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases), directiveLimitRule(limits.maxDirectives)];
  if (options.production) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

/** The rules that read the request's variable values (`first: $n`); run after the operation is resolved. */
export function requestRules(limits: QueryLimits, variables: Readonly<Record<string, unknown>> | undefined): ValidationRule[] {
  return [costLimitRule(limits, variables)];
}
