/**
 * Request-level hardening over HTTP: introspection and suggestions in production, mutations over GET, CSRF
 * prevention, batching off, body and batch caps. Each refusal is checked for its code and for nothing stored.
 */
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from '../gateway/fixtures';

const INTROSPECTION = `{ __schema { queryType { name } types { name } } }`;
const TYPO = `{ trac(id: "0af7651916cd43dd8448eb211c80319c") { id } }`;

describe('in production', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { NODE_ENV: 'production' } });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('refuses introspection', async () => {
    for (const query of [INTROSPECTION, `{ __type(name: "Trace") { fields { name } } }`]) {
      const res = await gw.gql(query);
      expect(res.status).toBe(400);
      expect(res.data ?? null).toBeNull();
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(/introspection/i);
    }
  });

  it('names no schema members in "Did you mean" suggestions', async () => {
    const res = await gw.gql(TYPO);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.message).toMatch(/Cannot query field "trac"/);
    expect(res.text).not.toMatch(/Did you mean/);
  });
});

describe('in development', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { NODE_ENV: 'development' } });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('allows introspection and suggestions (the contrast to production)', async () => {
    const res = await gw.gql(INTROSPECTION);
    expect(res.errors).toBeUndefined();
    expect(res.data?.__schema?.queryType).toEqual({ name: 'Query' });
    expect((await gw.gql(TYPO)).errors?.[0]?.message).toMatch(/Did you mean "trace"/);
  });
});

describe('transport rules', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { TRACEGATE_MAX_BODY_BYTES: '65536', TRACEGATE_MAX_SPANS_PER_REQUEST: '50' } });
  });
  afterAll(async () => {
    await gw.stop();
  });

  async function stored(traceId: string): Promise<unknown> {
    return (await gw.gql(`query($id: ID!) { trace(id: $id) { spanCount } }`, { id: traceId })).data?.trace ?? null;
  }

  function getUrl(query: string, variables: unknown): string {
    return `${gw.url}?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify(variables))}`;
  }

  it('refuses a mutation over GET (405) and stores nothing', async () => {
    const traceId = newTraceId();
    const { count } = await gw.countCommands(async () => {
      const res = await fetch(getUrl(SUBMIT, { spans: [span({ traceId, n: 0 })] }), { headers: { 'apollo-require-preflight': 'true' } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]!.message).toMatch(/GET requests only support query operations/);
      expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    });
    expect(count).toBe(0);
    expect(await stored(traceId)).toBeNull();
  });

  it('refuses CSRF-prone requests: GET without a preflight header, POST as text/plain', async () => {
    const traceId = newTraceId();
    const { count } = await gw.countCommands(async () => {
      const get = await fetch(getUrl(`{ services { name } }`, {}));
      expect(get.status).toBe(400);
      expect(await get.text()).toMatch(/CSRF/);
      const post = await fetch(gw.url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ query: SUBMIT, variables: { spans: [span({ traceId, n: 0 })] } }),
      });
      expect(post.status).toBe(400);
    });
    expect(count).toBe(0);
    expect(await stored(traceId)).toBeNull();
  });

  it('refuses batched requests and stores nothing of them', async () => {
    const traceId = newTraceId();
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { query: SUBMIT, variables: { spans: [span({ traceId, n: 0 })] } },
        { query: SUBMIT, variables: { spans: [span({ traceId, n: 1 })] } },
      ]),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/batch/i);
    expect(await stored(traceId)).toBeNull();
  });

  it('refuses an oversize body with 413 PAYLOAD_TOO_LARGE and stores nothing of it', async () => {
    const traceId = newTraceId();
    const filler = 'x'.repeat(1000);
    const spans = Array.from({ length: 40 }, (_, n) => span({ traceId, n, attributes: [{ key: 'filler', value: `${filler}${n}`.repeat(2) }] }));
    const body = JSON.stringify({ query: SUBMIT, variables: { spans } });
    expect(body.length).toBeGreaterThan(65536);
    const { count } = await gw.countCommands(async () => {
      const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    });
    expect(count).toBe(0);
    expect(await stored(traceId)).toBeNull();
  });

  it('refuses an oversize batch (51 spans, cap 50) whole with PAYLOAD_TOO_LARGE and stores nothing', async () => {
    const traceId = newTraceId();
    const spans = Array.from({ length: 51 }, (_, n) => span({ traceId, n }));
    const { count } = await gw.countCommands(async () => {
      const res = await gw.gql(SUBMIT, { spans });
      expect(res.status).toBe(413);
      expect(res.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
      expect(res.errors?.[0]?.message).toMatch(/50/);
    });
    expect(count).toBe(0);
    expect(await stored(traceId)).toBeNull();
    // the same trace at the cap is stored whole
    const ok = await gw.gql(SUBMIT, { spans: spans.slice(0, 50) });
    expect(ok.data?.submitSpans).toMatchObject({ accepted: 50, rejected: [] });
  });
});
