/**
 * OTLP/HTTP responses (OTLP specification, "OTLP/HTTP Response"): success is an `ExportTraceServiceResponse`,
 * failure a `google.rpc.Status`, each encoded like the request (protobuf or JSON).
 */
import { ProtoWriter } from './wire';

export type OtlpEncoding = 'protobuf' | 'json';

export const OTLP_CONTENT_TYPE: Record<OtlpEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** Field numbers: ExportTraceServiceResponse, ExportTracePartialSuccess, google.rpc.Status. */
const ExportTraceServiceResponseField = { partial_success: 1 } as const;
const ExportTracePartialSuccessField = { rejected_spans: 1, error_message: 2 } as const;
const RpcStatusField = { code: 1, message: 2 } as const;

/** google.rpc.Code values used in error bodies. */
export const RpcCode = {
  INVALID_ARGUMENT: 3,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
export type RpcCode = (typeof RpcCode)[keyof typeof RpcCode];

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

/** The success body; `partialSuccess` is left out entirely when nothing was rejected, as the spec asks. */
export function encodeExportResponse(encoding: OtlpEncoding, partial?: PartialSuccess): Buffer {
  const hasPartial = partial !== undefined && (partial.rejectedSpans > 0 || partial.errorMessage !== '');
  if (encoding === 'json') {
    // proto3 JSON spells int64 as a decimal string.
    const body = hasPartial ? { partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } } : {};
    return Buffer.from(JSON.stringify(body));
  }
  const response = new ProtoWriter();
  if (hasPartial) {
    const ps = new ProtoWriter();
    if (partial.rejectedSpans > 0) ps.varintField(ExportTracePartialSuccessField.rejected_spans, partial.rejectedSpans);
    if (partial.errorMessage !== '') ps.stringField(ExportTracePartialSuccessField.error_message, partial.errorMessage);
    response.messageField(ExportTraceServiceResponseField.partial_success, ps);
  }
  return Buffer.from(response.finish());
}

export function encodeRpcStatus(encoding: OtlpEncoding, code: RpcCode, message: string): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code, message }));
  return Buffer.from(new ProtoWriter().varintField(RpcStatusField.code, code).stringField(RpcStatusField.message, message).finish());
}
