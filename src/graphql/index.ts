/** The GraphQL layer: executable schema, per-request context and loaders. */
export { createSchema, type SchemaOptions } from './schema';
export { createContext, createSubscriptionContext, renewLoaders, type GraphQLContext, type ContextDeps } from './context';
export { createLoaders, type Loaders } from './loaders';
export { DateTimeScalar, JSONScalar } from './scalars';
export { DEFAULT_QUERY_LIMITS, type QueryLimits } from './query-limits';
export { analyticsResolvers, type AnalyticsResolverDeps, type ServiceSpanFeed } from './resolvers';
export { spanPartsOf, tracePartsOf } from './projection';
export { compiledExecution, type OperationExecutor, type OperationRequest } from './compiled';
export { STORED_LEAF_FIELDS } from './stored-leaves';
