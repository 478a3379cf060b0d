/** OTLP/HTTP trace ingest: decoders for both encodings, the mapping onto SpanInput, and the route. */
export { decodeProtobufTraceRequest } from './proto-decode';
export { decodeJsonTraceRequest } from './json-decode';
export { OtlpDecodeError, type OtlpTraceRequest, type KeyValue } from './model';
export { ProtoReader, ProtoWriter } from './wire';
export {
  mapTraceRequest,
  UNKNOWN_SERVICE,
  UNKNOWN_OPERATION,
  RESOURCE_PREFIX,
  SCOPE_PREFIX,
  SCOPE_NAME_ATTRIBUTE,
  SCOPE_VERSION_ATTRIBUTE,
  TRACE_STATE_ATTRIBUTE,
  type MappedRequest,
  type MappingRejection,
} from './map';
export { deriveCallResult } from './result';
export { nanosToIso, microsToNanos } from './time';
export { encodeExportResponse, encodeRpcStatus, OTLP_CONTENT_TYPE, type OtlpEncoding } from './response';
export { otlpTracesRoute, OTLP_TRACES_PATH } from './route';
