export { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../../graphql';
export { documentRules } from './rules';
export { depthLimitRule } from './depth';
export { aliasLimitRule } from './aliases';
export { directiveLimitRule } from './directives';
export { costLimitRule, costVariables } from './cost';
export { tokenLimitError, countTokensUpTo } from './tokens';
export { queryLimitsPlugin } from './apollo-plugin';
export { checkOperation, type OperationCheck } from './check-operation';
