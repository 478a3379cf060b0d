/**
 * `ExportTraceServiceRequest` from OTLP/JSON (OTLP specification, "JSON Protobuf Encoding"): proto3 JSON mapping
 * with lowerCamelCase keys, trace and span ids as hex strings, enums as integers (enum names accepted too, as the
 * proto3 mapping allows), 64-bit integers as decimal strings or numbers, unknown fields ignored. A field of the
 * wrong JSON type makes the body undecodable, as it would for a protobuf parser; the error names its path.
 */
import {
  type AnyValue,
  type KeyValue,
  MAX_ANY_VALUE_DEPTH,
  type OtlpEvent,
  type OtlpLink,
  type OtlpResourceSpans,
  type OtlpScope,
  type OtlpScopeSpans,
  type OtlpSpan,
  type OtlpTraceRequest,
  OtlpDecodeError,
  emptyScope,
  emptySpan,
} from './model';

/** Enum names of `Span.SpanKind` and `Status.StatusCode`, for bodies that send names instead of numbers. */
const SPAN_KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODE_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

type Json = unknown;
type JsonObject = Record<string, Json>;

export function decodeJsonTraceRequest(body: Uint8Array): OtlpTraceRequest {
  let root: Json;
  try {
    root = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (err) {
    throw new OtlpDecodeError(`undecodable JSON ExportTraceServiceRequest: ${(err as Error).message}`);
  }
  const obj = object(root, '$');
  return { resourceSpans: list(obj.resourceSpans, '$.resourceSpans', resourceSpansOf) };
}

// Private: one decoder per message, each taking the JSON value and its path for error messages.

function resourceSpansOf(v: Json, path: string): OtlpResourceSpans {
  const o = object(v, path);
  const resource = o.resource === undefined || o.resource === null ? {} : object(o.resource, `${path}.resource`);
  return {
    resourceAttributes: list(resource.attributes, `${path}.resource.attributes`, (x, p) => keyValueOf(x, p, 0)),
    scopeSpans: list(o.scopeSpans, `${path}.scopeSpans`, scopeSpansOf),
  };
}

function scopeSpansOf(v: Json, path: string): OtlpScopeSpans {
  const o = object(v, path);
  return {
    scope: o.scope === undefined || o.scope === null ? emptyScope() : scopeOf(o.scope, `${path}.scope`),
    spans: list(o.spans, `${path}.spans`, spanOf),
  };
}

function scopeOf(v: Json, path: string): OtlpScope {
  const o = object(v, path);
  return {
    name: str(o.name, `${path}.name`),
    version: str(o.version, `${path}.version`),
    attributes: list(o.attributes, `${path}.attributes`, (x, p) => keyValueOf(x, p, 0)),
  };
}

function spanOf(v: Json, path: string): OtlpSpan {
  const o = object(v, path);
  const s = emptySpan();
  s.traceId = str(o.traceId, `${path}.traceId`).toLowerCase();
  s.spanId = str(o.spanId, `${path}.spanId`).toLowerCase();
  s.parentSpanId = str(o.parentSpanId, `${path}.parentSpanId`).toLowerCase();
  s.traceState = str(o.traceState, `${path}.traceState`);
  s.name = str(o.name, `${path}.name`);
  s.kind = enumValue(o.kind, `${path}.kind`, SPAN_KIND_NAMES);
  s.startTimeUnixNano = uint64(o.startTimeUnixNano, `${path}.startTimeUnixNano`);
  s.endTimeUnixNano = uint64(o.endTimeUnixNano, `${path}.endTimeUnixNano`);
  s.attributes = list(o.attributes, `${path}.attributes`, (x, p) => keyValueOf(x, p, 0));
  s.events = list(o.events, `${path}.events`, eventOf);
  s.links = list(o.links, `${path}.links`, linkOf);
  if (o.status !== undefined && o.status !== null) {
    const st = object(o.status, `${path}.status`);
    s.status = { code: enumValue(st.code, `${path}.status.code`, STATUS_CODE_NAMES), message: str(st.message, `${path}.status.message`) };
  }
  return s;
}

function eventOf(v: Json, path: string): OtlpEvent {
  const o = object(v, path);
  return {
    timeUnixNano: uint64(o.timeUnixNano, `${path}.timeUnixNano`),
    name: str(o.name, `${path}.name`),
    attributes: list(o.attributes, `${path}.attributes`, (x, p) => keyValueOf(x, p, 0)),
  };
}

function linkOf(v: Json, path: string): OtlpLink {
  const o = object(v, path);
  return {
    traceId: str(o.traceId, `${path}.traceId`).toLowerCase(),
    spanId: str(o.spanId, `${path}.spanId`).toLowerCase(),
    traceState: str(o.traceState, `${path}.traceState`),
    attributes: list(o.attributes, `${path}.attributes`, (x, p) => keyValueOf(x, p, 0)),
  };
}

function keyValueOf(v: Json, path: string, depth: number): KeyValue {
  const o = object(v, path);
  return {
    key: str(o.key, `${path}.key`),
    value: o.value === undefined || o.value === null ? { kind: 'empty' } : anyValueOf(o.value, `${path}.value`, depth),
  };
}

function anyValueOf(v: Json, path: string, depth: number): AnyValue {
  if (depth > MAX_ANY_VALUE_DEPTH) throw new OtlpDecodeError(`${path}: AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  const o = object(v, path);
  // proto3 JSON: at most one member of a oneof may be present.
  const present = ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'].filter(
    (k) => o[k] !== undefined && o[k] !== null,
  );
  if (present.length > 1) throw new OtlpDecodeError(`${path}: expected at most one AnyValue member, got ${present.join(', ')}`);
  switch (present[0]) {
    case undefined:
      return { kind: 'empty' };
    case 'stringValue':
      return { kind: 'string', value: str(o.stringValue, `${path}.stringValue`) };
    case 'boolValue':
      if (typeof o.boolValue !== 'boolean') throw typeError(`${path}.boolValue`, 'a boolean', o.boolValue);
      return { kind: 'bool', value: o.boolValue };
    case 'intValue':
      return { kind: 'int', value: int64(o.intValue, `${path}.intValue`) };
    case 'doubleValue':
      return { kind: 'double', value: double(o.doubleValue, `${path}.doubleValue`) };
    case 'arrayValue': {
      const a = object(o.arrayValue, `${path}.arrayValue`);
      return { kind: 'array', values: list(a.values, `${path}.arrayValue.values`, (x, p) => anyValueOf(x, p, depth + 1)) };
    }
    case 'kvlistValue': {
      const kv = object(o.kvlistValue, `${path}.kvlistValue`);
      return { kind: 'kvlist', values: list(kv.values, `${path}.kvlistValue.values`, (x, p) => keyValueOf(x, p, depth + 1)) };
    }
    case 'bytesValue':
      return { kind: 'bytes', value: base64(o.bytesValue, `${path}.bytesValue`) };
    default:
      throw new OtlpDecodeError(`${path}: unexpected AnyValue member ${present[0]}`);
  }
}

// Private: scalar readers. Absent (undefined or null) means the proto3 default value.

function object(v: Json, path: string): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw typeError(path, 'an object', v);
  return v as JsonObject;
}

function list<T>(v: Json, path: string, each: (item: Json, path: string) => T): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw typeError(path, 'an array', v);
  return v.map((item, i) => each(item, `${path}[${i}]`));
}

function str(v: Json, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw typeError(path, 'a string', v);
  return v;
}

function enumValue(v: Json, path: string, names: Record<string, number>): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(names, v)) return names[v]!;
  throw typeError(path, `an enum integer or one of ${Object.keys(names).join(', ')}`, v);
}

function uint64(v: Json, path: string): bigint {
  const n = integer(v, path);
  if (n < 0n || n > UINT64_MAX) throw new OtlpDecodeError(`${path}: expected an unsigned 64-bit integer, got ${n}`);
  return n;
}

function int64(v: Json, path: string): bigint {
  const n = integer(v, path);
  if (n < INT64_MIN || n > INT64_MAX) throw new OtlpDecodeError(`${path}: expected a signed 64-bit integer, got ${n}`);
  return n;
}

function integer(v: Json, path: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) return BigInt(v);
  throw typeError(path, 'an integer (a decimal string or a number)', v);
}

function double(v: Json, path: string): number {
  if (typeof v === 'number') return v;
  // proto3 JSON spells the non-finite doubles as strings; numeric strings are accepted as well.
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw typeError(path, 'a number', v);
}

function base64(v: Json, path: string): Uint8Array {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) throw typeError(path, 'a base64 string', v);
  return Uint8Array.from(Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64'));
}

function typeError(path: string, expected: string, got: Json): OtlpDecodeError {
  return new OtlpDecodeError(`${path}: expected ${expected}, got ${describe(got)}`);
}

function describe(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
