/**
 * The API fields that span and trace records hold under the API's own names (`Span.startTime`/`endTime`,
 * `SpanEvent.time`, `Trace.id`/`status`/`startTime`/`endTime`; the store keeps `startUs`, `timeUs`, the trace id
 * as `_id`): every way a span or trace reaches a query answers them, formatted as DateTime (UTC, 6 fraction digits),
 * on graphql-js (a query's first run) and compiled (its later runs), over HTTP and over graphql-ws.
 */
import type { Client } from 'graphql-ws';
import { eventually } from '../helpers/eventually';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { startLiveGateway, type LiveGateway } from '../live/helpers/live-gateway';
import { connect, subscribe } from '../live/helpers/ws-client';
import { at, newTraceId, span, spanId, SUBMIT } from './fixtures';

const TIMES = 'spanId startTime endTime events { time name }';
const TRACE_FIELDS = 'id status startTime endTime';

describe('fields held under the API names: every source of spans and traces, graphql-js and compiled', () => {
  let gw: TestGateway;
  const traceId = newTraceId();
  const spans = [0, 1, 2].map((n) => ({
    ...span({ traceId, n, parent: n === 0 ? null : 0, startUs: 1_000_001 + n * 100, durationUs: 37 + n, status: n === 2 ? 'ERROR' : 'OK' }),
    events: n === 1 ? [{ time: '2026-11-20T11:00:01.000150+01:00', name: 'retry' }] : [],
  }));
  const expected = [0, 1, 2].map((n) => ({
    spanId: spanId(n),
    startTime: at(1_000_001 + n * 100),
    endTime: at(1_000_001 + n * 100 + 37 + n),
    events: n === 1 ? [{ time: '2026-11-20T10:00:01.000150Z', name: 'retry' }] : [],
  }));
  const trace = { id: traceId, status: 'ERROR', startTime: at(1_000_001), endTime: at(1_000_240) };

  beforeAll(async () => {
    gw = await startTestGateway();
    const res = await gw.gql(SUBMIT, { spans });
    expect(res.data?.submitSpans).toMatchObject({ accepted: 3, rejected: [] });
  });
  afterAll(async () => {
    await gw.stop();
  });

  /** The data of three runs of one request (the first on graphql-js, the others compiled), all without errors. */
  const runs = async (query: string, variables: Record<string, unknown>): Promise<unknown[]> => {
    const out: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await gw.gql(query, variables);
      expect(res.errors).toBeUndefined();
      out.push(res.data);
    }
    return out;
  };

  it('trace(id) read from its spans: the trace, its spans, their events, parents and children', async () => {
    const query = `query($id: ID!) { trace(id: $id) { ${TRACE_FIELDS} spans { ${TIMES} parent { ${TIMES} } children { ${TIMES} } trace { ${TRACE_FIELDS} } } rootSpan { ${TIMES} } } }`;
    const want = {
      trace: {
        ...trace,
        spans: expected.map((s, n) => ({ ...s, parent: n === 0 ? null : expected[0], children: n === 0 ? expected.slice(1) : [], trace })),
        rootSpan: expected[0],
      },
    };
    for (const data of await runs(query, { id: traceId })) expect(data).toEqual(want);
  });

  it('trace(id) read from its stored summary, with and without its times read', async () => {
    for (const data of await runs(`query($id: ID!) { trace(id: $id) { ${TRACE_FIELDS} } }`, { id: traceId })) expect(data).toEqual({ trace });
    for (const data of await runs(`query($id: ID!) { trace(id: $id) { id startTime } }`, { id: traceId })) {
      expect(data).toEqual({ trace: { id: traceId, startTime: trace.startTime } });
    }
  });

  it('span(traceId, spanId), with only its start read, and its trace', async () => {
    const query = `query($t: ID!, $s: ID!) { span(traceId: $t, spanId: $s) { ${TIMES} trace { ${TRACE_FIELDS} } } }`;
    for (const data of await runs(query, { t: traceId, s: spanId(1) })) expect(data).toEqual({ span: { ...expected[1], trace } });
    for (const data of await runs(`query($t: ID!, $s: ID!) { span(traceId: $t, spanId: $s) { startTime } }`, { t: traceId, s: spanId(2) })) {
      expect(data).toEqual({ span: { startTime: expected[2]!.startTime } });
    }
  });

  it('a page of traces, its summaries read whole and in parts', async () => {
    const filter = { service: 'checkout', startTimeFrom: at(1_000_000), startTimeTo: at(1_000_002) };
    const page = (fields: string) => `query($f: TraceFilter) { traces(filter: $f) { nodes { ${fields} } } }`;
    for (const data of await runs(page(`${TRACE_FIELDS} spanCount services { name }`), { f: filter })) {
      expect(data).toEqual({ traces: { nodes: [{ ...trace, spanCount: 3, services: [{ name: 'checkout' }] }] } });
    }
    for (const data of await runs(page('id startTime'), { f: filter })) expect(data).toEqual({ traces: { nodes: [{ id: traceId, startTime: trace.startTime }] } });
    for (const data of await runs(page('status endTime'), { f: filter })) expect(data).toEqual({ traces: { nodes: [{ status: 'ERROR', endTime: trace.endTime }] } });
  });
});

describe.each(['local', 'changestream'] as const)('fields held under the API names over graphql-ws (%s source)', (source) => {
  let gw: LiveGateway;
  let client: Client;
  beforeAll(async () => {
    gw = await startLiveGateway({ live: { source } });
    client = connect(gw.url);
  });
  afterAll(async () => {
    await client?.dispose();
    await gw?.stop();
  });

  it('traceUpdated and spansReceived hand out spans with their times and the trace with its id, status and times', async () => {
    const traceId = newTraceId();
    const base = Date.now() - 60_000;
    const input = {
      ...span({ traceId, n: 0, startUs: 5, durationUs: 40, status: 'ERROR', base }),
      events: [{ time: at(20, base), name: 'retry' }],
    };
    type Span = { spanId: string; startTime: string; endTime: string; events: { time: string }[] };
    const updated = subscribe<{ traceUpdated: { spans: Span[]; trace: Record<string, string> } }>(
      client,
      `subscription($id: ID!) { traceUpdated(traceId: $id) { spans { spanId startTime endTime events { time } } trace { ${TRACE_FIELDS} } } }`,
      { id: traceId },
    );
    const received = subscribe<{ spansReceived: { spans: Span[] } }>(client, 'subscription { spansReceived { spans { spanId startTime endTime events { time } } } }');
    // Subscribed means the server executed the subscribes: the hub holds both.
    await eventually(() => (gw.live.stats()?.hub.subscriptions ?? 0) >= 2, 'both subscriptions in the hub');
    const want = { spanId: spanId(0), startTime: at(5, base), endTime: at(45, base), events: [{ time: at(20, base) }] };
    const mine = (spans: Span[]) => spans.filter((s) => s.spanId === want.spanId);
    expect((await gw.gql(SUBMIT, { spans: [input] })).data?.submitSpans).toMatchObject({ accepted: 1, rejected: [] });
    await updated.until((c) => c.results.length > 0, 'a traceUpdated message');
    await received.until((c) => c.results.some((r) => r.data && mine(r.data.spansReceived.spans).length > 0), 'the span in spansReceived');
    const message = updated.results[0]!;
    expect(message.errors).toBeUndefined();
    expect(message.data!.traceUpdated).toEqual({ spans: [want], trace: { id: traceId, status: 'ERROR', startTime: at(5, base), endTime: at(45, base) } });
    const batch = received.results.find((r) => r.data && mine(r.data.spansReceived.spans).length > 0)!;
    expect(batch.errors).toBeUndefined();
    expect(mine(batch.data!.spansReceived.spans)).toEqual([want]);
    updated.unsubscribe();
    received.unsubscribe();
  });
});
