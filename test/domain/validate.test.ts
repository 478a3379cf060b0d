import { DEFAULT_INGEST_LIMITS, RejectionCode, validateSpans, assertBatchWithinLimits, type SpanInputShape } from '../../src/domain';
import { TracegateError } from '../../src/errors';

const NOW_US = Date.UTC(2026, 10, 26, 12) * 1000;
const TRACE = '4BF92F3577B34DA6A3CE929D0E0E4736';
const SPAN = '00F067AA0BA902B7';

function span(overrides: Partial<SpanInputShape> = {}): SpanInputShape {
  return {
    traceId: TRACE,
    spanId: SPAN,
    service: 'checkout',
    operation: 'POST /orders',
    startTime: '2026-11-26T10:00:00.000001Z',
    endTime: '2026-11-26T10:00:00.000038Z',
    ...overrides,
  };
}

function rejectionOf(input: Partial<SpanInputShape>, limits = DEFAULT_INGEST_LIMITS) {
  const result = validateSpans([span(input)], limits, NOW_US);
  expect(result.valid).toHaveLength(0);
  expect(result.rejected).toHaveLength(1);
  return result.rejected[0]!;
}

describe('validateSpans', () => {
  it('normalises a valid span: lowercase ids, µs times, defaults', () => {
    const { valid, rejected } = validateSpans([span({ parentSpanId: 'AAAAAAAAAAAAAAAA' })], DEFAULT_INGEST_LIMITS, NOW_US);
    expect(rejected).toEqual([]);
    expect(valid[0]!.record).toEqual({
      traceId: TRACE.toLowerCase(),
      spanId: SPAN.toLowerCase(),
      parentSpanId: 'aaaaaaaaaaaaaaaa',
      service: 'checkout',
      operation: 'POST /orders',
      kind: 'INTERNAL',
      status: 'UNSET',
      startUs: Date.UTC(2026, 10, 26, 10) * 1000 + 1,
      endUs: Date.UTC(2026, 10, 26, 10) * 1000 + 38,
      durationUs: 37,
      startTime: Date.UTC(2026, 10, 26, 10) * 1000 + 1,
      endTime: Date.UTC(2026, 10, 26, 10) * 1000 + 38,
      result: null,
      attributes: [],
      metrics: [],
      events: [],
      links: [],
    });
  });

  it('keeps valid spans and rejects invalid ones by index', () => {
    const { valid, rejected } = validateSpans([span(), span({ traceId: 'xyz' }), span({ spanId: '1111111111111111' })], DEFAULT_INGEST_LIMITS, NOW_US);
    expect(valid.map((v) => v.index)).toEqual([0, 2]);
    expect(rejected.map((r) => [r.index, r.code])).toEqual([[1, 'INVALID_TRACE_ID']]);
  });

  const limits = { ...DEFAULT_INGEST_LIMITS, maxAttributesPerSpan: 2, maxEventsPerSpan: 1, maxResultDataBytes: 10, maxStringLength: 5, maxNameLength: 12 };
  it.each<[string, Partial<SpanInputShape>, RejectionCode, string]>([
    ['short trace id', { traceId: 'abc' }, 'INVALID_TRACE_ID', 'expected 32 hex digits'],
    ['all-zero trace id', { traceId: '0'.repeat(32) }, 'INVALID_TRACE_ID', 'all-zero'],
    ['non-hex span id', { spanId: 'zzzzzzzzzzzzzzzz' }, 'INVALID_SPAN_ID', 'expected 16 hex digits'],
    ['all-zero parent', { parentSpanId: '0'.repeat(16) }, 'INVALID_PARENT_SPAN_ID', 'all-zero'],
    ['own parent', { parentSpanId: SPAN }, 'INVALID_PARENT_SPAN_ID', "other than the span's own"],
    ['bad start', { startTime: 'yesterday' }, 'INVALID_TIME', 'received "yesterday"'],
    ['end before start', { endTime: '2026-11-26T09:00:00Z' }, 'END_BEFORE_START', 'expected at or after startTime'],
    ['far future', { endTime: '2099-01-01T00:00:00Z' }, 'TOO_FAR_IN_FUTURE', 'beyond the server clock'],
    ['empty service', { service: '  ' }, 'INVALID_NAME', 'non-empty'],
    ['long operation', { operation: 'x'.repeat(13) }, 'STRING_TOO_LONG', 'at most 12 characters, received 13'],
    ['too many attributes', { attributes: [1, 2, 3].map((n) => ({ key: `k${n}`, value: n })) }, 'TOO_MANY_ATTRIBUTES', 'at most 2 attributes, received 3'],
    ['long attribute string', { attributes: [{ key: 'k', value: 'abcdef' }] }, 'STRING_TOO_LONG', 'at most 5 characters, received 6'],
    ['null attribute value', { attributes: [{ key: 'k', value: null }] }, 'INVALID_ATTRIBUTE', 'received null'],
    ['duplicate key', { attributes: [{ key: 'k', value: 1 }, { key: 'k', value: 2 }] }, 'INVALID_ATTRIBUTE', 'unique keys'],
    ['too many events', { events: [{ time: '2026-11-26T10:00:00Z', name: 'a' }, { time: '2026-11-26T10:00:00Z', name: 'b' }] }, 'TOO_MANY_EVENTS', 'at most 1 events, received 2'],
    ['bad event time', { events: [{ time: 'noon', name: 'a' }] }, 'INVALID_TIME', 'events[0].time'],
    ['big result data', { result: { status: 'ERROR', data: { long: 'abcdefghij' } } }, 'TOO_LARGE', 'at most 10 bytes'],
    ['bad kind', { kind: 'SIDEWAYS' as never }, 'INVALID_FIELD', 'kind: expected one of'],
  ])('%s -> %s', (_name, input, code, message) => {
    const rejection = rejectionOf(input, limits);
    expect(rejection.code).toBe(code);
    expect(rejection.message).toContain(message);
  });

  it.each([3, 40])('refuses a repeated attribute key in a list of %i attributes, naming its position', (length) => {
    const attributes = Array.from({ length }, (_, n) => ({ key: `k${n}`, value: n }));
    attributes.push({ key: `k${length - 2}`, value: 0 });
    const rejection = rejectionOf({ attributes }, { ...DEFAULT_INGEST_LIMITS, maxAttributesPerSpan: 64 });
    expect(rejection).toMatchObject({ code: 'INVALID_ATTRIBUTE', message: `attributes[${length}].key: expected unique keys, received "k${length - 2}" twice` });
  });

  it.each<[string, unknown, string]>([
    ['a non-finite number', Number.NaN, 'attributes[1].value: expected a finite number, received NaN'],
    ['a string over the cap', 'x'.repeat(6), 'attributes[1].value: expected at most 5 characters, received 6'],
    ['a nested null', { a: [1, null] }, 'attributes[1].value.a.1: expected a string, number, boolean, array or object, received null'],
  ])('refuses %s as an attribute value with its path', (_name, value, message) => {
    const attributes = [{ key: 'ok', value: true }, { key: 'bad', value }];
    expect(rejectionOf({ attributes }, limits).message).toBe(message);
  });

  it('keeps `$` and `.` in attribute keys and values as data', () => {
    const attributes = [{ key: 'http.$method', value: { $gt: '' } }, { key: '$where', value: ['a.b', 1, true] }];
    const { valid } = validateSpans([span({ attributes })], DEFAULT_INGEST_LIMITS, NOW_US);
    expect(valid[0]!.record.attributes).toEqual(attributes);
  });

  it('fails the whole request above the spans-per-request cap', () => {
    const tooMany = Array.from({ length: 3 }, () => span());
    expect(() => assertBatchWithinLimits(tooMany, { ...DEFAULT_INGEST_LIMITS, maxSpansPerRequest: 2 })).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('at most 2 spans per request, received 3') }),
    );
    expect(() => assertBatchWithinLimits(tooMany, DEFAULT_INGEST_LIMITS)).not.toThrow(TracegateError);
  });
});

describe('inputs from routes without a schema (OTLP, Zipkin)', () => {
  it.each<[string, unknown, string]>([
    ['not an object', 42, 'span: expected an object, received number 42'],
    ['missing service', { ...span(), service: undefined }, 'service: expected a string, received nothing'],
    ['attributes not a list', { ...span(), attributes: 'a=b' }, 'attributes: expected a list'],
    // Every field the shape and result checks read by name, each refused with its own name.
    ['traceId a number', { ...span(), traceId: 7 }, 'traceId: expected a string, received number 7'],
    ['spanId missing', { ...span(), spanId: undefined }, 'spanId: expected a string, received nothing'],
    ['operation a list', { ...span(), operation: ['GET'] }, 'operation: expected a string'],
    ['startTime a number', { ...span(), startTime: 1 }, 'startTime: expected a string, received number 1'],
    ['endTime null', { ...span(), endTime: null }, 'endTime: expected a string'],
    ['metrics an object', { ...span(), metrics: { rows: 1 } }, 'metrics: expected a list'],
    ['events a string', { ...span(), events: 'boom' }, 'events: expected a list'],
    ['result.code a number', { ...span(), result: { status: 'OK', code: 200 } }, 'result.code: expected a string, received number 200'],
    ['result.message an object', { ...span(), result: { status: 'ERROR', message: { text: 'x' } } }, 'result.message: expected a string'],
    ['metric not an object', { ...span(), metrics: [null] }, 'metrics[0]: expected an object, received null'],
    ['event not an object', { ...span(), events: ['boom'] }, 'events[0]: expected an object'],
    ['result not an object', { ...span(), result: 'ok' }, 'result: expected an object'],
  ])('%s -> INVALID_FIELD', (_name, input, message) => {
    const { valid, rejected } = validateSpans([input as SpanInputShape], DEFAULT_INGEST_LIMITS, NOW_US);
    expect(valid).toEqual([]);
    expect(rejected[0]).toMatchObject({ index: 0, code: 'INVALID_FIELD' });
    expect(rejected[0]!.message).toContain(message);
  });
});

describe('links', () => {
  const LINKED_TRACE = 'ABCDEF0123456789ABCDEF0123456789';
  it('normalises links: lowercase ids, trace state (empty: none), attributes', () => {
    const { valid } = validateSpans(
      [span({ links: [{ traceId: LINKED_TRACE, spanId: 'ABCDEF0123456789', traceState: 'k=v', attributes: [{ key: 'n', value: 1 }] }, { traceId: TRACE, spanId: SPAN, traceState: '' }] })],
      DEFAULT_INGEST_LIMITS,
      NOW_US,
    );
    expect(valid[0]!.record.links).toEqual([
      { traceId: LINKED_TRACE.toLowerCase(), spanId: 'abcdef0123456789', traceState: 'k=v', attributes: [{ key: 'n', value: 1 }] },
      { traceId: TRACE.toLowerCase(), spanId: SPAN.toLowerCase(), traceState: null, attributes: [] },
    ]);
  });

  it.each<[string, Partial<SpanInputShape>, string, string]>([
    ['a bad trace id', { links: [{ traceId: 'xyz', spanId: SPAN }] }, 'INVALID_FIELD', 'links[0].traceId: expected 32 hex digits, not all zero, received "xyz" (3 characters)'],
    ['an all-zero span id', { links: [{ traceId: TRACE, spanId: '0000000000000000' }] }, 'INVALID_FIELD', 'links[0].spanId: expected 16 hex digits, not all zero, received an all-zero id'],
    ['a link that is not an object', { links: ['x' as never] }, 'INVALID_FIELD', 'links[0]: expected an object, received the string "x"'],
    ['too many links', { links: [1, 2, 3].map(() => ({ traceId: TRACE, spanId: SPAN })) }, 'TOO_LARGE', 'links: expected at most 2 links, received 3'],
    ['a bad link attribute', { links: [{ traceId: TRACE, spanId: SPAN, attributes: [{ key: '', value: 1 }] }] }, 'INVALID_ATTRIBUTE', 'links[0].attributes'],
  ])('rejects %s', (_name, input, code, message) => {
    const r = rejectionOf(input, { ...DEFAULT_INGEST_LIMITS, maxLinksPerSpan: 2 });
    expect(r.code).toBe(code);
    expect(r.message).toContain(message);
  });
});
