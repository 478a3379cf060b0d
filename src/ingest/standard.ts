/**
 * The standard-format ingest routes as one gateway extension: `POST /v1/traces` (OTLP/HTTP) and
 * `POST /api/v2/spans` (Zipkin v2). They take the gateway's tokens (`services.security`) and go through
 * `services.ingest`, so they share validation, idempotency, live updates and the in-flight cap with `submitSpans`.
 */
import type { GatewayExtension } from '../server/extensions';
import type { StandardIngestOptions } from './http-edge';
import { otlpTracesRoute } from './otlp/route';
import { zipkinSpansRoute } from './zipkin/route';

export const STANDARD_INGEST_EXTENSION = 'standard-ingest';

export function standardIngestExtension(options: StandardIngestOptions = {}): GatewayExtension {
  return {
    name: STANDARD_INGEST_EXTENSION,
    routes: () => [otlpTracesRoute(options), zipkinSpansRoute(options)],
  };
}
