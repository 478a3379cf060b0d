/** OTLP/gRPC trace ingest: the TraceService/Export listener as a gateway extension, and its status mapping. */
export { otlpGrpcExtension, OTLP_GRPC_EXTENSION, TRACE_SERVICE_EXPORT_PATH, type OtlpGrpcExtension, type OtlpGrpcOptions } from './server';
export { STATUS_DETAILS_KEY, RETRY_INFO_TYPE_URL } from './status';
