/**
 * The standard-format ingest routes as one gateway feature: `POST /v1/traces` (OTLP/HTTP) and
 * `POST /api/v2/spans` (Zipkin v2). They take the gateway's tokens (`services.security`) and go through
 * `services.ingest`, so they share validation, idempotency, live updates and the in-flight cap with `submitSpans`.
 * The object has the shape of a GatewayExtension (src/server/extensions.ts); src/server/extension-list.ts wires it.
 */
import type { IngestHttpRoute, StandardIngestOptions } from './http-edge';
import { otlpTracesRoute } from './otlp';
import { zipkinSpansRoute } from './zipkin';

export const STANDARD_INGEST_EXTENSION = 'standard-ingest';

export interface StandardIngestExtension {
  readonly name: string;
  routes(): IngestHttpRoute[];
}

export function standardIngestExtension(options: StandardIngestOptions = {}): StandardIngestExtension {
  return {
    name: STANDARD_INGEST_EXTENSION,
    routes: () => [otlpTracesRoute(options), zipkinSpansRoute(options)],
  };
}
