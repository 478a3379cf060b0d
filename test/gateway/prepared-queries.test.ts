/**
 * A query answered before is answered again by the prepared path (src/server/prepared-queries.ts), outside Apollo's
 * request machinery but with its plugins: the same bytes and headers as Apollo and graphql-js answer, the same auth
 * and query-cost verdicts, Apollo's own errors (the operation run once), and mutations always through Apollo.
 */
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { at, newTraceId, span, SUBMIT } from './fixtures';

const EVERY_SPAN_FIELD = `query Trace($id: ID!) {
  trace(id: $id) {
    id spanCount errorCount status startTime endTime durationUs
    spans {
      spanId parentSpanId service { name } operation kind startTime endTime durationUs status
      result { status code message data } attributes { key value } metrics { name value unit } events { time name attributes { key value } }
    }
  }
}`;

interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

/** POSTs a JSON body as it is (the test helper's `gql` always sends `{ query, variables }`). */
async function post(gw: TestGateway, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A reply's text with its request id left out (each response names its own). */
function sameButId(text: string): string {
  return text.replace(/"requestId":"[^"]*"/g, '"requestId":"-"');
}

/** The headers a reply's meaning depends on. */
function headersOf(reply: Reply): Record<string, string | null> {
  return { 'content-type': reply.headers.get('content-type'), 'cache-control': reply.headers.get('cache-control'), 'www-authenticate': reply.headers.get('www-authenticate') };
}

/** Seeds a trace of 4 spans with nested attribute values, events with attributes, metrics and results. */
async function seedRichTrace(gw: TestGateway, headers: Record<string, string> = {}): Promise<string> {
  const traceId = newTraceId();
  const spans = [0, 1, 2, 3].map((n) => ({
    ...span({ traceId, n, parent: n === 0 ? null : 0, service: n % 2 ? 'payment' : 'checkout', attributes: [{ key: 'n', value: { n, list: [n, 'x', false, true] } }, { key: 'label', value: `span "${n}"\u00e9` }] }),
    result: n === 2 ? { status: 'ERROR', code: 'DECLINED', message: 'no funds', data: { retry: false, amounts: [1.5, 2] } } : { status: 'OK', code: null, message: null, data: null },
    status: n === 2 ? 'ERROR' : 'OK',
    kind: n === 0 ? 'SERVER' : 'CLIENT',
    metrics: [{ name: 'db.time', value: n / 4, unit: n ? 'ms' : null }],
    events: [{ time: at(n * 100 + 7), name: `e${n}`, attributes: [{ key: 'k', value: [n] }] }],
  }));
  const res = await gw.gql(SUBMIT, { spans }, headers);
  expect(res.data?.submitSpans).toMatchObject({ accepted: 4, rejected: [] });
  return traceId;
}

describe('prepared queries', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('answers a repeated query with the bytes and headers of graphql-js and of Apollo', async () => {
    const traceId = await seedRichTrace(gw);
    const body = { query: EVERY_SPAN_FIELD, variables: { id: traceId } };
    const before = gw.gateway.prepared.stats();
    // The first run is Apollo's and graphql-js's (a query is compiled from its second run on).
    const interpreted = await post(gw, body);
    const prepared = [await post(gw, body), await post(gw, body), await post(gw, body)];
    // `extensions` in the body, or an Accept header other than plain JSON, leave the request to Apollo.
    const throughApollo = await post(gw, { ...body, extensions: {} });
    const after = gw.gateway.prepared.stats();
    expect(after.served - before.served).toBe(3);

    const parsed = JSON.parse(interpreted.text);
    expect(parsed.errors).toBeUndefined();
    expect(parsed.data.trace.spans).toHaveLength(4);
    expect(parsed.data.trace.spans[2]).toMatchObject({ status: 'ERROR', result: { code: 'DECLINED', data: { retry: false, amounts: [1.5, 2] } }, attributes: [{ key: 'n', value: { n: 2, list: [2, 'x', false, true] } }, { key: 'label', value: 'span "2"\u00e9' }] });
    expect(parsed.data.trace.spans[1].events).toEqual([{ time: at(107), name: 'e1', attributes: [{ key: 'k', value: [1] }] }]);
    for (const reply of [...prepared, throughApollo]) {
      expect(reply.status).toBe(200);
      expect(reply.text).toBe(interpreted.text);
      expect(headersOf(reply)).toEqual(headersOf(interpreted));
    }
    expect(headersOf(interpreted)).toEqual({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'www-authenticate': null });

    const negotiated = await post(gw, body, { accept: 'application/graphql-response+json' });
    expect(gw.gateway.prepared.stats().served).toBe(after.served);
    expect(negotiated.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
    expect(negotiated.text).toBe(interpreted.text);
  });

  it('runs an operation that fails once and answers with Apollo errors', async () => {
    const traceId = await seedRichTrace(gw);
    const query = `query Two($id: ID!, $other: ID!) { trace(id: $id) { id spans { spanId } } other: trace(id: $other) { id } }`;
    const ok = await post(gw, { query, variables: { id: traceId, other: traceId } });
    expect(JSON.parse(ok.text).errors).toBeUndefined();
    const bad = { query, variables: { id: traceId, other: 'not-a-trace-id' } };
    const before = gw.gateway.prepared.stats();
    let prepared: Reply | undefined;
    const viaPrepared = await gw.countCommands(async () => {
      prepared = await post(gw, bad);
    });
    expect(gw.gateway.prepared.stats().leftToApollo - before.leftToApollo).toBe(1);
    let apollo: Reply | undefined;
    const viaApollo = await gw.countCommands(async () => {
      apollo = await post(gw, { ...bad, extensions: {} });
    });
    expect(prepared!.status).toBe(200);
    const parsed = JSON.parse(prepared!.text);
    expect(parsed.data.trace.id).toBe(traceId);
    expect(parsed.data.other).toBeNull();
    expect(parsed.errors[0]).toMatchObject({ path: ['other'], extensions: { code: 'BAD_USER_INPUT' } });
    expect(sameButId(prepared!.text)).toBe(sameButId(apollo!.text));
    expect(headersOf(prepared!)).toEqual(headersOf(apollo!));
    // Run once: the same store commands as Apollo's own run.
    expect(viaPrepared.commands).toEqual(viaApollo.commands);
    expect(viaPrepared.count).toBe(1);
  });

  it('leaves a body Apollo would refuse to Apollo: a CSRF-prone content type, a wrong variables type', async () => {
    const traceId = await seedRichTrace(gw);
    const query = `query Id($id: ID!) { trace(id: $id) { id } }`;
    for (let i = 0; i < 2; i++) expect((await post(gw, { query, variables: { id: traceId } })).status).toBe(200);
    const served = gw.gateway.prepared.stats().served;
    const plain = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query, variables: { id: traceId } }) });
    expect(plain.status).toBe(400);
    expect(await plain.text()).toMatch(/CSRF/);
    const listed = await post(gw, { query, variables: [traceId] });
    expect(listed.status).toBe(400);
    expect(listed.text).toMatch(/variables/);
    expect(gw.gateway.prepared.stats().served).toBe(served);
  });

  it('never answers a mutation itself', async () => {
    const traceId = newTraceId();
    const before = gw.gateway.prepared.stats();
    for (const n of [0, 1, 2]) {
      const res = await gw.gql(SUBMIT, { spans: [span({ traceId, n })] });
      expect(res.data?.submitSpans).toMatchObject({ accepted: 1, rejected: [] });
    }
    const after = gw.gateway.prepared.stats();
    expect(after.served).toBe(before.served);
    expect(after.recorded).toBe(before.recorded);
  });
});

describe('prepared queries with tokens and query limits', () => {
  const READ = { authorization: 'Bearer read-secret-2' };
  const INGEST = { authorization: 'Bearer ingest-secret-1' };
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { TRACEGATE_TOKENS: 'shop:ingest:ingest-secret-1,ui:read:read-secret-2' } });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('refuses a token without the scope, as Apollo does, before reading the store', async () => {
    const traceId = await seedRichTrace(gw, INGEST);
    const body = { query: EVERY_SPAN_FIELD, variables: { id: traceId } };
    for (let i = 0; i < 3; i++) expect((await post(gw, body, READ)).status).toBe(200);
    const before = gw.gateway.prepared.stats();
    expect(before.served).toBeGreaterThanOrEqual(2);
    let refused: Reply | undefined;
    const { count } = await gw.countCommands(async () => {
      refused = await post(gw, body, INGEST);
    });
    expect(count).toBe(0);
    expect(gw.gateway.prepared.stats().leftToApollo - before.leftToApollo).toBe(1);
    const apollo = await post(gw, { ...body, extensions: {} }, INGEST);
    expect(refused!.status).toBe(403);
    expect(JSON.parse(refused!.text).errors[0].extensions.code).toBe('FORBIDDEN');
    expect(sameButId(refused!.text)).toBe(sameButId(apollo.text));
    expect(headersOf(refused!)).toEqual(headersOf(apollo));
  });

  it('judges the query cost with each request variables', async () => {
    const query = `query Page($first: Int) { traces(first: $first) { nodes { id spans { spanId children { spanId } } } } }`;
    for (let i = 0; i < 3; i++) expect(JSON.parse((await post(gw, { query, variables: { first: 2 } }, READ)).text).errors).toBeUndefined();
    const served = gw.gateway.prepared.stats().served;
    expect(served).toBeGreaterThanOrEqual(2);
    let refused: Reply | undefined;
    const { count } = await gw.countCommands(async () => {
      refused = await post(gw, { query, variables: { first: 100 } }, READ);
    });
    expect(count).toBe(0);
    const apollo = await post(gw, { query, variables: { first: 100 }, extensions: {} }, READ);
    expect(refused!.status).toBe(400);
    expect(JSON.parse(refused!.text).errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(sameButId(refused!.text)).toBe(sameButId(apollo.text));
    expect(gw.gateway.prepared.stats().served).toBe(served);
  });
});
