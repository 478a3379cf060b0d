import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { at, newTraceId, span, spanId, SUBMIT } from './fixtures';

const TRACE_QUERY = `query Trace($id: ID!) {
  trace(id: $id) {
    id spanCount errorCount status startTime endTime durationUs
    services { name }
    rootSpan { spanId }
    spans {
      traceId spanId parentSpanId operation kind startTime endTime durationUs status
      service { name operations spanCount firstSeen lastSeen }
      parent { spanId } children { spanId } trace { id }
      result { status code message data }
      attributes { key value }
      metrics { name value unit }
      events { time name attributes { key value } }
    }
  }
}`;

describe('submitSpans then read back (HTTP)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('stores a span and returns every field as submitted, normalised', async () => {
    const traceId = newTraceId();
    const input = {
      traceId: traceId.toUpperCase(),
      spanId: 'ABCDEF0123456789',
      service: 'payment',
      operation: 'charge',
      kind: 'CLIENT',
      startTime: '2026-11-20T11:00:00.000001+01:00',
      endTime: '2026-11-20T10:00:00.000038123Z',
      status: 'ERROR',
      result: { status: 'ERROR', code: 'CARD_DECLINED', message: 'insufficient funds', data: { retry: false, amounts: [1, 2.5] } },
      attributes: [{ key: 'http.status_code', value: 402 }, { key: 'tags', value: ['a', 'b'] }, { key: 'ok', value: false }],
      metrics: [{ name: 'db.calls', value: 3, unit: '1' }, { name: 'cpu', value: 0.25 }],
      events: [{ time: '2026-11-20T10:00:00.000020Z', name: 'retry', attributes: [{ key: 'attempt', value: 2 }] }],
    };
    const submitted = await gw.gql(SUBMIT, { spans: [input] });
    expect(submitted.errors).toBeUndefined();
    expect(submitted.data?.submitSpans).toEqual({ accepted: 1, duplicates: 0, rejected: [] });

    const read = await gw.gql(TRACE_QUERY, { id: traceId });
    expect(read.errors).toBeUndefined();
    const trace = read.data?.trace;
    expect(trace).toMatchObject({
      id: traceId,
      spanCount: 1,
      errorCount: 1,
      status: 'ERROR',
      startTime: '2026-11-20T10:00:00.000001Z',
      endTime: '2026-11-20T10:00:00.000038Z',
      durationUs: 37,
      services: [{ name: 'payment' }],
      rootSpan: { spanId: 'abcdef0123456789' },
    });
    expect(trace.spans).toEqual([
      {
        traceId,
        spanId: 'abcdef0123456789',
        parentSpanId: null,
        operation: 'charge',
        kind: 'CLIENT',
        startTime: '2026-11-20T10:00:00.000001Z',
        endTime: '2026-11-20T10:00:00.000038Z',
        durationUs: 37,
        status: 'ERROR',
        service: { name: 'payment', operations: ['charge'], spanCount: 1, firstSeen: '2026-11-20T10:00:00.000001Z', lastSeen: '2026-11-20T10:00:00.000038Z' },
        parent: null,
        children: [],
        trace: { id: traceId },
        result: { status: 'ERROR', code: 'CARD_DECLINED', message: 'insufficient funds', data: { amounts: [1, 2.5], retry: false } },
        attributes: input.attributes,
        metrics: [{ name: 'db.calls', value: 3, unit: '1' }, { name: 'cpu', value: 0.25, unit: null }],
        events: [{ time: '2026-11-20T10:00:00.000020Z', name: 'retry', attributes: [{ key: 'attempt', value: 2 }] }],
      },
    ]);
  });

  it('reads a single span by key, case-insensitively', async () => {
    const traceId = newTraceId();
    await gw.gql(SUBMIT, { spans: [span({ traceId, n: 0 }), span({ traceId, n: 1, parent: 0 })] });
    const read = await gw.gql(`query($t: ID!, $s: ID!) { span(traceId: $t, spanId: $s) { spanId parent { spanId } trace { spanCount } } }`, {
      t: traceId.toUpperCase(),
      s: spanId(1).toUpperCase(),
    });
    expect(read.data?.span).toEqual({ spanId: spanId(1), parent: { spanId: spanId(0) }, trace: { spanCount: 2 } });
    const missing = await gw.gql(`query($t: ID!) { trace(id: $t) { id } }`, { t: newTraceId() });
    expect(missing.data?.trace).toBeNull();
    expect(missing.errors).toBeUndefined();
  });

  it('is idempotent: a re-submit stores nothing and the first copy stands', async () => {
    const traceId = newTraceId();
    const first = span({ traceId, n: 0, operation: 'first-copy', durationUs: 10 });
    expect((await gw.gql(SUBMIT, { spans: [first] })).data?.submitSpans).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const again = { ...first, operation: 'second-copy', endTime: at(500) };
    const res = await gw.gql(SUBMIT, { spans: [again, span({ traceId, n: 1, parent: 0 }), again] });
    expect(res.data?.submitSpans).toEqual({ accepted: 1, duplicates: 2, rejected: [] });
    const read = await gw.gql(`query($id: ID!) { trace(id: $id) { spanCount durationUs spans { spanId operation } } }`, { id: traceId });
    expect(read.data?.trace).toEqual({
      spanCount: 2,
      durationUs: 150 - 0,
      spans: [{ spanId: spanId(0), operation: 'first-copy' }, { spanId: spanId(1), operation: 'op-1' }],
    });
  });

  it('answers trace(id) and Span.trace from the spans when the summary is not (yet) stored', async () => {
    const traceId = newTraceId();
    await gw.gql(SUBMIT, { spans: [span({ traceId, n: 0, startUs: 10, durationUs: 90 }), span({ traceId, n: 1, parent: 0, startUs: 20, durationUs: 100, status: 'ERROR' })] });
    await gw.store.db.collection('traces').deleteOne({ _id: traceId as never });
    const read = await gw.gql(`query($t: ID!, $s: ID!) { span(traceId: $t, spanId: $s) { trace { id spanCount errorCount durationUs status services { name } } } }`, {
      t: traceId,
      s: spanId(1),
    });
    expect(read.errors).toBeUndefined();
    expect(read.data?.span.trace).toEqual({ id: traceId, spanCount: 2, errorCount: 1, durationUs: 110, status: 'ERROR', services: [{ name: 'checkout' }] });
    const byId = await gw.gql(`query($t: ID!) { trace(id: $t) { spanCount durationUs rootSpan { spanId } } }`, { t: traceId });
    expect(byId.data?.trace).toEqual({ spanCount: 2, durationUs: 110, rootSpan: { spanId: spanId(0) } });
  });
});
