/**
 * The call result of an OTLP span, derived from its status and the semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/http/http-spans/#status, .../rpc/grpc/#grpc-status):
 * - `code`: the HTTP status (`http.response.status_code`, or the older `http.status_code`) as a decimal string,
 *   else the gRPC status (`rpc.grpc.status_code`) by its canonical name ("NOT_FOUND");
 * - `status`: the span's own status when set; when UNSET, ERROR if the convention calls the code an error
 *   (HTTP: >= 500, or >= 400 unless the span is SERVER; gRPC: any non-OK code on a CLIENT span, the server-fault
 *   codes on a SERVER span), OK when a code is present otherwise, UNSET when there is no code;
 * - `message`: the status message.
 * No status, no message and no code: no result.
 */
import type { SpanInputShape, SpanKind, StatusCode } from '../../domain';

type CallResultInput = NonNullable<SpanInputShape['result']>;
import type { AnyValue, KeyValue } from './model';
import { findAttribute } from './any-value';

/** google.rpc.Code, by number. */
const GRPC_CODE_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** gRPC codes that mark a SERVER span as failed (semconv rpc/grpc "gRPC Status"). */
const GRPC_SERVER_ERRORS = new Set([2, 4, 12, 13, 14, 15]);

export const HTTP_STATUS_ATTRIBUTES = ['http.response.status_code', 'http.status_code'] as const;
export const GRPC_STATUS_ATTRIBUTE = 'rpc.grpc.status_code';

export function deriveCallResult(kind: SpanKind, status: StatusCode, statusMessage: string, attributes: KeyValue[]): CallResultInput | undefined {
  const http = firstInteger(attributes, HTTP_STATUS_ATTRIBUTES);
  const grpc = http === undefined ? firstInteger(attributes, [GRPC_STATUS_ATTRIBUTE]) : undefined;
  if (http === undefined && grpc === undefined && status === 'UNSET' && statusMessage === '') return undefined;

  let code: string | undefined;
  let conventional: StatusCode = 'UNSET';
  if (http !== undefined) {
    code = String(http);
    conventional = http >= 500 || (http >= 400 && kind !== 'SERVER') ? 'ERROR' : 'OK';
  } else if (grpc !== undefined) {
    code = GRPC_CODE_NAMES[grpc] ?? String(grpc);
    const failed = kind === 'SERVER' ? GRPC_SERVER_ERRORS.has(grpc) : grpc !== 0;
    conventional = failed ? 'ERROR' : 'OK';
  }
  const result: CallResultInput = { status: status !== 'UNSET' ? status : conventional };
  if (code !== undefined) result.code = code;
  if (statusMessage !== '') result.message = statusMessage;
  return result;
}

// Private: instrumentations send status codes as ints, some as numeric strings.
function firstInteger(attributes: KeyValue[], keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const n = asInteger(findAttribute(attributes, key));
    if (n !== undefined) return n;
  }
  return undefined;
}

function asInteger(v: AnyValue | undefined): number | undefined {
  if (!v) return undefined;
  if (v.kind === 'int') return Number(v.value);
  if (v.kind === 'double' && Number.isInteger(v.value)) return v.value;
  if (v.kind === 'string' && /^\d{1,4}$/.test(v.value)) return Number(v.value);
  return undefined;
}
