/**
 * The standard-format ingest routes as one gateway extension: `POST /v1/traces` (OTLP/HTTP) and
 * `POST /api/v2/spans` (Zipkin v2). Pass the gateway's security bundle pieces (`security.authenticator`,
 * `security.ingestLimiter`) so these routes share one in-flight cap with `submitSpans`. Without them the routes
 * still take the configured tokens (`config.tokens`) and get an in-flight cap of their own
 * (`config.maxInflightIngestSpans`), so a forgotten wiring never leaves them open or unbounded.
 */
import { Authenticator } from '../server/auth';
import type { GatewayExtension } from '../server/extensions';
import { IngestLimiter } from '../server/overload';
import type { StandardIngestOptions } from './http-edge';
import { otlpTracesRoute } from './otlp/route';
import { zipkinSpansRoute } from './zipkin/route';

export const STANDARD_INGEST_EXTENSION = 'standard-ingest';

export function standardIngestExtension(options: StandardIngestOptions = {}): GatewayExtension {
  return {
    name: STANDARD_INGEST_EXTENSION,
    routes: (services) => {
      const resolved: StandardIngestOptions = {
        ...options,
        authenticator: options.authenticator ?? new Authenticator(services.config.tokens),
        limiter: options.limiter ?? new IngestLimiter(services.config.maxInflightIngestSpans),
      };
      return [otlpTracesRoute(resolved), zipkinSpansRoute(resolved)];
    },
  };
}
