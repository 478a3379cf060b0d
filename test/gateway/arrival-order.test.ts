import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, spanId, SUBMIT } from './fixtures';

const TREE = `query($id: ID!) {
  trace(id: $id) {
    spanCount errorCount status startTime endTime durationUs services { name }
    rootSpan { spanId }
    spans { spanId parentSpanId parent { spanId } children { spanId } }
  }
}`;

/** A checkout chain: 0 checkout -> 1 inventory, 2 payment -> 3 fraud; 4 shipping after payment. */
function chain(traceId: string) {
  return [
    span({ traceId, n: 0, service: 'checkout', startUs: 0, durationUs: 1000 }),
    span({ traceId, n: 1, parent: 0, service: 'inventory', startUs: 100, durationUs: 200 }),
    span({ traceId, n: 2, parent: 0, service: 'payment', startUs: 350, durationUs: 400, status: 'ERROR' }),
    span({ traceId, n: 3, parent: 2, service: 'fraud', startUs: 400, durationUs: 100 }),
    span({ traceId, n: 4, parent: 0, service: 'shipping', startUs: 800, durationUs: 1500 }),
  ];
}

describe('arrival order and orphans', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  async function submit(spans: unknown[]) {
    const res = await gw.gql(SUBMIT, { spans });
    expect(res.errors).toBeUndefined();
    return res.data!.submitSpans;
  }

  it('assembles the same trace whatever the order and batching of arrival', async () => {
    const inOrder = newTraceId();
    await submit(chain(inOrder));
    const scrambled = newTraceId();
    const spans = chain(scrambled);
    // children first, one trace spread over three requests
    expect(await submit([spans[3], spans[4]])).toMatchObject({ accepted: 2 });
    expect(await submit([spans[2]])).toMatchObject({ accepted: 1 });
    expect(await submit([spans[1], spans[0]])).toMatchObject({ accepted: 2 });

    const a = (await gw.gql(TREE, { id: inOrder })).data!.trace;
    const b = (await gw.gql(TREE, { id: scrambled })).data!.trace;
    expect(b).toEqual(a);
    expect(a).toEqual({
      spanCount: 5,
      errorCount: 1,
      status: 'ERROR',
      startTime: '2026-11-20T10:00:00.000000Z',
      endTime: '2026-11-20T10:00:00.002300Z',
      durationUs: 2300,
      services: ['checkout', 'fraud', 'inventory', 'payment', 'shipping'].map((name) => ({ name })),
      rootSpan: { spanId: spanId(0) },
      spans: [
        { spanId: spanId(0), parentSpanId: null, parent: null, children: [{ spanId: spanId(1) }, { spanId: spanId(2) }, { spanId: spanId(4) }] },
        { spanId: spanId(1), parentSpanId: spanId(0), parent: { spanId: spanId(0) }, children: [] },
        { spanId: spanId(2), parentSpanId: spanId(0), parent: { spanId: spanId(0) }, children: [{ spanId: spanId(3) }] },
        { spanId: spanId(3), parentSpanId: spanId(2), parent: { spanId: spanId(2) }, children: [] },
        { spanId: spanId(4), parentSpanId: spanId(0), parent: { spanId: spanId(0) }, children: [] },
      ],
    });
  });

  it('keeps orphans in their trace; the earliest orphan is the root when no span is parentless', async () => {
    const traceId = newTraceId();
    // parents 90 and 91 never arrive
    await submit([
      span({ traceId, n: 1, parent: 90, startUs: 500 }),
      span({ traceId, n: 2, parent: 91, startUs: 200 }),
      span({ traceId, n: 3, parent: 2, startUs: 300 }),
    ]);
    const t = (await gw.gql(TREE, { id: traceId })).data!.trace;
    expect(t.spanCount).toBe(3);
    expect(t.rootSpan).toEqual({ spanId: spanId(2) });
    expect(t.spans.map((s: { spanId: string }) => s.spanId)).toEqual([spanId(2), spanId(3), spanId(1)]);
    expect(t.spans[0]).toMatchObject({ parentSpanId: spanId(91), parent: null, children: [{ spanId: spanId(3) }] });

    // the parent arrives late: it becomes the root and the orphan its child
    await submit([span({ traceId, n: 91, startUs: 100 })]);
    const later = (await gw.gql(TREE, { id: traceId })).data!.trace;
    expect(later.rootSpan).toEqual({ spanId: spanId(91) });
    expect(later.spans[0]).toMatchObject({ spanId: spanId(91), children: [{ spanId: spanId(2) }] });
  });

  it('picks the earliest parentless span when a trace has several', async () => {
    const traceId = newTraceId();
    await submit([span({ traceId, n: 1, startUs: 300 }), span({ traceId, n: 2, startUs: 200 }), span({ traceId, n: 3, parent: 1, startUs: 100 })]);
    expect((await gw.gql(TREE, { id: traceId })).data!.trace.rootSpan).toEqual({ spanId: spanId(2) });
  });

  it('ends with the same summary when batches of one trace arrive concurrently', async () => {
    const traceId = newTraceId();
    const spans = Array.from({ length: 12 }, (_, n) =>
      span({ traceId, n, parent: n === 0 ? null : 0, service: `svc-${n % 4}`, startUs: 1000 - n * 50, durationUs: 100 + n * 20, status: n % 5 === 0 ? 'ERROR' : 'OK' }),
    );
    const results = await Promise.all(spans.map((s) => gw.gql(SUBMIT, { spans: [s, s] })));
    expect(results.map((r) => r.data?.submitSpans)).toEqual(spans.map(() => ({ accepted: 1, duplicates: 1, rejected: [] })));
    const t = (await gw.gql(TREE, { id: traceId })).data!.trace;
    expect(t).toMatchObject({
      spanCount: 12,
      errorCount: 3,
      startTime: '2026-11-20T10:00:00.000450Z',
      endTime: '2026-11-20T10:00:00.001100Z',
      durationUs: 650,
      services: [0, 1, 2, 3].map((n) => ({ name: `svc-${n}` })),
    });
    const search = await gw.gql(`query($min: Float) { traces(filter: { minDurationUs: $min, maxDurationUs: $min }) { nodes { id } } }`, { min: 650 });
    expect(search.data!.traces.nodes).toContainEqual({ id: traceId });
  });
});
