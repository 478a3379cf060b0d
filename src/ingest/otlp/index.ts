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
  type MappedRequest,
  type MappingRejection,
} from './map';
export { deriveCallResult } from './result';
export { nanosToIso, microsToNanos } from './time';
export { encodeExportResponse, type OtlpEncoding } from './response';
export { otlpTracesRoute, OTLP_TRACES_PATH } from './route';
