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
export { authorizeIngest, type IngestHttpRoute, type IngestRouteContext, type IngestRouteServices, type StandardIngestOptions } from './http-edge';
export { standardIngestExtension, STANDARD_INGEST_EXTENSION, type StandardIngestExtension } from './standard';
export { otlpTracesRoute, OTLP_TRACES_PATH } from './otlp';
export { zipkinSpansRoute, ZIPKIN_SPANS_PATH } from './zipkin';
export { otlpGrpcExtension, OTLP_GRPC_EXTENSION, type OtlpGrpcExtension, type OtlpGrpcOptions } from './otlp-grpc';
export { mergeRejections, summarizeRejections } from './rejections';
