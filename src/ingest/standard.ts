/**
 * The standard-format ingest routes as one gateway extension: `POST /v1/traces` (OTLP/HTTP) and
 * `POST /api/v2/spans` (Zipkin v2). Pass the gateway's Authenticator and IngestLimiter so these routes take the
 * same tokens and share the same in-flight cap as `submitSpans`.
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
