/** `Span.links`: submitted with the mutation, read back with the linked span when it is stored. */
import { randomBytes } from 'node:crypto';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const SUBMIT = 'mutation($s: [SpanInput!]!) { submitSpans(spans: $s) { accepted rejected { index code message } } }';
const LINKS = `query($t: ID!) { trace(id: $t) { spans { spanId links { traceId spanId traceState attributes { key value } span { spanId operation service { name } } } } } }`;

describe('Span.links', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('returns each link with its attributes, and the linked span when it is stored (batched)', async () => {
    const [producerTrace, consumerTrace, missingTrace] = [hex(16), hex(16), hex(16)];
    const [producerId, consumerId, batchId, missingId] = [hex(8), hex(8), hex(8), hex(8)];
    const at = (ms: number) => new Date(Date.now() - 60_000 + ms).toISOString();
    const spans = [
      { traceId: producerTrace, spanId: producerId, service: 'orders', operation: 'publish', kind: 'PRODUCER', startTime: at(0), endTime: at(1) },
      {
        traceId: consumerTrace,
        spanId: consumerId,
        service: 'billing',
        operation: 'consume',
        kind: 'CONSUMER',
        startTime: at(5),
        endTime: at(9),
        links: [
          { traceId: producerTrace.toUpperCase(), spanId: producerId, traceState: 'vendor=1', attributes: [{ key: 'messaging.batch.index', value: 0 }] },
          { traceId: missingTrace, spanId: missingId },
        ],
      },
      { traceId: consumerTrace, spanId: batchId, parentSpanId: consumerId, service: 'billing', operation: 'persist', startTime: at(6), endTime: at(8) },
    ];
    const submitted = await gw.gql(SUBMIT, { s: spans });
    expect(submitted.data).toEqual({ submitSpans: { accepted: 3, rejected: [] } });

    const { count } = await gw.countCommands(async () => {
      const res = await gw.gql<{ trace: { spans: any[] } }>(LINKS, { t: consumerTrace });
      expect(res.errors).toBeUndefined();
      const byId = new Map(res.data!.trace.spans.map((s) => [s.spanId, s]));
      expect(byId.get(consumerId).links).toEqual([
        {
          traceId: producerTrace,
          spanId: producerId,
          traceState: 'vendor=1',
          attributes: [{ key: 'messaging.batch.index', value: 0 }],
          span: { spanId: producerId, operation: 'publish', service: { name: 'orders' } },
        },
        { traceId: missingTrace, spanId: missingId, traceState: null, attributes: [], span: null },
      ]);
      expect(byId.get(batchId).links).toEqual([]);
    });
    // trace summary, its spans, the linked spans by key (one batch), the linked span's service.
    expect(count).toBeLessThanOrEqual(4);
  });

  it('rejects a span with a malformed link, naming it', async () => {
    const res = await gw.gql(SUBMIT, {
      s: [{ traceId: hex(16), spanId: hex(8), service: 's', operation: 'o', startTime: new Date().toISOString(), endTime: new Date().toISOString(), links: [{ traceId: 'nope', spanId: hex(8) }] }],
    });
    expect(res.data).toEqual({
      submitSpans: { accepted: 0, rejected: [{ index: 0, code: 'INVALID_FIELD', message: 'links[0].traceId: expected 32 hex digits, not all zero, received "nope" (4 characters)' }] },
    });
  });
});
