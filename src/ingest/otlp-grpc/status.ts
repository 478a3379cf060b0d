/**
 * Failures of an OTLP/gRPC export as gRPC statuses. The classification is the one the HTTP routes use
 * (`failureOf` in src/error-edge.ts); this file only renders it the way the OTLP specification asks of gRPC
 * ("OTLP/gRPC Response", "Failures"): a retryable failure is UNAVAILABLE and carries a `google.rpc.RetryInfo`
 * in `grpc-status-details-bin`, which OTLP exporters read to pace their retry; the rest are not retryable.
 */
import { Metadata, status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';
import { ErrorCode } from '../../errors';
import type { Failure as HttpFailure } from '../../error-edge';
import { ProtoWriter } from '../otlp';

/** The gRPC status for each public code a failure can carry. */
const GRPC_STATUS_BY_CODE: Partial<Record<ErrorCode, GrpcStatus>> = {
  BAD_USER_INPUT: GrpcStatus.INVALID_ARGUMENT,
  QUERY_TOO_COMPLEX: GrpcStatus.INVALID_ARGUMENT,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  FORBIDDEN: GrpcStatus.PERMISSION_DENIED,
  // Over the spans-per-request cap: the same request will never fit, so not UNAVAILABLE (which is retried).
  PAYLOAD_TOO_LARGE: GrpcStatus.RESOURCE_EXHAUSTED,
  RATE_LIMITED: GrpcStatus.UNAVAILABLE,
  STORE_UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  SLOW_CONSUMER: GrpcStatus.INTERNAL,
  INTERNAL: GrpcStatus.INTERNAL,
};

export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/** Field numbers: google.rpc.Status, google.protobuf.Any, google.rpc.RetryInfo, google.protobuf.Duration. */
const StatusField = { code: 1, message: 2, details: 3 } as const;
const AnyField = { type_url: 1, value: 2 } as const;
const RetryInfoField = { retry_delay: 1 } as const;
const DurationField = { seconds: 1 } as const;

/** A failure as the status a grpc-js handler answers with; the message keeps the public code in front. */
export function grpcStatusOf(failure: HttpFailure): Partial<StatusObject> & { code: GrpcStatus; details: string } {
  const code = GRPC_STATUS_BY_CODE[failure.code] ?? GrpcStatus.INTERNAL;
  const details = `${failure.code}: ${failure.message}`;
  const retryAfter = Number(failure.headers['retry-after']);
  if (code !== GrpcStatus.UNAVAILABLE || !Number.isFinite(retryAfter)) return { code, details };
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(encodeStatusWithRetryInfo(code, details, retryAfter)));
  return { code, details, metadata };
}

/** google.rpc.Status { code, message, details: [Any(RetryInfo { retry_delay: seconds })] }. */
export function encodeStatusWithRetryInfo(code: number, message: string, retryDelaySeconds: number): Uint8Array {
  const delay = new ProtoWriter().varintField(DurationField.seconds, Math.max(0, Math.ceil(retryDelaySeconds)));
  const retryInfo = new ProtoWriter().messageField(RetryInfoField.retry_delay, delay);
  const any = new ProtoWriter().stringField(AnyField.type_url, RETRY_INFO_TYPE_URL).bytesField(AnyField.value, retryInfo.finish());
  return new ProtoWriter().varintField(StatusField.code, code).stringField(StatusField.message, message).messageField(StatusField.details, any).finish();
}
