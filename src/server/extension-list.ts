/**
 * The features wired into the production gateway (main.ts). Each feature contributes one GatewayExtension;
 * add yours to this list. Tests may start a gateway with any subset.
 */
import type { Config } from '../config';
import { standardIngestExtension } from '../ingest/standard';
import { otlpGrpcExtension } from '../ingest/otlp-grpc';
import { queryApiExtension } from '../query-api';
import { liveExtension } from '../live';
import type { GatewayExtension } from './extensions';

export function gatewayExtensions(config: Config): GatewayExtension[] {
  return [
    standardIngestExtension(),
    liveExtension(),
    queryApiExtension({ autocompleteKeys: config.zipkinAutocompleteKeys }),
    ...(config.otlpGrpcPort !== 0 ? [otlpGrpcExtension({ port: config.otlpGrpcPort, host: config.host })] : []),
  ];
}
