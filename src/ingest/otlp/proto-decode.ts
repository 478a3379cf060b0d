/**
 * `ExportTraceServiceRequest` from protobuf bytes. Field numbers are those of opentelemetry-proto v1
 * (collector/trace/v1/trace_service.proto, trace/v1/trace.proto, common/v1/common.proto, resource/v1/resource.proto).
 * Unknown fields are skipped (proto3); a known field with the wrong wire type, a truncated value or a length past
 * the end of its message makes the whole body undecodable.
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
import { ProtoReader, ProtobufDecodeError, WireType } from './wire';

/** Field numbers, one table per message, named as in the .proto files. */
const ExportTraceServiceRequestField = { resource_spans: 1 } as const;
const ResourceSpansField = { resource: 1, scope_spans: 2 } as const;
const ResourceField = { attributes: 1 } as const;
const ScopeSpansField = { scope: 1, spans: 2 } as const;
const InstrumentationScopeField = { name: 1, version: 2, attributes: 3 } as const;
const SpanField = {
  trace_id: 1,
  span_id: 2,
  trace_state: 3,
  parent_span_id: 4,
  name: 5,
  kind: 6,
  start_time_unix_nano: 7,
  end_time_unix_nano: 8,
  attributes: 9,
  events: 11,
  links: 13,
  status: 15,
} as const;
const EventField = { time_unix_nano: 1, name: 2, attributes: 3 } as const;
const LinkField = { trace_id: 1, span_id: 2, trace_state: 3, attributes: 4 } as const;
const StatusField = { message: 2, code: 3 } as const;
const KeyValueField = { key: 1, value: 2 } as const;
const AnyValueField = {
  string_value: 1,
  bool_value: 2,
  int_value: 3,
  double_value: 4,
  array_value: 5,
  kvlist_value: 6,
  bytes_value: 7,
} as const;
/** ArrayValue.values and KeyValueList.values. */
const ValuesField = { values: 1 } as const;

export function decodeProtobufTraceRequest(body: Uint8Array): OtlpTraceRequest {
  try {
    const r = new ProtoReader(body);
    const resourceSpans: OtlpResourceSpans[] = [];
    while (!r.atEnd()) {
      const { field, wireType } = r.tag();
      if (field === ExportTraceServiceRequestField.resource_spans) {
        r.expect(wireType, WireType.LEN, 'ExportTraceServiceRequest.resource_spans');
        resourceSpans.push(resourceSpansOf(r.message()));
      } else r.skip(wireType, field);
    }
    return { resourceSpans };
  } catch (err) {
    if (err instanceof ProtobufDecodeError) throw new OtlpDecodeError(`undecodable protobuf ExportTraceServiceRequest: ${err.message}`);
    throw err;
  }
}

// Private: one message decoder per OTLP message, each a loop over its own fields.

function resourceSpansOf(r: ProtoReader): OtlpResourceSpans {
  const out: OtlpResourceSpans = { resourceAttributes: [], scopeSpans: [] };
  while (!r.atEnd()) {
    const { field, wireType } = r.tag();
    if (field === ResourceSpansField.resource) {
      r.expect(wireType, WireType.LEN, 'ResourceSpans.resource');
      out.resourceAttributes = resourceAttributesOf(r.message());
    } else if (field === ResourceSpansField.scope_spans) {
      r.expect(wireType, WireType.LEN, 'ResourceSpans.scope_spans');
      out.scopeSpans.push(scopeSpansOf(r.message()));
    } else r.skip(wireType, field);
  }
  return out;
}

function resourceAttributesOf(r: ProtoReader): KeyValue[] {
  const attributes: KeyValue[] = [];
  while (!r.atEnd()) {
    const { field, wireType } = r.tag();
    if (field === ResourceField.attributes) {
      r.expect(wireType, WireType.LEN, 'Resource.attributes');
      attributes.push(keyValueOf(r.message(), 0));
    } else r.skip(wireType, field);
  }
  return attributes;
}

function scopeSpansOf(r: ProtoReader): OtlpScopeSpans {
  const out: OtlpScopeSpans = { scope: emptyScope(), spans: [] };
  while (!r.atEnd()) {
    const { field, wireType } = r.tag();
    if (field === ScopeSpansField.scope) {
      r.expect(wireType, WireType.LEN, 'ScopeSpans.scope');
      out.scope = scopeOf(r.message());
    } else if (field === ScopeSpansField.spans) {
      r.expect(wireType, WireType.LEN, 'ScopeSpans.spans');
      out.spans.push(spanOf(r.message()));
    } else r.skip(wireType, field);
  }
  return out;
}

function scopeOf(r: ProtoReader): OtlpScope {
  const out = emptyScope();
  while (!r.atEnd()) {
    const { field, wireType } = r.tag();
    switch (field) {
      case InstrumentationScopeField.name:
        r.expect(wireType, WireType.LEN, 'InstrumentationScope.name');
        out.name = r.string();
        break;
      case InstrumentationScopeField.version:
        r.expect(wireType, WireType.LEN, 'InstrumentationScope.version');
        out.version = r.string();
        break;
      case InstrumentationScopeField.attributes:
        r.expect(wireType, WireType.LEN, 'InstrumentationScope.attributes');
        out.attributes.push(keyValueOf(r.message(), 0));
        break;
      default:
        r.skip(wireType, field);
    }
  }
  return out;
}

function spanOf(r: ProtoReader): OtlpSpan {
  const s = emptySpan();
  while (!r.atEnd()) {
    const { field, wireType } = r.tag();
    switch (field) {
      case SpanField.trace_id:
        r.expect(wireType, WireType.LEN, 'Span.trace_id');
        s.traceId = hex(r.bytes());
        break;
      case SpanField.span_id:
        r.expect(wireType, WireType.LEN, 'Span.span_id');
        s.spanId = hex(r.bytes());
        break;
      case SpanField.trace_state:
        r.expect(wireType, WireType.LEN, 'Span.trace_state');
        s.traceState = r.string();
        break;
      case SpanField.parent_span_id:
        r.expect(wireType, WireType.LEN, 'Span.parent_span_id');
        s.parentSpanId = hex(r.bytes());
        break;
      case SpanField.name:
        r.expect(wireType, WireType.LEN, 'Span.name');
        s.name = r.string();
        break;
      case SpanField.kind:
        r.expect(wireType, WireType.VARINT, 'Span.kind');
        s.kind = r.varint32() | 0;
        break;
      case SpanField.start_time_unix_nano:
        r.expect(wireType, WireType.I64, 'Span.start_time_unix_nano');
        s.startTimeUnixNano = r.fixed64();
        break;
      case SpanField.end_time_unix_nano:
        r.expect(wireType, WireType.I64, 'Span.end_time_unix_nano');
        s.endTimeUnixNano = r.fixed64();
        break;
      case SpanField.attributes:
        r.expect(wireType, WireType.LEN, 'Span.attributes');
        s.attributes.push(keyValueOf(r.message(), 0));
        break;
      case SpanField.events:
        r.expect(wireType, WireType.LEN, 'Span.events');
        s.events.push(eventOf(r.message()));
        break;
      case SpanField.links:
        r.expect(wireType, WireType.LEN, 'Span.links');
        s.links.push(linkOf(r.message()));
        break;
      case SpanField.status:
        r.expect(wireType, WireType.LEN, 'Span.status');
        s.status = statusOf(r.message());
        break;
      default:
        r.skip(wireType, field);
    }
  }
  return s;
}

function eventOf(r: ProtoReader): OtlpEvent {
  const e: OtlpEvent = { timeUnixNano: 0n, name: '', attributes: [] };
  while (!r.atEnd()) {
    const { field, wireType } = r.tag();
    switch (field) {
      case EventField.time_unix_nano:
        r.expect(wireType, WireType.I64, 'Span.Event.time_unix_nano');
        e.timeUnixNano = r.fixed64();
        break;
      case EventField.name:
        r.expect(wireType, WireType.LEN, 'Span.Event.name');
        e.name = r.string();
        break;
      case EventField.attributes:
        r.expect(wireType, WireType.LEN, 'Span.Event.attributes');
        e.attributes.push(keyValueOf(r.message(), 0));
        break;
      default:
        r.skip(wireType, field);
    }
  }
  return e;
}

function linkOf(r: ProtoReader): OtlpLink {
  const l: OtlpLink = { traceId: '', spanId: '', traceState: '', attributes: [] };
  while (!r.atEnd()) {
    const { field, wireType } = r.tag();
    switch (field) {
      case LinkField.trace_id:
        r.expect(wireType, WireType.LEN, 'Span.Link.trace_id');
        l.traceId = hex(r.bytes());
        break;
      case LinkField.span_id:
        r.expect(wireType, WireType.LEN, 'Span.Link.span_id');
        l.spanId = hex(r.bytes());
        break;
      case LinkField.trace_state:
        r.expect(wireType, WireType.LEN, 'Span.Link.trace_state');
        l.traceState = r.string();
        break;
      case LinkField.attributes:
        r.expect(wireType, WireType.LEN, 'Span.Link.attributes');
        l.attributes.push(keyValueOf(r.message(), 0));
        break;
      default:
        r.skip(wireType, field);
    }
  }
  return l;
}

function statusOf(r: ProtoReader): { code: number; message: string } {
  const st = { code: 0, message: '' };
  while (!r.atEnd()) {
    const { field, wireType } = r.tag();
    if (field === StatusField.code) {
      r.expect(wireType, WireType.VARINT, 'Status.code');
      st.code = r.varint32() | 0;
    } else if (field === StatusField.message) {
      r.expect(wireType, WireType.LEN, 'Status.message');
      st.message = r.string();
    } else r.skip(wireType, field);
  }
  return st;
}

function keyValueOf(r: ProtoReader, depth: number): KeyValue {
  const kv: KeyValue = { key: '', value: { kind: 'empty' } };
  while (!r.atEnd()) {
    const { field, wireType } = r.tag();
    if (field === KeyValueField.key) {
      r.expect(wireType, WireType.LEN, 'KeyValue.key');
      kv.key = r.string();
    } else if (field === KeyValueField.value) {
      r.expect(wireType, WireType.LEN, 'KeyValue.value');
      kv.value = anyValueOf(r.message(), depth);
    } else r.skip(wireType, field);
  }
  return kv;
}

function anyValueOf(r: ProtoReader, depth: number): AnyValue {
  if (depth > MAX_ANY_VALUE_DEPTH) throw new ProtobufDecodeError(`AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  // A oneof: when several members are present, the last one on the wire wins (proto3 "Oneof" rules).
  let value: AnyValue = { kind: 'empty' };
  while (!r.atEnd()) {
    const { field, wireType } = r.tag();
    switch (field) {
      case AnyValueField.string_value:
        r.expect(wireType, WireType.LEN, 'AnyValue.string_value');
        value = { kind: 'string', value: r.string() };
        break;
      case AnyValueField.bool_value:
        r.expect(wireType, WireType.VARINT, 'AnyValue.bool_value');
        value = { kind: 'bool', value: r.varint64() !== 0n };
        break;
      case AnyValueField.int_value:
        r.expect(wireType, WireType.VARINT, 'AnyValue.int_value');
        value = { kind: 'int', value: BigInt.asIntN(64, r.varint64()) };
        break;
      case AnyValueField.double_value:
        r.expect(wireType, WireType.I64, 'AnyValue.double_value');
        value = { kind: 'double', value: r.double() };
        break;
      case AnyValueField.array_value:
        r.expect(wireType, WireType.LEN, 'AnyValue.array_value');
        value = { kind: 'array', values: arrayValuesOf(r.message(), depth + 1) };
        break;
      case AnyValueField.kvlist_value:
        r.expect(wireType, WireType.LEN, 'AnyValue.kvlist_value');
        value = { kind: 'kvlist', values: kvlistValuesOf(r.message(), depth + 1) };
        break;
      case AnyValueField.bytes_value:
        r.expect(wireType, WireType.LEN, 'AnyValue.bytes_value');
        value = { kind: 'bytes', value: Uint8Array.from(r.bytes()) };
        break;
      default:
        r.skip(wireType, field);
    }
  }
  return value;
}

function arrayValuesOf(r: ProtoReader, depth: number): AnyValue[] {
  const values: AnyValue[] = [];
  while (!r.atEnd()) {
    const { field, wireType } = r.tag();
    if (field === ValuesField.values) {
      r.expect(wireType, WireType.LEN, 'ArrayValue.values');
      values.push(anyValueOf(r.message(), depth));
    } else r.skip(wireType, field);
  }
  return values;
}

function kvlistValuesOf(r: ProtoReader, depth: number): KeyValue[] {
  const values: KeyValue[] = [];
  while (!r.atEnd()) {
    const { field, wireType } = r.tag();
    if (field === ValuesField.values) {
      r.expect(wireType, WireType.LEN, 'KeyValueList.values');
      values.push(keyValueOf(r.message(), depth));
    } else r.skip(wireType, field);
  }
  return values;
}

/** Lowercase hex of every byte value; ids are 8 or 16 bytes, so a table beats a Buffer per id. */
const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function hex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_BYTE[bytes[i]!];
  return out;
}
