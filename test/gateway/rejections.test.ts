import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { at, newTraceId, span, SUBMIT } from './fixtures';

const COUNT = `query($id: ID!) { trace(id: $id) { spanCount spans { spanId } } }`;

describe('ingest rejections and caps (HTTP)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      env: {
        TRACEGATE_MAX_SPANS_PER_REQUEST: '20',
        TRACEGATE_MAX_BODY_BYTES: '65536',
        TRACEGATE_MAX_ATTRIBUTES: '3',
        TRACEGATE_MAX_ATTRIBUTE_KEY_LENGTH: '10',
        TRACEGATE_MAX_STRING_LENGTH: '20',
        TRACEGATE_MAX_EVENTS: '2',
        TRACEGATE_MAX_RESULT_DATA_BYTES: '40',
        TRACEGATE_MAX_NAME_LENGTH: '16',
      },
    });
  });
  afterAll(async () => {
    await gw.stop();
  });

  const longFuture = new Date(Date.now() + 3_600_000).toISOString();
  const cases: [string, (traceId: string) => Record<string, unknown>, string, string][] = [
    ['INVALID_TRACE_ID', () => ({ traceId: 'xyz' }), 'INVALID_TRACE_ID', 'traceId: expected 32 hex digits, not all zero, received "xyz" (3 characters)'],
    ['all-zero trace id', () => ({ traceId: '0'.repeat(32) }), 'INVALID_TRACE_ID', 'received an all-zero id'],
    ['INVALID_SPAN_ID', () => ({ spanId: '123' }), 'INVALID_SPAN_ID', 'spanId: expected 16 hex digits'],
    ['INVALID_PARENT_SPAN_ID', () => ({ parentSpanId: 'nothex!!nothex!!' }), 'INVALID_PARENT_SPAN_ID', 'parentSpanId: expected 16 hex digits'],
    ['INVALID_TIME', () => ({ startTime: '26/11/2026' }), 'INVALID_TIME', 'startTime: expected an ISO-8601 date-time'],
    ['END_BEFORE_START', () => ({ startTime: at(100), endTime: at(99) }), 'END_BEFORE_START', 'endTime: expected at or after startTime 2026-11-20T10:00:00.000100Z, received 2026-11-20T10:00:00.000099Z'],
    ['TOO_FAR_IN_FUTURE', () => ({ endTime: longFuture }), 'TOO_FAR_IN_FUTURE', 'expected at most 600000 ms beyond the server clock'],
    ['INVALID_NAME', () => ({ service: '' }), 'INVALID_NAME', 'service: expected a non-empty name'],
    ['STRING_TOO_LONG (name)', () => ({ operation: 'o'.repeat(17) }), 'STRING_TOO_LONG', 'operation: expected at most 16 characters, received 17'],
    ['STRING_TOO_LONG (attribute key)', () => ({ attributes: [{ key: 'k'.repeat(11), value: 1 }] }), 'STRING_TOO_LONG', 'attributes[0].key: expected at most 10 characters, received 11'],
    ['STRING_TOO_LONG (attribute value)', () => ({ attributes: [{ key: 'k', value: ['ok', 'v'.repeat(21)] }] }), 'STRING_TOO_LONG', 'attributes[0].value.1: expected at most 20 characters, received 21'],
    ['TOO_MANY_ATTRIBUTES', () => ({ attributes: [1, 2, 3, 4].map((n) => ({ key: `k${n}`, value: n })) }), 'TOO_MANY_ATTRIBUTES', 'attributes: expected at most 3 attributes, received 4'],
    ['INVALID_ATTRIBUTE (null inside)', () => ({ attributes: [{ key: 'k', value: ['a', null] }] }), 'INVALID_ATTRIBUTE', 'attributes[0].value.1: expected a string, number, boolean, array or object, received null'],
    ['INVALID_ATTRIBUTE (duplicate key)', () => ({ attributes: [{ key: 'k', value: 1 }, { key: 'k', value: 2 }] }), 'INVALID_ATTRIBUTE', 'attributes[1].key: expected unique keys, received "k" twice'],
    ['TOO_MANY_EVENTS', () => ({ events: [1, 2, 3].map((n) => ({ time: at(n), name: `e${n}` })) }), 'TOO_MANY_EVENTS', 'events: expected at most 2 events, received 3'],
    ['TOO_LARGE (result data)', () => ({ result: { status: 'ERROR', data: { text: 'x'.repeat(40) } } }), 'TOO_LARGE', 'result.data: expected at most 40 bytes of JSON, received 51'],
  ];

  it.each(cases)('%s: rejected with its code and a message naming expected and received; nothing of it stored', async (_name, override, code, message) => {
    const traceId = newTraceId();
    const good = span({ traceId, n: 0 });
    const bad = { ...span({ traceId, n: 1, parent: 0 }), ...override(traceId) };
    const res = await gw.gql(SUBMIT, { spans: [good, bad] });
    expect(res.errors).toBeUndefined();
    const result = res.data!.submitSpans;
    expect(result.accepted).toBe(1);
    expect(result.duplicates).toBe(0);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0].index).toBe(1);
    expect(result.rejected[0].code).toBe(code);
    expect(result.rejected[0].message).toContain(message);
    const read = await gw.gql(COUNT, { id: traceId });
    expect(read.data!.trace.spanCount).toBe(1);
    expect(read.data!.trace.spans).toHaveLength(1);
  });

  it('fails the whole request above the spans-per-request cap: PAYLOAD_TOO_LARGE, nothing stored', async () => {
    const traceId = newTraceId();
    const spans = Array.from({ length: 21 }, (_, n) => span({ traceId, n }));
    const res = await gw.gql(SUBMIT, { spans });
    expect(res.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.errors?.[0]?.message).toBe('spans: expected at most 20 spans per request, received 21; nothing was stored');
    expect((await gw.gql(COUNT, { id: traceId })).data!.trace).toBeNull();
  });

  it('refuses a body over the byte cap with HTTP 413 PAYLOAD_TOO_LARGE, nothing stored', async () => {
    const traceId = newTraceId();
    const filler = 'x'.repeat(70_000);
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: SUBMIT, variables: { spans: [span({ traceId, n: 0 })] }, extensions: { filler } }),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(body.errors[0]!.message).toContain('request body: expected at most 65536 bytes');
    expect((await gw.gql(COUNT, { id: traceId })).data!.trace).toBeNull();
  });
});
