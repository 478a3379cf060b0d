/**
 * Client mistakes are the client's: graphql-js's "Too many errors processing variables" is BAD_USER_INPUT (not a
 * masked INTERNAL, which would also be logged at ERROR), and lone UTF-16 surrogates in names and keys are refused (INVALID_UNICODE)
 * instead of being stored as U+FFFD.
 */
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from '../gateway/fixtures';

describe('client errors', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('answers "Too many errors processing variables" as BAD_USER_INPUT, not a masked INTERNAL', async () => {
    const res = await gw.gql(SUBMIT, { spans: Array.from({ length: 60 }, () => ({ traceId: 'zz', spanId: 'q' })) });
    expect(res.status).toBe(400);
    expect(new Set(res.errors!.map((e) => e.extensions?.code))).toEqual(new Set(['BAD_USER_INPUT']));
    expect(res.errors!.some((e) => e.message === 'Too many errors processing variables, error limit reached. Execution aborted.')).toBe(true);
  });

  it('refuses lone surrogates in service, operation and attribute keys with INVALID_UNICODE, storing the rest', async () => {
    const traceId = newTraceId();
    const res = await gw.gql(SUBMIT, {
      spans: [
        { ...span({ traceId, n: 0 }), service: 'pay\uD800ment' },
        { ...span({ traceId, n: 1 }), operation: 'charge\uDC00' },
        span({ traceId, n: 2, attributes: [{ key: 'card\uDBFF.kind', value: 'visa' }] }),
        span({ traceId, n: 3, service: 'emoji \u{1F600} ok', attributes: [{ key: 'face.\u{1F600}', value: 'fine' }] }),
      ],
    });
    expect(res.data?.submitSpans).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [
        { index: 0, code: 'INVALID_UNICODE', message: 'service: expected well-formed Unicode text, received a lone UTF-16 surrogate \\uD800 at position 3' },
        { index: 1, code: 'INVALID_UNICODE', message: 'operation: expected well-formed Unicode text, received a lone UTF-16 surrogate \\uDC00 at position 6' },
        { index: 2, code: 'INVALID_UNICODE', message: expect.stringMatching(/attributes\[0\]\.key: expected well-formed Unicode text, received a lone UTF-16 surrogate \\uDBFF at position 4$/) },
      ],
    });
    const stored = await gw.gql(`{ trace(id: "${traceId}") { spans { service { name } attributes { key } } } }`);
    expect(stored.data?.trace.spans).toEqual([{ service: { name: 'emoji \u{1F600} ok' }, attributes: [{ key: 'face.\u{1F600}' }] }]);
  });
});
