import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from './fixtures';

describe('HTTP surface', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('/healthz answers without the store; / links health and the endpoint, nothing from another origin', async () => {
    const health = await fetch(`${gw.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${gw.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    const landing = await fetch(`${gw.origin}/`);
    expect(landing.headers.get('content-type')).toContain('text/html');
    const html = await landing.text();
    expect(html).toContain('/graphql');
    expect(html).toContain('href="/healthz"');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves queries over GET (with a CSRF preflight header)', async () => {
    const traceId = newTraceId();
    await gw.gql(SUBMIT, { spans: [span({ traceId, n: 0 })] });
    const query = encodeURIComponent('query($id: ID!) { trace(id: $id) { spanCount } }');
    const variables = encodeURIComponent(JSON.stringify({ id: traceId }));
    const res = await fetch(`${gw.url}?query=${query}&variables=${variables}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { trace: { spanCount: 1 } } });
  });

  it('answers unknown paths 404, wrong methods 405, and unparsable JSON 400, each with a code and a request id', async () => {
    const missing = await fetch(`${gw.origin}/nope`);
    expect(missing.status).toBe(404);
    const missingBody = (await missing.json()) as { errors: { extensions: { code: string; requestId: string } }[] };
    expect(missingBody.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(missingBody.errors[0]!.extensions.requestId).toBe(missing.headers.get('x-request-id'));

    const wrong = await fetch(`${gw.origin}/healthz`, { method: 'POST' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');

    const garbled = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(garbled.status).toBe(400);
    expect(((await garbled.json()) as { errors: { message: string }[] }).errors[0]!.message).toBe(
      'request body: expected JSON, received text that does not parse as JSON',
    );
  });

  it("names the request in every GraphQL error, from Apollo's pipeline and from before it, as x-request-id does", async () => {
    const headers = { 'content-type': 'application/json', 'x-request-id': 'named-2' };
    const invalid = await fetch(gw.url, { method: 'POST', headers, body: JSON.stringify({ query: '{ noSuchField }' }) });
    const noQuery = await fetch(gw.url, { method: 'POST', headers, body: JSON.stringify({ variables: {} }) });
    const csrf = await fetch(`${gw.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'x-request-id': 'named-3' } });
    for (const [res, id] of [[invalid, 'named-2'], [noQuery, 'named-2'], [csrf, 'named-3']] as const) {
      expect(res.status).toBe(400);
      expect(res.headers.get('x-request-id')).toBe(id);
      const body = (await res.json()) as { errors: { extensions: { code: string; requestId: string } }[] };
      expect(body.errors.length).toBeGreaterThan(0);
      for (const error of body.errors) expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', requestId: id });
    }
  });

  it('answers HEAD wherever GET is served, with the headers of the GET and no body', async () => {
    for (const path of ['/healthz', '/']) {
      const get = await fetch(`${gw.origin}${path}`);
      const head = await fetch(`${gw.origin}${path}`, { method: 'HEAD' });
      expect(head.status).toBe(get.status);
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      expect(await head.text()).toBe('');
    }
  });

  it('keeps a plain client x-request-id and makes one up otherwise', async () => {
    const kept = await fetch(`${gw.origin}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await fetch(`${gw.origin}/healthz`, { headers: { 'x-request-id': 'no spaces allowed' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts DateTime with offsets and JSON written inline, and outputs UTC with 6 fraction digits', async () => {
    const traceId = newTraceId();
    const res = await gw.gql(`mutation { submitSpans(spans: [{
      traceId: "${traceId}", spanId: "00000000000000aa", service: "s", operation: "o",
      startTime: "2026-11-20T12:30:00.5+02:30", endTime: "2026-11-20T10:00:00.500037Z",
      attributes: [{ key: "inline", value: { nested: [1, "two", true] } }]
    }]) { accepted rejected { code message } } }`);
    expect(res.data?.submitSpans).toEqual({ accepted: 1, rejected: [] });
    const read = await gw.gql(`query($id: ID!) { trace(id: $id) { startTime durationUs spans { attributes { key value } } } }`, { id: traceId });
    expect(read.data?.trace).toEqual({
      startTime: '2026-11-20T10:00:00.500000Z',
      durationUs: 37,
      spans: [{ attributes: [{ key: 'inline', value: { nested: [1, 'two', true] } }] }],
    });
    const bad = await gw.gql(`query { traces(filter: { startTimeFrom: 12 }) { nodes { id } } }`);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('start-up failure', () => {
  it('rejects when the port is taken; the gateway already on it is unaffected', async () => {
    const first = await startTestGateway();
    try {
      const { startGateway } = await import('../../src/server');
      const port = String(first.gateway.port);
      await expect(startGateway({ ...first.config, port: Number(port) }, { store: first.store })).rejects.toThrow(/EADDRINUSE/);
      expect((await fetch(`${first.origin}/healthz`)).status).toBe(200);
    } finally {
      await first.stop();
    }
  });
});
