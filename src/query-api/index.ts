/**
 * The Zipkin v2 and Jaeger HTTP query APIs as one gateway extension: GET routes under /api/v2 (Zipkin) and
 * /api (Jaeger) that read the store the GraphQL resolvers read, behind the same `read` tokens, and answer each
 * system's own JSON so that the Zipkin and Jaeger UIs and Grafana's data sources work unchanged.
 */
import type { QueryApiRoute } from './edge';
import { jaegerQueryRoutes } from './jaeger';
import { zipkinQueryRoutes, type ZipkinApiOptions } from './zipkin';

export const QUERY_API_EXTENSION = 'query-api';

/** A gateway feature (the shape of a GatewayExtension, src/server/extensions.ts); src/server/extension-list.ts wires it. */
export interface QueryApiExtension {
  readonly name: string;
  routes(): QueryApiRoute[];
}

/** Options of both APIs; `dependencies` serves /api/v2/dependencies and /api/dependencies alike. */
export type QueryApiOptions = ZipkinApiOptions;

export function queryApiExtension(options: QueryApiOptions = {}): QueryApiExtension {
  return {
    name: QUERY_API_EXTENSION,
    routes: () => [...zipkinQueryRoutes(options), ...jaegerQueryRoutes({ ...(options.dependencies ? { dependencies: options.dependencies } : {}) })],
  };
}

export type { ZipkinApiOptions } from './zipkin';
export type { DependencySource, DependencyLink } from './reads';
