/**
 * Zipkin v2 JSON (`ListOfSpans` in zipkin2-api.yaml, https://zipkin.io/zipkin-api/) -> `SpanInput`s. Choices,
 * documented in docs/ingest.md:
 * - traceId: 32 hex digits as is; a 64-bit (16-digit) id is padded to 32 with leading zeros, the way Zipkin
 *   itself compares 64-bit and 128-bit ids;
 * - service: `localEndpoint.serviceName`, absent -> `unknown_service`; operation: `name`, absent -> `unknown`;
 * - kind: CLIENT / SERVER / PRODUCER / CONSUMER, absent -> INTERNAL;
 * - times: `timestamp` (epoch µs, required here because a Tracegate span has a start) and `duration` (µs,
 *   absent -> 0);
 * - tags -> string attributes; annotations -> events named by their value;
 * - status: ERROR when an `error` tag is present (its value is the result message), else `otel.status_code`
 *   (OK / ERROR) when an OTel exporter set it, else UNSET; the result code follows the same conventions as OTLP;
 * - `localEndpoint` addresses, `remoteEndpoint`, `debug` and `shared` are kept as `zipkin.*` attributes;
 * - a shared SERVER span (`shared: true`, the server half of an RPC reported under its client's span id, as
 *   zipkin-js does by default) gets its own span id, derived from the trace id and the shared id (see
 *   `sharedServerSpanId`), and the CLIENT half as its parent; the shared id is kept as `zipkin.id`. Both halves are
 *   stored, whichever arrives first, and a re-submitted half is still a duplicate. Jaeger's query service does the
 *   same at read time (its span-id deduper); doing it at ingest keeps (traceId, spanId) a unique key.
 * A span that does not fit is rejected alone, with its position and reason; the others go on.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, TracegateError } from '../../errors';
import type { AttributeInputShape, SpanInputShape, SpanKind, StatusCode } from '../../domain';
import { deriveCallResult, microsToNanos, nanosToIso, UNKNOWN_OPERATION, UNKNOWN_SERVICE, type KeyValue } from '../otlp';

export const ERROR_TAG = 'error';
export const OTEL_STATUS_TAG = 'otel.status_code';
export const LOCAL_ENDPOINT_ATTRIBUTE = 'zipkin.localEndpoint';
export const REMOTE_ENDPOINT_ATTRIBUTE = 'zipkin.remoteEndpoint';
export const DEBUG_ATTRIBUTE = 'zipkin.debug';
export const SHARED_ATTRIBUTE = 'zipkin.shared';
/** On a shared SERVER half: the span id it was reported under (its CLIENT half's id). */
export const SHARED_ID_ATTRIBUTE = 'zipkin.id';

const KINDS: Record<string, SpanKind> = { CLIENT: 'CLIENT', SERVER: 'SERVER', PRODUCER: 'PRODUCER', CONSUMER: 'CONSUMER' };
const HEX_16 = /^[0-9a-fA-F]{16}$/;
const ENDPOINT_FIELDS = ['serviceName', 'ipv4', 'ipv6', 'port'] as const;

/** The body is not a Zipkin v2 span list at all (HTTP 400, nothing stored). */
export class ZipkinDecodeError extends TracegateError {
  constructor(message: string) {
    super(ErrorCode.BAD_USER_INPUT, message);
    this.name = 'ZipkinDecodeError';
  }
}

export interface ZipkinMapped {
  total: number;
  inputs: SpanInputShape[];
  /** `positions[i]` is the index in the posted list of `inputs[i]`. */
  positions: number[];
  rejected: { index: number; code: string; message: string }[];
}

export function decodeZipkinSpans(body: Uint8Array): ZipkinMapped {
  let root: unknown;
  try {
    root = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (err) {
    throw new ZipkinDecodeError(`undecodable Zipkin v2 JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(root)) throw new ZipkinDecodeError(`expected a JSON array of Zipkin v2 spans, got ${describe(root)}`);
  const out: ZipkinMapped = { total: root.length, inputs: [], positions: [], rejected: [] };
  root.forEach((item, index) => {
    const mapped = mapSpan(item);
    if (typeof mapped === 'string') out.rejected.push({ index, code: ErrorCode.BAD_USER_INPUT, message: mapped });
    else {
      out.inputs.push(mapped);
      out.positions.push(index);
    }
  });
  return out;
}

// Private: one span, or why it cannot become one.
function mapSpan(item: unknown): SpanInputShape | string {
  if (!isObject(item)) return `expected a span object, got ${describe(item)}`;
  const s = item;
  for (const key of ['traceId', 'id', 'parentId', 'name', 'kind'] as const) {
    if (s[key] !== undefined && s[key] !== null && typeof s[key] !== 'string') return `${key}: expected a string, got ${describe(s[key])}`;
  }
  const traceId = typeof s.traceId === 'string' && HEX_16.test(s.traceId) ? s.traceId.padStart(32, '0') : s.traceId;
  const timestamp = micros(s.timestamp, 'timestamp');
  if (typeof timestamp === 'string') return timestamp;
  if (timestamp === undefined) return 'timestamp: required (epoch microseconds), got nothing';
  const duration = micros(s.duration, 'duration');
  if (typeof duration === 'string') return duration;

  let kind: SpanKind = 'INTERNAL';
  if (typeof s.kind === 'string') {
    const k = KINDS[s.kind];
    if (!k) return `kind: expected one of ${Object.keys(KINDS).join(', ')}, got ${JSON.stringify(s.kind)}`;
    kind = k;
  }

  const tags = s.tags ?? {};
  if (!isObject(tags)) return `tags: expected an object of string values, got ${describe(tags)}`;
  const attributes: AttributeInputShape[] = [];
  const tagValues: KeyValue[] = [];
  for (const [key, value] of Object.entries(tags)) {
    if (typeof value !== 'string') return `tags.${key}: expected a string, got ${describe(value)}`;
    attributes.push({ key, value });
    tagValues.push({ key, value: { kind: 'string', value } });
  }

  const local = endpoint(s.localEndpoint, 'localEndpoint');
  if (typeof local === 'string') return local;
  const remote = endpoint(s.remoteEndpoint, 'remoteEndpoint');
  if (typeof remote === 'string') return remote;
  const { serviceName, ...localAddress } = local ?? {};
  if (Object.keys(localAddress).length > 0) attributes.push({ key: LOCAL_ENDPOINT_ATTRIBUTE, value: localAddress });
  if (remote && Object.keys(remote).length > 0) attributes.push({ key: REMOTE_ENDPOINT_ATTRIBUTE, value: remote });
  if (s.debug === true) attributes.push({ key: DEBUG_ATTRIBUTE, value: true });
  if (s.shared === true) attributes.push({ key: SHARED_ATTRIBUTE, value: true });

  const annotations = s.annotations ?? [];
  if (!Array.isArray(annotations)) return `annotations: expected an array, got ${describe(annotations)}`;
  const events: { time: string; name: string }[] = [];
  for (const [i, a] of annotations.entries()) {
    if (!isObject(a) || typeof a.value !== 'string') return `annotations[${i}]: expected {timestamp, value} with a string value, got ${describe(a)}`;
    const at = micros(a.timestamp, `annotations[${i}].timestamp`);
    if (typeof at === 'string') return at;
    if (at === undefined) return `annotations[${i}].timestamp: required (epoch microseconds), got nothing`;
    events.push({ time: nanosToIso(microsToNanos(at)), name: a.value });
  }

  let status: StatusCode = 'UNSET';
  let message = '';
  if (typeof tags[ERROR_TAG] === 'string') {
    status = 'ERROR';
    message = tags[ERROR_TAG] as string;
  } else if (tags[OTEL_STATUS_TAG] === 'OK' || tags[OTEL_STATUS_TAG] === 'ERROR') {
    status = tags[OTEL_STATUS_TAG] as StatusCode;
  }

  const name = typeof s.name === 'string' && s.name.trim() !== '' ? s.name : UNKNOWN_OPERATION;
  const input: SpanInputShape = {
    traceId: traceId as string,
    spanId: s.id as string,
    service: typeof serviceName === 'string' && serviceName.trim() !== '' ? serviceName : UNKNOWN_SERVICE,
    operation: name,
    kind,
    startTime: nanosToIso(microsToNanos(timestamp)),
    endTime: nanosToIso(microsToNanos(timestamp + (duration ?? 0n))),
    status,
    attributes,
    events,
  };
  if (typeof s.parentId === 'string' && s.parentId !== '') input.parentSpanId = s.parentId;
  if (s.shared === true && kind === 'SERVER' && typeof s.id === 'string' && HEX_16.test(s.id) && typeof input.traceId === 'string') {
    input.spanId = sharedServerSpanId(input.traceId, s.id);
    input.parentSpanId = s.id;
    attributes.push({ key: SHARED_ID_ATTRIBUTE, value: s.id.toLowerCase() });
  }
  const result = deriveCallResult(kind, status, message, tagValues);
  if (result) input.result = result;
  return input;
}

/**
 * The span id of a shared SERVER half: the first 8 bytes of SHA-256 over "<traceId>/<sharedId>" (lowercase hex),
 * so every re-submit of the same half gets the same id. The all-zero id is invalid in W3C Trace Context; it
 * would become ...01.
 */
export function sharedServerSpanId(traceId: string, sharedId: string): string {
  const id = createHash('sha256').update(`${traceId.toLowerCase()}/${sharedId.toLowerCase()}`).digest('hex').slice(0, 16);
  return id === '0000000000000000' ? '0000000000000001' : id;
}

/** Epoch or duration microseconds: a non-negative integer number (or decimal string, as some tracers send). */
function micros(v: unknown, field: string): bigint | undefined | string {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d{1,19}$/.test(v)) return BigInt(v);
  return `${field}: expected a non-negative integer of microseconds, got ${describe(v)}`;
}

function endpoint(v: unknown, field: string): Record<string, string | number> | undefined | string {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) return `${field}: expected an object, got ${describe(v)}`;
  const out: Record<string, string | number> = {};
  for (const key of ENDPOINT_FIELDS) {
    const x = v[key];
    if (x === undefined || x === null) continue;
    if (key === 'port' ? typeof x !== 'number' : typeof x !== 'string') {
      return `${field}.${key}: expected a ${key === 'port' ? 'number' : 'string'}, got ${describe(x)}`;
    }
    out[key] = x as string | number;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
