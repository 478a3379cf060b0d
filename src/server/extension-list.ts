/**
 * Start here: the features of the production gateway (main.ts starts the gateway with this list). The core
 * (gateway.ts) serves /graphql (queries and mutations over HTTP), /healthz, /readyz, /metrics and the landing
 * page; everything else is a feature plugged in as one GatewayExtension (extensions.ts): routes, resolvers,
 * Apollo plugins, or something attached to the HTTP server. Add yours to this list; tests may start a gateway
 * with any subset.
 *
 * | feature            | what it adds                                                                   | code            |
 * |--------------------|--------------------------------------------------------------------------------|-----------------|
 * | standard ingest    | POST /v1/traces (OTLP/HTTP), POST /api/v2/spans (Zipkin v2)                    | src/ingest      |
 * | live updates       | Subscription resolvers, graphql-ws on /graphql, the live hub and its source    | live-extension.ts, src/live |
 * | query APIs         | GET /api/v2/* (Zipkin v2) and /api/* (Jaeger) over the same store; dependencies from the service graph | src/query-api, service-graph-dependencies.ts |
 * | OTLP/gRPC          | TraceService/Export on TRACEGATE_OTLP_GRPC_PORT (off when 0)                   | src/ingest/otlp-grpc |
 * | service analytics  | rollups at ingest, serviceGraph / stats / criticalPath resolvers, serviceStats | analytics-extension.ts, src/analytics |
 */
import type { Config } from '../config';
import { otlpGrpcExtension, standardIngestExtension } from '../ingest';
import { queryApiExtension } from '../query-api';
import { analyticsExtension } from './analytics-extension';
import type { GatewayExtension } from './extensions';
import { liveExtension } from './live-extension';
import { serviceGraphDependencies } from './service-graph-dependencies';

export function gatewayExtensions(config: Config): GatewayExtension[] {
  const live = liveExtension();
  const analytics = analyticsExtension({ live, record: config.stats });
  return [
    standardIngestExtension(),
    live,
    analytics,
    queryApiExtension({ autocompleteKeys: config.zipkinAutocompleteKeys, dependencies: serviceGraphDependencies(analytics) }),
    ...(config.otlpGrpcPort !== 0 ? [otlpGrpcExtension({ port: config.otlpGrpcPort, host: config.host })] : []),
  ];
}
