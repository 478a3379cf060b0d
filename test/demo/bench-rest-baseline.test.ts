/**
 * P5's raw REST baseline serves the page the gateway serves for P5's nested query, from the same store: the
 * benchmark compares one reply of each per run; this checks the same on a trace shape the demo does not make
 * (a span whose parent is not in the trace, equal start times) and on an empty store. P4's REST baseline
 * (GET /traces/<id>) answers the trace's span documents.
 */
import * as http from 'node:http';
import { keepAliveAgent, postJson, SpanSubmitter, toIsoMicros, TrafficGenerator } from '../../src/demo';
import type { SpanInput } from '../../src/generated/graphql';
import { pageDifference, startRestTraces, type RestTraces } from '../../bench/baselines/rest-traces';
import { BENCH_MAX_COST, NESTED_QUERY } from '../../bench/scenarios/p3-commands';
import { DEFAULT_QUERY_LIMITS } from '../../src/server/limits';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

function getText(url: URL): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      })
      .on('error', reject);
  });
}

describe('P5 REST baseline', () => {
  let gw: TestGateway;
  let rest: RestTraces;
  const agent = keepAliveAgent(2);

  beforeAll(async () => {
    gw = await startTestGateway({ queryLimits: { ...DEFAULT_QUERY_LIMITS, maxCost: BENCH_MAX_COST } });
    rest = await startRestTraces({ uri: gw.mongo.uri, dbName: gw.mongo.dbName });
  });

  afterAll(async () => {
    agent.destroy();
    await rest.stop();
    await gw.stop();
  });

  const both = async (first: number): Promise<{ gateway: string; rest: string }> => {
    const g = await postJson(new URL(gw.url), JSON.stringify({ query: NESTED_QUERY, variables: { first } }), agent, 30_000);
    const r = await postJson(new URL(rest.url), JSON.stringify({ first }), agent, 30_000);
    expect(g.status).toBe(200);
    expect(r.status).toBe(200);
    return { gateway: g.body, rest: r.body };
  };

  it('answers the same empty page on an empty store', async () => {
    const replies = await both(5);
    expect(pageDifference(replies.gateway, replies.rest)).toBeUndefined();
    expect(JSON.parse(replies.rest)).toEqual({ traces: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] } });
  });

  it('answers the same nested page as the gateway, orphans and ties included', async () => {
    const startMs = Date.now() - 3_600_000;
    const gen = new TrafficGenerator({ seed: 'rest-baseline', startTimeMs: startMs });
    const spans: SpanInput[] = [];
    for (let i = 0; i < 12; i++) spans.push(...gen.nextTrace(startMs + i * 1000).spans);
    // A trace of its own: two spans starting together (order by span id), one whose parent is elsewhere.
    const traceId = 'ab'.repeat(16);
    const at = (ms: number) => toIsoMicros((startMs + 60_000 + ms) * 1000);
    const span = (spanId: string, parentSpanId: string | null): SpanInput => ({
      traceId, spanId, parentSpanId, service: 'orphanage', operation: `op-${spanId}`, kind: 'INTERNAL', startTime: at(0), endTime: at(5), status: 'OK',
    });
    spans.push(span('00000000000000b2', null), span('00000000000000a1', '00000000000000b2'), span('00000000000000c3', 'ffffffffffffffff'));
    const outcome = await new SpanSubmitter({ url: gw.url, agent, maxAttempts: 5, baseDelayMs: 20 }).submit(spans);
    expect(outcome).toMatchObject({ kind: 'stored', accepted: spans.length });

    const replies = await both(5);
    expect(pageDifference(replies.gateway, replies.rest)).toBeUndefined();
    const page = JSON.parse(replies.rest) as { traces: { pageInfo: { hasNextPage: boolean }; nodes: { id: string; spans: { spanId: string; parent: unknown; children: unknown[] }[] }[] } };
    expect(page.traces.pageInfo.hasNextPage).toBe(true);
    expect(page.traces.nodes).toHaveLength(5);
    const own = page.traces.nodes[0]!;
    expect(own.id).toBe(traceId);
    expect(own.spans).toEqual([
      { spanId: '00000000000000a1', operation: 'op-00000000000000a1', service: { name: 'orphanage' }, parent: { spanId: '00000000000000b2' }, children: [] },
      { spanId: '00000000000000b2', operation: 'op-00000000000000b2', service: { name: 'orphanage' }, parent: null, children: [{ spanId: '00000000000000a1' }] },
      { spanId: '00000000000000c3', operation: 'op-00000000000000c3', service: { name: 'orphanage' }, parent: null, children: [] },
    ]);
    const all = await both(20);
    expect(pageDifference(all.gateway, all.rest)).toBeUndefined();
    expect((JSON.parse(all.rest) as { traces: { nodes: unknown[] } }).traces.nodes).toHaveLength(13);
  });

  it('names a difference between two replies', () => {
    const page = { traces: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [{ id: 't1', spans: [] }] } };
    const fewer = { traces: { pageInfo: page.traces.pageInfo, nodes: [] } };
    expect(pageDifference(JSON.stringify({ data: page }), JSON.stringify(fewer))).toBe('traces: gateway 1, REST 0');
    expect(pageDifference(JSON.stringify({ data: page }), JSON.stringify(page))).toBeUndefined();
  });

  it('refuses a request it does not serve, saying what it expected', async () => {
    const r = await postJson(new URL(rest.url), JSON.stringify({ first: 0 }), agent, 30_000);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({ error: 'first: expected an integer from 1 to 100, received 0' });
    const bad = await getText(new URL(`${rest.url}/not-a-trace-id`));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ error: 'expected GET /traces/<32 lowercase hex digits>, received /traces/not-a-trace-id' });
  });

  it('answers GET /traces/<id> (P4) with the span documents of that trace that the gateway reads', async () => {
    const gen = new TrafficGenerator({ seed: 'rest-baseline-p4', startTimeMs: Date.now() - 3_600_000 });
    const trace = gen.nextTrace(Date.now() - 3_600_000);
    await new SpanSubmitter({ url: gw.url, agent, maxAttempts: 5, baseDelayMs: 20 }).submit(trace.spans);
    const r = await getText(new URL(`${rest.url}/${trace.traceId}`));
    expect(r.status).toBe(200);
    const docs = JSON.parse(r.body) as { traceId: string; spanId: string; attrs: unknown[] }[];
    expect(docs.map((d) => d.spanId).sort()).toEqual(trace.spans.map((s) => s.spanId).sort());
    expect(docs.every((d) => d.traceId === trace.traceId && Array.isArray(d.attrs))).toBe(true);
    const none = await getText(new URL(`${rest.url}/${'cd'.repeat(16)}`));
    expect(none.status).toBe(200);
    expect(JSON.parse(none.body)).toEqual([]);
  });
});
