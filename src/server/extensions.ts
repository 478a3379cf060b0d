/**
 * How features plug into the gateway without editing its core: routes (OTLP, Zipkin), Apollo plugins and
 * validation rules (auth, query limits), extra resolvers (Subscription), and `attach` for anything that needs
 * the HTTP server itself (the graphql-ws upgrade on /graphql). `stop` hooks run on shutdown in reverse order.
 */
import type { Server } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema, ValidationRule } from 'graphql';
import type { Resolvers } from '../generated/graphql';
import type { GraphQLContext } from '../graphql';
import type { GatewayServices, Route } from './router';

export interface AttachContext {
  httpServer: Server;
  schema: GraphQLSchema;
  services: GatewayServices;
}

export interface GatewayExtension {
  readonly name: string;
  resolvers?(services: GatewayServices): Resolvers[];
  routes?(services: GatewayServices): Route[];
  plugins?(services: GatewayServices): ApolloServerPlugin<GraphQLContext>[];
  validationRules?(services: GatewayServices): ValidationRule[];
  /**
   * Called as shutdown begins, before in-flight HTTP requests are waited for: stop taking new work and tell
   * long-lived clients to go (the graphql-ws endpoint closes its sockets with 1001 here).
   */
  drain?(): void;
  /** Called once the HTTP server exists, before it listens. The returned function runs on shutdown. */
  attach?(ctx: AttachContext): Promise<(() => Promise<void>) | void>;
}
