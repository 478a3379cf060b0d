/**
 * Tokens over HTTP: missing, unknown and wrong-scope credentials are refused with their code and status, and
 * nothing reaches the store (driver commandStarted events counted) or is stored.
 */
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from '../gateway/fixtures';
import { standardIngestExtension } from '../../src/ingest/standard';
import { otlpJsonBody, zipkinJsonBody } from './helpers/bodies';

const TOKENS = 'shop:ingest:ingest-secret-1,ui:read:read-secret-2,ops:ingest+read:both-secret-3';
const READ = { authorization: 'Bearer read-secret-2' };
const INGEST = { authorization: 'Bearer ingest-secret-1' };
const BOTH = { authorization: 'Bearer both-secret-3' };
const TRACE = `query($id: ID!) { trace(id: $id) { spanCount } }`;

describe('tokens over HTTP', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { TRACEGATE_TOKENS: TOKENS }, extensions: [standardIngestExtension()] });
  });
  afterAll(async () => {
    await gw.stop();
  });

  async function storedSpans(traceId: string): Promise<unknown> {
    const res = await gw.gql(TRACE, { id: traceId }, BOTH);
    return res.data?.trace ?? null;
  }

  it('sends a browser opening /graphql to GraphiQL without a token, and still asks API clients for one', async () => {
    const browser = await fetch(gw.url, { redirect: 'manual', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(browser.status).toBe(302);
    expect(browser.headers.get('location')).toBe('/graphiql');
    const api = await fetch(`${gw.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(api.status).toBe(401);
  });

  it.each([
    ['missing', {}],
    ['unknown', { authorization: 'Bearer not-a-token' }],
    ['malformed', { authorization: 'Token read-secret-2' }],
    ['a prefix of a real token', { authorization: 'Bearer read-secret' }],
  ])('refuses a %s token with 401 UNAUTHENTICATED before touching the store', async (_label, headers) => {
    const traceId = newTraceId();
    const { count } = await gw.countCommands(async () => {
      const read = await gw.gql(TRACE, { id: traceId }, headers);
      expect(read.status).toBe(401);
      expect(read.headers.get('www-authenticate')).toBe('Bearer');
      expect(read.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(read.data).toBeUndefined();
      const write = await gw.gql(SUBMIT, { spans: [span({ traceId, n: 0 })] }, headers);
      expect(write.status).toBe(401);
      expect(write.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
    expect(count).toBe(0);
    expect(await storedSpans(traceId)).toBeNull();
  });

  it('refuses a read token on submitSpans with 403 FORBIDDEN and stores nothing', async () => {
    const traceId = newTraceId();
    const { count } = await gw.countCommands(async () => {
      const write = await gw.gql(SUBMIT, { spans: [span({ traceId, n: 0 })] }, READ);
      expect(write.status).toBe(403);
      expect(write.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(write.errors?.[0]?.message).toMatch(/lacks scope "ingest"/);
      expect(write.data ?? null).toBeNull();
    });
    expect(count).toBe(0);
    expect(await storedSpans(traceId)).toBeNull();
  });

  it('refuses an ingest token on queries with 403 FORBIDDEN without reading the store', async () => {
    const { count } = await gw.countCommands(async () => {
      const read = await gw.gql(`{ services { name } }`, undefined, INGEST);
      expect(read.status).toBe(403);
      expect(read.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
    expect(count).toBe(0);
  });

  it('lets each scope do its own work', async () => {
    const traceId = newTraceId();
    const write = await gw.gql(SUBMIT, { spans: [span({ traceId, n: 0 })] }, INGEST);
    expect(write.status).toBe(200);
    expect(write.data?.submitSpans).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const read = await gw.gql(TRACE, { id: traceId }, READ);
    expect(read.data?.trace).toEqual({ spanCount: 1 });
  });

  it('requires the ingest scope on the OTLP and Zipkin routes, and stores nothing refused', async () => {
    const routes = [
      { path: '/v1/traces', body: otlpJsonBody, ok: 200 },
      { path: '/api/v2/spans', body: zipkinJsonBody, ok: 202 },
    ];
    for (const route of routes) {
      const refusedTrace = newTraceId();
      const post = (headers: Record<string, string>) =>
        fetch(`${gw.origin}${route.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: route.body(refusedTrace, 2) });
      const { count } = await gw.countCommands(async () => {
        const missing = await post({});
        expect(missing.status).toBe(401);
        expect(missing.headers.get('www-authenticate')).toBe('Bearer');
        expect((await post({ authorization: 'Bearer nope' })).status).toBe(401);
        const forbidden = await post(READ);
        expect(forbidden.status).toBe(403);
        const text = await forbidden.text();
        expect(text).toMatch(/FORBIDDEN/);
        expect(text).toMatch(/lacks scope/);
      });
      expect(count).toBe(0);
      expect(await storedSpans(refusedTrace)).toBeNull();
      const acceptedTrace = newTraceId();
      const accepted = await fetch(`${gw.origin}${route.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...INGEST },
        body: route.body(acceptedTrace, 2),
      });
      expect(accepted.status).toBe(route.ok);
      expect(await storedSpans(acceptedTrace)).toEqual({ spanCount: 2 });
    }
  });

  it('serves /healthz and /readyz without a token', async () => {
    expect((await fetch(`${gw.origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${gw.origin}/readyz`)).status).toBe(200);
    expect((await fetch(`${gw.origin}/healthz`, { headers: { authorization: 'Bearer nope' } })).status).toBe(200);
  });
});

describe('no tokens configured', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('is open: no token needed to ingest and read, any token ignored', async () => {
    const traceId = newTraceId();
    const write = await gw.gql(SUBMIT, { spans: [span({ traceId, n: 0 })] });
    expect(write.data?.submitSpans).toMatchObject({ accepted: 1 });
    const read = await gw.gql(TRACE, { id: traceId }, { authorization: 'Bearer whatever' });
    expect(read.data?.trace).toEqual({ spanCount: 1 });
  });
});
