import { decodeProtobufTraceRequest } from '../../../src/ingest/otlp/proto-decode';
import { OtlpDecodeError } from '../../../src/ingest/otlp/model';
import { ProtoWriter } from '../../../src/ingest/otlp/wire';
import { request, span } from './proto-fixtures';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
const PARENT = 'eee19b7ec3c1b173';

describe('decodeProtobufTraceRequest', () => {
  it('decodes resources, scopes, spans, events, status and every AnyValue kind', () => {
    const body = request([
      {
        attributes: [['service.name', { s: 'checkout' }]],
        scopes: [
          {
            name: 'shop-lib',
            version: '1.2.3',
            spans: [
              span({
                traceId: TRACE,
                spanId: SPAN,
                parentSpanId: PARENT,
                name: 'POST /orders',
                kind: 2,
                start: 1_764_151_200_123_456_789n,
                end: 1_764_151_200_223_456_789n,
                attributes: [
                  ['str', { s: 'a' }],
                  ['bool', { b: true }],
                  ['int', { i: -42n }],
                  ['big', { i: 9_007_199_254_740_993n }],
                  ['dbl', { d: 0.25 }],
                  ['arr', { arr: [{ i: 1n }, { s: 'two' }] }],
                  ['kv', { kv: [['inner', { b: false }]] }],
                  ['bytes', { bytes: Uint8Array.from([0, 255, 16]) }],
                  ['none', { empty: true }],
                ],
                events: [{ time: 1_764_151_200_150_000_000n, name: 'retry', attributes: [['attempt', { i: 2n }]] }],
                status: { code: 2, message: 'card declined' },
              }),
            ],
          },
        ],
      },
    ]);
    const decoded = decodeProtobufTraceRequest(body);
    expect(decoded.resourceSpans).toHaveLength(1);
    const rs = decoded.resourceSpans[0]!;
    expect(rs.resourceAttributes).toEqual([{ key: 'service.name', value: { kind: 'string', value: 'checkout' } }]);
    expect(rs.scopeSpans[0]!.scope).toEqual({ name: 'shop-lib', version: '1.2.3', attributes: [] });
    const s = rs.scopeSpans[0]!.spans[0]!;
    expect(s).toMatchObject({
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: PARENT,
      name: 'POST /orders',
      kind: 2,
      startTimeUnixNano: 1_764_151_200_123_456_789n,
      endTimeUnixNano: 1_764_151_200_223_456_789n,
      status: { code: 2, message: 'card declined' },
    });
    expect(s.attributes).toEqual([
      { key: 'str', value: { kind: 'string', value: 'a' } },
      { key: 'bool', value: { kind: 'bool', value: true } },
      { key: 'int', value: { kind: 'int', value: -42n } },
      { key: 'big', value: { kind: 'int', value: 9_007_199_254_740_993n } },
      { key: 'dbl', value: { kind: 'double', value: 0.25 } },
      { key: 'arr', value: { kind: 'array', values: [{ kind: 'int', value: 1n }, { kind: 'string', value: 'two' }] } },
      { key: 'kv', value: { kind: 'kvlist', values: [{ key: 'inner', value: { kind: 'bool', value: false } }] } },
      { key: 'bytes', value: { kind: 'bytes', value: Uint8Array.from([0, 255, 16]) } },
      { key: 'none', value: { kind: 'empty' } },
    ]);
    expect(s.events).toEqual([
      { timeUnixNano: 1_764_151_200_150_000_000n, name: 'retry', attributes: [{ key: 'attempt', value: { kind: 'int', value: 2n } }] },
    ]);
  });

  it('skips unknown fields and the known fields it does not keep, at every level', () => {
    const sp = span({
      traceId: TRACE,
      spanId: SPAN,
      name: 'x',
      start: 1n,
      end: 2n,
      extra: (w) => {
        w.varintField(10, 3); // dropped_attributes_count
        w.fixed32Field(16, 0x101); // flags
        w.stringField(999, 'from a future proto version');
        w.fixed64Field(1000, 7n);
      },
    });
    const req = new ProtoWriter()
      .stringField(77, 'unknown top-level field')
      .messageField(1, new ProtoWriter().stringField(3, 'https://schema').messageField(2, new ProtoWriter().messageField(2, sp).varintField(50, 1)));
    const decoded = decodeProtobufTraceRequest(req.finish());
    const s = decoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(s.name).toBe('x');
    expect(s.startTimeUnixNano).toBe(1n);
    expect(s.endTimeUnixNano).toBe(2n);
    expect(decoded.resourceSpans[0]!.resourceAttributes).toEqual([]);
  });

  it('reads an empty body as a request with no spans (proto3: every field at its default)', () => {
    expect(decodeProtobufTraceRequest(new Uint8Array(0))).toEqual({ resourceSpans: [] });
  });

  it('refuses a truncated varint', () => {
    // ExportTraceServiceRequest.resource_spans, LEN, then a length varint whose continuation bit never ends
    expect(() => decodeProtobufTraceRequest(Uint8Array.from([0x0a, 0x80, 0x80]))).toThrow(
      new OtlpDecodeError('undecodable protobuf ExportTraceServiceRequest: truncated varint at byte 1'),
    );
  });

  it('refuses a length beyond the buffer', () => {
    const full = request([{ attributes: [['service.name', { s: 'a' }]], scopes: [] }]);
    const cut = full.subarray(0, full.length - 2);
    expect(() => decodeProtobufTraceRequest(cut)).toThrow(/undecodable protobuf ExportTraceServiceRequest: length \d+ at byte \d+ runs beyond the message/);
  });

  it('refuses a known field with the wrong wire type', () => {
    const sp = new ProtoWriter().varintField(1, 5); // Span.trace_id must be LEN
    const body = new ProtoWriter().messageField(1, new ProtoWriter().messageField(2, new ProtoWriter().messageField(2, sp))).finish();
    expect(() => decodeProtobufTraceRequest(body)).toThrow(/Span\.trace_id must have wire type 2 \(LEN\), got 0 \(VARINT\)/);
  });

  it('refuses a start time sent as a varint instead of fixed64', () => {
    const sp = new ProtoWriter().varintField(7, 123);
    const body = new ProtoWriter().messageField(1, new ProtoWriter().messageField(2, new ProtoWriter().messageField(2, sp))).finish();
    expect(() => decodeProtobufTraceRequest(body)).toThrow(/Span\.start_time_unix_nano must have wire type 1 \(I64\), got 0 \(VARINT\)/);
  });

  it('refuses AnyValues nested past the depth limit instead of recursing without bound', () => {
    let v = new ProtoWriter().stringField(1, 'leaf');
    for (let i = 0; i < 40; i++) v = new ProtoWriter().messageField(5, new ProtoWriter().messageField(1, v));
    const sp = new ProtoWriter().messageField(9, new ProtoWriter().stringField(1, 'deep').messageField(2, v));
    const body = new ProtoWriter().messageField(1, new ProtoWriter().messageField(2, new ProtoWriter().messageField(2, sp))).finish();
    expect(() => decodeProtobufTraceRequest(body)).toThrow(/AnyValue nested deeper than 32 levels/);
  });

  it('refuses JSON sent as protobuf', () => {
    expect(() => decodeProtobufTraceRequest(Buffer.from('{"resourceSpans":[]}'))).toThrow(OtlpDecodeError);
  });

  it('lets the last member of the AnyValue oneof win', () => {
    const value = new ProtoWriter().stringField(1, 'first').varintField(3, 7);
    const kv = new ProtoWriter().stringField(1, 'k').messageField(2, value);
    const sp = new ProtoWriter().messageField(9, kv);
    const body = new ProtoWriter().messageField(1, new ProtoWriter().messageField(2, new ProtoWriter().messageField(2, sp))).finish();
    expect(decodeProtobufTraceRequest(body).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes).toEqual([
      { key: 'k', value: { kind: 'int', value: 7n } },
    ]);
  });
});
