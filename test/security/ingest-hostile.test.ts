/**
 * Hostile span input over HTTP: operator-looking keys and values are stored and matched as data, malformed ids
 * are refused at the edge, and each per-span cap rejects only its span (with its code) while nothing of a
 * rejected span is stored.
 */
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from '../gateway/fixtures';

const READ_BACK = `query($id: ID!) { trace(id: $id) { spanCount spans { spanId service { name } operation attributes { key value } result { data } } } }`;
const SEARCH = `query($attrs: [AttributeInput!]) { traces(first: 100, filter: { attributes: $attrs }) { nodes { id } } }`;

describe('hostile span input', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  async function search(attrs: unknown): Promise<string[]> {
    const res = await gw.gql<{ traces: { nodes: { id: string }[] } }>(SEARCH, { attrs });
    expect(res.errors).toBeUndefined();
    return res.data!.traces.nodes.map((n) => n.id).sort();
  }

  describe('"$" and "." in keys and values', () => {
    const hostile = newTraceId();
    const plain = newTraceId();
    const attributes = [
      { key: '$where', value: '1 == 1' },
      { key: 'a.b', value: { $gt: '' } },
      { key: 'user.$id', value: '$ne' },
      { key: '$or', value: [{ $exists: true }] },
    ];
    const data = { $set: { 'x.y': 1 }, '$inc': { n: 1 } };

    beforeAll(async () => {
      const hostileSpan = { ...span({ traceId: hostile, n: 0, service: '$cart.v2', operation: '$inc.total', attributes }), result: { status: 'OK', data } };
      const plainSpan = span({ traceId: plain, n: 0, attributes: [{ key: 'a.b', value: 'zzz' }, { key: '$where', value: 'other' }] });
      const res = await gw.gql(SUBMIT, { spans: [hostileSpan, plainSpan] });
      expect(res.data?.submitSpans).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    });

    it('stores them as data and reads them back unchanged', async () => {
      const res = await gw.gql(READ_BACK, { id: hostile });
      expect(res.errors).toBeUndefined();
      const stored = res.data?.trace.spans[0];
      expect(stored.service).toEqual({ name: '$cart.v2' });
      expect(stored.operation).toBe('$inc.total');
      expect(stored.attributes).toEqual(attributes);
      expect(stored.result).toEqual({ data });
      const service = await gw.gql(`{ service(name: "$cart.v2") { name operations spanCount } }`);
      expect(service.data?.service).toEqual({ name: '$cart.v2', operations: ['$inc.total'], spanCount: 1 });
    });

    it('matches attribute filters literally, never as operators', async () => {
      // as operators, {$gt: ''} would match every value of a.b and {$exists: true} every document
      expect(await search([{ key: 'a.b', value: { $gt: '' } }])).toEqual([hostile]);
      expect(await search([{ key: 'a.b', value: 'zzz' }])).toEqual([plain]);
      expect(await search([{ key: 'a.b', value: { $gt: 'a' } }])).toEqual([]);
      expect(await search([{ key: '$where', value: '1 == 1' }])).toEqual([hostile]);
      expect(await search([{ key: '$or', value: [{ $exists: true }] }])).toEqual([hostile]);
      expect(await search([{ key: 'user', value: { $id: '$ne' } }])).toEqual([]); // "user.$id" is one key, not a path
      expect(await search([{ key: '$where', value: { $ne: null } }])).toEqual([]);
    });
  });

  describe('malformed ids', () => {
    it.each([
      ['trace(id:) not hex', `{ trace(id: "not-a-trace-id") { spanCount } }`],
      ['trace(id:) an operator', `{ trace(id: "{\\"$gt\\": \\"\\"}") { spanCount } }`],
      ['trace(id:) too long', `{ trace(id: "${'a'.repeat(1000)}") { spanCount } }`],
      ['span(spanId:) not hex', `{ span(traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "$ne") { operation } }`],
    ])('refuses %s with BAD_USER_INPUT without touching the store', async (_label, query) => {
      const { count } = await gw.countCommands(async () => {
        const res = await gw.gql(query);
        expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0]?.message).toMatch(/expected/);
      });
      expect(count).toBe(0);
    });

    it('rejects spans with malformed ids by index and stores nothing of them', async () => {
      const traceId = newTraceId();
      const good = span({ traceId, n: 0 });
      const spans = [
        { ...span({ traceId, n: 1 }), traceId: 'xyz' },
        { ...span({ traceId, n: 2 }), spanId: '$gt' },
        { ...span({ traceId, n: 3 }), parentSpanId: 'a.b' },
        { ...span({ traceId, n: 4 }), traceId: '0'.repeat(32) },
        good,
      ];
      const res = await gw.gql(SUBMIT, { spans });
      expect(res.data?.submitSpans.accepted).toBe(1);
      expect(res.data?.submitSpans.rejected.map((r: { index: number; code: string }) => [r.index, r.code])).toEqual([
        [0, 'INVALID_TRACE_ID'],
        [1, 'INVALID_SPAN_ID'],
        [2, 'INVALID_PARENT_SPAN_ID'],
        [3, 'INVALID_TRACE_ID'],
      ]);
      const read = await gw.gql(READ_BACK, { id: traceId });
      expect(read.data?.trace.spans.map((s: { spanId: string }) => s.spanId)).toEqual([good.spanId]);
    });
  });

  describe('deeply nested values', () => {
    it('rejects a JSON value nested 20,000 levels deep as INVALID_ATTRIBUTE, without crashing or storing it', async () => {
      const traceId = newTraceId();
      const good = span({ traceId, n: 1 });
      const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
      // Built as text: the point is what the server does with it, not what a client's JSON.stringify can do.
      const hostileSpan = JSON.stringify(span({ traceId, n: 0 })).replace(/}$/, `,"attributes":[{"key":"deep","value":${deep}}]}`);
      const body = `{"query":${JSON.stringify(SUBMIT)},"variables":{"spans":[${hostileSpan},${JSON.stringify(good)}]}}`;
      const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
      const result = ((await res.json()) as { data: { submitSpans: { accepted: number; rejected: { index: number; code: string; message: string }[] } } }).data.submitSpans;
      expect(result.accepted).toBe(1);
      expect(result.rejected.map((r) => [r.index, r.code])).toEqual([[0, 'INVALID_ATTRIBUTE']]);
      expect(result.rejected[0]!.message).toMatch(/expected at most \d+ levels of nesting/);
      const read = await gw.gql(READ_BACK, { id: traceId });
      expect(read.data?.trace.spans.map((s: { spanId: string }) => s.spanId)).toEqual([good.spanId]);
    });
  });

  describe('per-span caps', () => {
    it('rejects each over-limit span with its code and stores only the good ones', async () => {
      const traceId = newTraceId();
      const base = (n: number) => span({ traceId, n });
      const farFuture = new Date(Date.now() + 3_600_000).toISOString();
      const spans = [
        { ...base(0), attributes: Array.from({ length: 129 }, (_, i) => ({ key: `k${i}`, value: i })) },
        { ...base(1), attributes: [{ key: 'k'.repeat(257), value: 1 }] },
        { ...base(2), attributes: [{ key: 'long', value: 'v'.repeat(4097) }] },
        { ...base(3), events: Array.from({ length: 129 }, (_, i) => ({ time: base(3).startTime, name: `e${i}` })) },
        { ...base(4), result: { status: 'OK', data: { blob: 'd'.repeat(70 * 1024) } } },
        { ...base(5), operation: 'o'.repeat(257) },
        { ...base(6), startTime: farFuture, endTime: farFuture },
        { ...base(7), endTime: '2026-11-20T09:00:00Z' },
        base(8),
      ];
      const res = await gw.gql(SUBMIT, { spans });
      expect(res.errors).toBeUndefined();
      const { accepted, rejected } = res.data!.submitSpans as { accepted: number; rejected: { index: number; code: string; message: string }[] };
      expect(accepted).toBe(1);
      expect(rejected.map((r) => [r.index, r.code])).toEqual([
        [0, 'TOO_MANY_ATTRIBUTES'],
        [1, 'STRING_TOO_LONG'],
        [2, 'STRING_TOO_LONG'],
        [3, 'TOO_MANY_EVENTS'],
        [4, 'TOO_LARGE'],
        [5, 'STRING_TOO_LONG'],
        [6, 'TOO_FAR_IN_FUTURE'],
        [7, 'END_BEFORE_START'],
      ]);
      for (const r of rejected) expect(r.message).toMatch(/expected/i);
      const read = await gw.gql(READ_BACK, { id: traceId });
      expect(read.data?.trace.spanCount).toBe(1);
      expect(read.data?.trace.spans.map((s: { spanId: string }) => s.spanId)).toEqual([base(8).spanId]);
    });
  });
});
