/**
 * Apollo Server construction. `plugins` and `validationRules` are lists on purpose: the security and
 * live-update features add their entries through GatewayExtension (extensions.ts).
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError, GraphQLSchema, ValidationRule } from 'graphql';
import type { GraphQLContext } from '../graphql';
import { formatError as defaultFormatError } from './errors';

export interface ApolloOptions {
  schema: GraphQLSchema;
  production: boolean;
  plugins?: readonly ApolloServerPlugin<GraphQLContext>[];
  validationRules?: readonly ValidationRule[];
  formatError?: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** graphql-js parse options; `maxTokens` is the query token limit (src/server/limits). */
  parseOptions?: { maxTokens?: number };
}

export function createApollo(options: ApolloOptions): ApolloServer<GraphQLContext> {
  return new ApolloServer<GraphQLContext>({
    schema: options.schema,
    plugins: [...(options.plugins ?? [])],
    validationRules: [...(options.validationRules ?? [])],
    formatError: options.formatError ?? defaultFormatError,
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
}
