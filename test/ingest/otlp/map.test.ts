import { DEFAULT_INGEST_LIMITS, validateSpans } from '../../../src/domain';
import { anyValueToJson } from '../../../src/ingest/otlp/any-value';
import { mapTraceRequest, UNKNOWN_OPERATION, UNKNOWN_SERVICE } from '../../../src/ingest/otlp/map';
import { emptySpan, type KeyValue, type OtlpSpan, type OtlpTraceRequest } from '../../../src/ingest/otlp/model';
import { deriveCallResult } from '../../../src/ingest/otlp/result';
import { nanosToIso } from '../../../src/ingest/otlp/time';

const T = '5b8efff798038103d269b633813fc60c';
const str = (key: string, value: string): KeyValue => ({ key, value: { kind: 'string', value } });
const int = (key: string, value: number): KeyValue => ({ key, value: { kind: 'int', value: BigInt(value) } });

function span(over: Partial<OtlpSpan>): OtlpSpan {
  return { ...emptySpan(), traceId: T, spanId: 'eee19b7ec3c1b174', name: 'op', kind: 1, startTimeUnixNano: 1_764_151_200_000_000_000n, endTimeUnixNano: 1_764_151_200_500_000_000n, ...over };
}

function req(spans: OtlpSpan[], resourceAttributes: KeyValue[] = [str('service.name', 'payment')], scopeAttributes: KeyValue[] = []): OtlpTraceRequest {
  return { resourceSpans: [{ resourceAttributes, scopeSpans: [{ scope: { name: 'io.shop', version: '3.1', attributes: scopeAttributes }, spans }] }] };
}

describe('AnyValue -> JSON', () => {
  it('maps every kind as documented', () => {
    expect(anyValueToJson({ kind: 'string', value: 'x' })).toBe('x');
    expect(anyValueToJson({ kind: 'bool', value: false })).toBe(false);
    expect(anyValueToJson({ kind: 'int', value: -7n })).toBe(-7);
    expect(anyValueToJson({ kind: 'int', value: 9_007_199_254_740_991n })).toBe(9_007_199_254_740_991);
    expect(anyValueToJson({ kind: 'int', value: 9_007_199_254_740_993n })).toBe('9007199254740993');
    expect(anyValueToJson({ kind: 'int', value: -(2n ** 63n) })).toBe('-9223372036854775808');
    expect(anyValueToJson({ kind: 'double', value: 2.5 })).toBe(2.5);
    expect(anyValueToJson({ kind: 'double', value: NaN })).toBe('NaN');
    expect(anyValueToJson({ kind: 'double', value: -Infinity })).toBe('-Infinity');
    expect(anyValueToJson({ kind: 'bytes', value: Uint8Array.from([0, 255, 16]) })).toBe('AP8Q');
    expect(anyValueToJson({ kind: 'array', values: [{ kind: 'int', value: 1n }, { kind: 'empty' }, { kind: 'string', value: 'b' }] })).toEqual([1, 'b']);
    expect(
      anyValueToJson({
        kind: 'kvlist',
        values: [
          { key: 'a', value: { kind: 'int', value: 1n } },
          { key: 'a', value: { kind: 'int', value: 2n } },
          { key: '__proto__', value: { kind: 'string', value: 'data' } },
          { key: 'gone', value: { kind: 'empty' } },
        ],
      }),
    ).toEqual(JSON.parse('{"a":2,"__proto__":"data"}'));
    expect(anyValueToJson({ kind: 'empty' })).toBeUndefined();
  });
});

describe('nanosToIso', () => {
  it('keeps all nine fraction digits', () => {
    expect(nanosToIso(1_764_151_200_123_456_789n)).toBe('2025-11-26T10:00:00.123456789Z');
    expect(nanosToIso(1n)).toBe('1970-01-01T00:00:00.000000001Z');
    expect(nanosToIso(2n ** 64n - 1n)).toBe('2554-07-21T23:34:33.709551615Z');
  });
});

describe('mapTraceRequest', () => {
  it('maps service, operation, kind, status, times, parent, events, resource and scope attributes', () => {
    const out = mapTraceRequest(
      req(
        [
          span({
            parentSpanId: 'eee19b7ec3c1b173',
            name: 'charge',
            kind: 3,
            traceState: 'vendor=1',
            attributes: [str('card', 'visa'), { key: 'empty', value: { kind: 'empty' } }],
            events: [{ timeUnixNano: 1_764_151_200_250_000_001n, name: 'retry', attributes: [int('attempt', 2)] }],
            links: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceState: '', attributes: [int('n', 1)] }],
            status: { code: 2, message: 'declined' },
          }),
        ],
        [str('service.name', 'payment'), str('deployment.environment', 'prod')],
        [int('shard', 4)],
      ),
    );
    expect(out.total).toBe(1);
    expect(out.rejected).toEqual([]);
    expect(out.positions).toEqual([0]);
    expect(out.inputs[0]).toEqual({
      traceId: T,
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: 'eee19b7ec3c1b173',
      service: 'payment',
      operation: 'charge',
      kind: 'CLIENT',
      startTime: '2025-11-26T10:00:00.000000000Z',
      endTime: '2025-11-26T10:00:00.500000000Z',
      status: 'ERROR',
      result: { status: 'ERROR', message: 'declined' },
      attributes: [
        { key: 'card', value: 'visa' },
        { key: 'resource.service.name', value: 'payment' },
        { key: 'resource.deployment.environment', value: 'prod' },
        { key: 'otel.scope.name', value: 'io.shop' },
        { key: 'otel.scope.version', value: '3.1' },
        { key: 'scope.shard', value: 4 },
        { key: 'otel.trace_state', value: 'vendor=1' },
      ],
      events: [{ time: '2025-11-26T10:00:00.250000001Z', name: 'retry', attributes: [{ key: 'attempt', value: 2 }] }],
      links: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), attributes: [{ key: 'n', value: 1 }] }],
    });
  });

  it('produces spans the gateway validation accepts', () => {
    const out = mapTraceRequest(req([span({ attributes: [int('big', 1), { key: 'd', value: { kind: 'double', value: NaN } }] })]));
    const v = validateSpans(out.inputs, DEFAULT_INGEST_LIMITS, 1_764_151_300_000_000);
    expect(v.rejected).toEqual([]);
    expect(v.valid).toHaveLength(1);
  });

  it('uses unknown_service without service.name and unknown for an empty span name; kind 0 reads as INTERNAL', () => {
    const out = mapTraceRequest(req([span({ name: '', kind: 0 })], []));
    expect(out.inputs[0]).toMatchObject({ service: UNKNOWN_SERVICE, operation: UNKNOWN_OPERATION, kind: 'INTERNAL', status: 'UNSET' });
    expect(out.inputs[0]).not.toHaveProperty('result');
    expect(out.inputs[0]).not.toHaveProperty('parentSpanId');
  });

  it('rejects, by request position, spans whose enums are out of range or whose times are absent', () => {
    const out = mapTraceRequest({
      resourceSpans: [
        { resourceAttributes: [], scopeSpans: [{ scope: { name: '', version: '', attributes: [] }, spans: [span({}), span({ kind: 9 })] }] },
        {
          resourceAttributes: [],
          scopeSpans: [{ scope: { name: '', version: '', attributes: [] }, spans: [span({ status: { code: 5, message: '' } }), span({ startTimeUnixNano: 0n }), span({})] }],
        },
      ],
    });
    expect(out.total).toBe(5);
    expect(out.positions).toEqual([0, 4]);
    expect(out.rejected).toEqual([
      { index: 1, code: 'BAD_USER_INPUT', message: 'kind: expected a Span.SpanKind number 0..5, got 9' },
      { index: 2, code: 'BAD_USER_INPUT', message: 'status.code: expected a Status.StatusCode number 0..2, got 5' },
      { index: 3, code: 'BAD_USER_INPUT', message: 'startTimeUnixNano: required, got 0 (absent)' },
    ]);
  });
});

describe('deriveCallResult', () => {
  it('takes the HTTP status code and calls 5xx an error on a server span, 4xx only on a client span', () => {
    expect(deriveCallResult('SERVER', 'UNSET', '', [int('http.response.status_code', 503)])).toEqual({ status: 'ERROR', code: '503' });
    expect(deriveCallResult('SERVER', 'UNSET', '', [int('http.response.status_code', 404)])).toEqual({ status: 'OK', code: '404' });
    expect(deriveCallResult('CLIENT', 'UNSET', '', [int('http.response.status_code', 404)])).toEqual({ status: 'ERROR', code: '404' });
    expect(deriveCallResult('CLIENT', 'UNSET', '', [str('http.status_code', '200')])).toEqual({ status: 'OK', code: '200' });
  });

  it('names gRPC codes and applies the server-fault list on server spans', () => {
    expect(deriveCallResult('SERVER', 'UNSET', '', [int('rpc.grpc.status_code', 5)])).toEqual({ status: 'OK', code: 'NOT_FOUND' });
    expect(deriveCallResult('CLIENT', 'UNSET', '', [int('rpc.grpc.status_code', 5)])).toEqual({ status: 'ERROR', code: 'NOT_FOUND' });
    expect(deriveCallResult('SERVER', 'UNSET', '', [int('rpc.grpc.status_code', 14)])).toEqual({ status: 'ERROR', code: 'UNAVAILABLE' });
  });

  it('lets an explicit span status win, keeps the status message, and returns nothing without any signal', () => {
    expect(deriveCallResult('SERVER', 'ERROR', 'db down', [int('http.response.status_code', 200)])).toEqual({ status: 'ERROR', code: '200', message: 'db down' });
    expect(deriveCallResult('INTERNAL', 'OK', '', [])).toEqual({ status: 'OK' });
    expect(deriveCallResult('INTERNAL', 'UNSET', '', [str('x', 'y')])).toBeUndefined();
  });
});
