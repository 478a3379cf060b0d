/**
 * Ingest: the one ingest path (`IngestService.submit`) and the standard formats that feed it (OTLP/HTTP,
 * OTLP/gRPC, Zipkin v2). What the gateway wires and what other layers read; the decoders' internals are not
 * exported.
 */
export {
  IngestService,
  DEFAULT_MAX_INFLIGHT_SPANS,
  type IngestAdmission,
  type IngestRoute,
  type StoredListener,
  type SubmitSpansResult,
} from './service';
export type { IngestHttpRoute, IngestRouteContext, IngestRouteServices, StandardIngestOptions } from './http-edge';
export { standardIngestExtension, type StandardIngestExtension } from './standard';
export { otlpGrpcExtension, type OtlpGrpcExtension, type OtlpGrpcOptions } from './otlp-grpc';
