/**
 * Apollo Server construction. `plugins` and `validationRules` are lists on purpose: the gateway passes the
 * security bundle's entries (security.ts) and each GatewayExtension's (extensions.ts).
 */
import { ApolloServer, type ApolloServerOptionsWithGateway, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError, GraphQLSchema, ValidationRule } from 'graphql';
import { compiledExecution, type OperationExecutor, spanPartsOf, STORED_LEAF_FIELDS, tracePartsOf, type GraphQLContext } from '../graphql';
import { PreparedQueries } from './prepared-queries';

export interface ApolloOptions {
  schema: GraphQLSchema;
  production: boolean;
  plugins?: readonly ApolloServerPlugin<GraphQLContext>[];
  validationRules?: readonly ValidationRule[];
  /** What a client may see of an error: the gateway's error masker (masking.ts). */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** graphql-js parse options; `maxTokens` is the query token limit (src/server/limits). */
  parseOptions?: { maxTokens?: number };
}

export interface ApolloFront {
  apollo: ApolloServer<GraphQLContext>;
  /** Repeated queries answered without Apollo's request machinery, with its plugins (prepared-queries.ts). */
  prepared: PreparedQueries<GraphQLContext>;
}

export function createApollo(options: ApolloOptions): ApolloFront {
  const run = compiledExecution(options.schema, { trustedLeaves: STORED_LEAF_FIELDS });
  // A request's context and Apollo's copy of it share its loaders.
  const prepared = new PreparedQueries<GraphQLContext>(options.schema, run, (context) => context.loaders);
  const apollo = new ApolloServer<GraphQLContext>({
    // The schema is served through Apollo's gateway interface only for its executor: repeated queries run
    // compiled (src/graphql/compiled.ts). Parsing, validation (query limits), plugins (auth scopes, limits,
    // metrics) and error formatting (masking) are Apollo's, as for a plain schema.
    gateway: compiledGateway(options.schema, run, prepared),
    // Apollo's implicit cache-control plugin wraps every field resolver (willResolveField) to compute a cache
    // policy; the schema declares no @cacheControl hints and no resolver sets one, so that policy is always
    // "uncacheable" and the plugin only ever sent `cache-control: no-store`. The header is kept (below),
    // the per-field work (~1,000 wrapped resolvers in a nested 80-span query) is not done.
    plugins: [ApolloServerPluginCacheControlDisabled(), noStorePlugin(), spanPartsPlugin(), ...(options.plugins ?? [])],
    validationRules: [...(options.validationRules ?? [])],
    formatError: options.formatError,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    introspection: !options.production,
    hideSchemaDetailsFromClientErrors: options.production,
    parseOptions: options.parseOptions ?? {},
    includeStacktraceInErrorResponses: false,
    // main.ts owns SIGINT/SIGTERM (drain HTTP, close the store); Apollo's own handlers would stop it early
    // and re-raise the signal, leaving the gateway's shutdown waiting on an already stopped server.
    stopOnTerminationSignals: false,
  });
  return { apollo, prepared };
}

// Private: what the implicit cache-control plugin answered for every response of this schema (no hints, default
// max-age 0): `cache-control: no-store`, unless a header is already set.
function noStorePlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (!response.http.headers.has('cache-control')) response.http.headers.set('cache-control', 'no-store');
        },
      };
    },
  };
}

// Private: once the operation is known, the request's span reads and trace searches ask the store only for the
// parts its document can read (src/graphql/projection.ts).
function spanPartsPlugin(): ApolloServerPlugin<GraphQLContext> {
  const listener: Awaited<ReturnType<NonNullable<ApolloServerPlugin<GraphQLContext>['requestDidStart']>>> = {
    async didResolveOperation({ document, schema, contextValue }) {
      contextValue.loaders.readSpanParts(spanPartsOf(document, schema));
      contextValue.traceParts = tracePartsOf(document, schema);
    },
  };
  return { requestDidStart: async () => listener };
}

// Private: a fixed schema whose operations run through `compiledExecution`.
function compiledGateway(schema: GraphQLSchema, run: OperationExecutor, prepared: PreparedQueries<GraphQLContext>): ApolloServerOptionsWithGateway<GraphQLContext>['gateway'] {
  return {
    async load() {
      return {
        executor: async (request) => {
          if (!request.operation) throw new Error('Apollo called the executor without a resolved operation');
          // An operation the prepared path already ran for this request, then left to Apollo for its errors.
          const context = request.context as GraphQLContext;
          const ran = prepared.takeResult(context);
          if (ran) return ran;
          prepared.record(request);
          return run({ document: request.document, operation: request.operation, operationName: request.operationName, variables: request.request.variables, contextValue: request.context });
        },
      };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async stop() {},
  };
}
