/**
 * The Zipkin v2 and Jaeger HTTP query APIs as one gateway extension: GET routes under /api/v2 (Zipkin) and
 * /api (Jaeger) that read the store the GraphQL resolvers read, behind the same `read` tokens, and answer each
 * system's own JSON so that the Zipkin and Jaeger UIs and Grafana's data sources work unchanged.
 */
import type { GatewayExtension } from '../server/extensions';
import { jaegerQueryRoutes } from './jaeger';
import { zipkinQueryRoutes, type ZipkinApiOptions } from './zipkin';

export const QUERY_API_EXTENSION = 'query-api';

export function queryApiExtension(options: ZipkinApiOptions = {}): GatewayExtension {
  return {
    name: QUERY_API_EXTENSION,
    routes: () => [...zipkinQueryRoutes(options), ...jaegerQueryRoutes()],
  };
}

export { QueryParamError, MAX_TRACES_PER_QUERY } from './params';
export { toZipkinSpan, toZipkinTrace, tagString, ZIPKIN_API_PREFIX, type ZipkinSpan, type ZipkinApiOptions } from './zipkin';
export { toJaegerTrace, jaegerTraceId, typed, JAEGER_API_PREFIX, type JaegerTrace, type JaegerSpan, type JaegerKeyValue } from './jaeger';
export { MAX_SCANNED_TRACES, MAX_DEPENDENCY_TRACES } from './reads';
