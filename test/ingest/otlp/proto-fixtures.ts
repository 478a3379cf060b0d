/**
 * Hand-written OTLP protobuf messages for decoder tests, built field by field with the field numbers of
 * opentelemetry-proto v1 so each test can also build what no SDK would send (unknown fields, wrong wire types).
 */
import { ProtoWriter } from '../../../src/ingest/otlp/wire';

export type Any =
  | { s: string }
  | { b: boolean }
  | { i: bigint }
  | { d: number }
  | { arr: Any[] }
  | { kv: [string, Any][] }
  | { bytes: Uint8Array }
  | { empty: true };

export function anyValue(v: Any): ProtoWriter {
  const w = new ProtoWriter();
  if ('s' in v) w.stringField(1, v.s);
  else if ('b' in v) w.varintField(2, v.b ? 1 : 0);
  else if ('i' in v) w.varintField(3, v.i);
  else if ('d' in v) w.doubleField(4, v.d);
  else if ('arr' in v) {
    const a = new ProtoWriter();
    for (const x of v.arr) a.messageField(1, anyValue(x));
    w.messageField(5, a);
  } else if ('kv' in v) {
    const l = new ProtoWriter();
    for (const [k, x] of v.kv) l.messageField(1, keyValue(k, x));
    w.messageField(6, l);
  } else if ('bytes' in v) w.bytesField(7, v.bytes);
  return w;
}

export function keyValue(key: string, v: Any): ProtoWriter {
  return new ProtoWriter().stringField(1, key).messageField(2, anyValue(v));
}

export interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  start: bigint;
  end: bigint;
  attributes?: [string, Any][];
  events?: { time: bigint; name: string; attributes?: [string, Any][] }[];
  status?: { code: number; message?: string };
  /** Extra raw fields appended to the Span message. */
  extra?: (w: ProtoWriter) => void;
}

export function span(s: SpanSpec): ProtoWriter {
  const w = new ProtoWriter().bytesField(1, Buffer.from(s.traceId, 'hex')).bytesField(2, Buffer.from(s.spanId, 'hex'));
  if (s.parentSpanId) w.bytesField(4, Buffer.from(s.parentSpanId, 'hex'));
  w.stringField(5, s.name);
  if (s.kind !== undefined) w.varintField(6, s.kind);
  w.fixed64Field(7, s.start).fixed64Field(8, s.end);
  for (const [k, v] of s.attributes ?? []) w.messageField(9, keyValue(k, v));
  for (const e of s.events ?? []) {
    const ew = new ProtoWriter().fixed64Field(1, e.time).stringField(2, e.name);
    for (const [k, v] of e.attributes ?? []) ew.messageField(3, keyValue(k, v));
    w.messageField(11, ew);
  }
  if (s.status) {
    const st = new ProtoWriter();
    if (s.status.message) st.stringField(2, s.status.message);
    st.varintField(3, s.status.code);
    w.messageField(15, st);
  }
  s.extra?.(w);
  return w;
}

export function request(resources: { attributes: [string, Any][]; scopes: { name: string; version?: string; spans: ProtoWriter[] }[] }[]): Uint8Array {
  const req = new ProtoWriter();
  for (const r of resources) {
    const res = new ProtoWriter();
    for (const [k, v] of r.attributes) res.messageField(1, keyValue(k, v));
    const rs = new ProtoWriter().messageField(1, res);
    for (const sc of r.scopes) {
      const scope = new ProtoWriter().stringField(1, sc.name);
      if (sc.version) scope.stringField(2, sc.version);
      const ss = new ProtoWriter().messageField(1, scope);
      for (const sp of sc.spans) ss.messageField(2, sp);
      rs.messageField(2, ss);
    }
    req.messageField(1, rs);
  }
  return req.finish();
}
