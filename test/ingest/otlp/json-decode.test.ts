import { decodeJsonTraceRequest } from '../../../src/ingest/otlp/json-decode';
import { OtlpDecodeError } from '../../../src/ingest/otlp/model';

const json = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v));

function oneSpan(span: Record<string, unknown>, extra: Record<string, unknown> = {}): Uint8Array {
  return json({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cart' } }] },
        scopeSpans: [{ scope: { name: 'lib', version: '2' }, spans: [span] }],
        ...extra,
      },
    ],
  });
}

describe('decodeJsonTraceRequest', () => {
  it('decodes lowerCamelCase OTLP/JSON with hex ids, string and number int64s, and integer enums', () => {
    const decoded = decodeJsonTraceRequest(
      oneSpan({
        traceId: '5B8EFFF798038103D269B633813FC60C',
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: '',
        name: 'GET /cart',
        kind: 3,
        startTimeUnixNano: '1764151200123456789',
        endTimeUnixNano: 1764151200,
        attributes: [
          { key: 's', value: { stringValue: 'v' } },
          { key: 'i', value: { intValue: '-9223372036854775808' } },
          { key: 'n', value: { intValue: 12 } },
          { key: 'd', value: { doubleValue: 'NaN' } },
          { key: 'e', value: {} },
          { key: 'by', value: { bytesValue: 'AP8Q' } },
          { key: 'a', value: { arrayValue: { values: [{ boolValue: true }] } } },
          { key: 'k', value: { kvlistValue: { values: [{ key: 'x', value: { doubleValue: 1.5 } }] } } },
        ],
        events: [{ timeUnixNano: '5', name: 'ev', attributes: [] }],
        links: [{ traceId: 'AB'.repeat(16), spanId: 'cd'.repeat(8), attributes: [{ key: 'l', value: { stringValue: 'x' } }] }],
        status: { code: 2, message: 'boom' },
      }),
    );
    const s = decoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(s.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(s.parentSpanId).toBe('');
    expect(s.kind).toBe(3);
    expect(s.startTimeUnixNano).toBe(1_764_151_200_123_456_789n);
    expect(s.endTimeUnixNano).toBe(1_764_151_200n);
    expect(s.attributes.map((a) => a.value)).toEqual([
      { kind: 'string', value: 'v' },
      { kind: 'int', value: -(2n ** 63n) },
      { kind: 'int', value: 12n },
      { kind: 'double', value: NaN },
      { kind: 'empty' },
      { kind: 'bytes', value: Uint8Array.from([0, 255, 16]) },
      { kind: 'array', values: [{ kind: 'bool', value: true }] },
      { kind: 'kvlist', values: [{ key: 'x', value: { kind: 'double', value: 1.5 } }] },
    ]);
    expect(s.events).toEqual([{ timeUnixNano: 5n, name: 'ev', attributes: [] }]);
    expect(s.links).toEqual([
      { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceState: '', attributes: [{ key: 'l', value: { kind: 'string', value: 'x' } }] },
    ]);
    expect(s.status).toEqual({ code: 2, message: 'boom' });
    expect(decoded.resourceSpans[0]!.scopeSpans[0]!.scope).toEqual({ name: 'lib', version: '2', attributes: [] });
  });

  it('accepts enum names as proto3 JSON allows', () => {
    const s = decodeJsonTraceRequest(oneSpan({ kind: 'SPAN_KIND_PRODUCER', status: { code: 'STATUS_CODE_OK' } })).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(s.kind).toBe(4);
    expect(s.status.code).toBe(1);
  });

  it('ignores unknown fields, including snake_case spellings', () => {
    const s = decodeJsonTraceRequest(
      oneSpan({ name: 'n', start_time_unix_nano: '99', droppedAttributesCount: 3, flags: 1, futureField: { a: 1 } }, { schemaUrl: 'x', extra: [] }),
    ).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(s.name).toBe('n');
    expect(s.startTimeUnixNano).toBe(0n);
  });

  it('refuses a body that is not JSON', () => {
    expect(() => decodeJsonTraceRequest(Buffer.from('{"resourceSpans": ['))).toThrow(/^undecodable JSON ExportTraceServiceRequest: /);
  });

  it('refuses a body that is not UTF-8', () => {
    expect(() => decodeJsonTraceRequest(Uint8Array.from([0x7b, 0xff, 0x7d]))).toThrow(OtlpDecodeError);
  });

  it('names the path, the expected and the received type of a wrongly typed field', () => {
    expect(() => decodeJsonTraceRequest(json({ resourceSpans: {} }))).toThrow(new OtlpDecodeError('$.resourceSpans: expected an array, got an object'));
    expect(() => decodeJsonTraceRequest(oneSpan({ startTimeUnixNano: '12.5' }))).toThrow(
      new OtlpDecodeError('$.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an integer (a decimal string or a number), got the string "12.5"'),
    );
    expect(() => decodeJsonTraceRequest(oneSpan({ kind: 'SERVER' }))).toThrow(/spans\[0\]\.kind: expected an enum integer or one of SPAN_KIND_UNSPECIFIED/);
    expect(() => decodeJsonTraceRequest(oneSpan({ traceId: 42 }))).toThrow(/spans\[0\]\.traceId: expected a string, got number 42/);
    expect(() => decodeJsonTraceRequest(oneSpan({ attributes: [{ key: 'a', value: { boolValue: 'yes' } }] }))).toThrow(
      /attributes\[0\]\.value\.boolValue: expected a boolean, got the string "yes"/,
    );
    expect(() => decodeJsonTraceRequest(json([]))).toThrow(new OtlpDecodeError('$: expected an object, got an array'));
  });

  it('refuses 64-bit integers out of range and AnyValues with two members', () => {
    expect(() => decodeJsonTraceRequest(oneSpan({ endTimeUnixNano: '18446744073709551616' }))).toThrow(/expected an unsigned 64-bit integer, got 18446744073709551616/);
    expect(() => decodeJsonTraceRequest(oneSpan({ attributes: [{ key: 'a', value: { intValue: '9223372036854775808' } }] }))).toThrow(
      /expected a signed 64-bit integer/,
    );
    expect(() => decodeJsonTraceRequest(oneSpan({ attributes: [{ key: 'a', value: { stringValue: 'x', intValue: 1 } }] }))).toThrow(
      /expected at most one AnyValue member, got stringValue, intValue/,
    );
  });

  it('refuses AnyValues nested past the depth limit', () => {
    let v: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 40; i++) v = { arrayValue: { values: [v] } };
    expect(() => decodeJsonTraceRequest(oneSpan({ attributes: [{ key: 'deep', value: v }] }))).toThrow(/AnyValue nested deeper than 32 levels/);
  });

  it('keeps ids it cannot judge as they are, for per-span validation downstream', () => {
    const s = decodeJsonTraceRequest(oneSpan({ traceId: 'not-hex', spanId: 'ABC' })).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(s.traceId).toBe('not-hex');
    expect(s.spanId).toBe('abc');
  });
});
