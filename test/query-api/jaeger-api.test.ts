/**
 * The Jaeger query API against a started gateway: every endpoint's answer checked against Jaeger's envelope and
 * JSON model (./schemas.ts) and against the seeded data; bad parameters; tokens; a store that went away.
 */
import type { TestGateway } from '../helpers/gateway';
import type { TcpProxy } from '../helpers/tcp-proxy';
import { get, hex, postShopTrace, startQueryGateway, type ShopTrace } from './helpers';
import { expectValid, jaegerSchemas } from './schemas';

describe('Jaeger query API', () => {
  let gw: TestGateway;
  let shop: ShopTrace;
  beforeAll(async () => {
    gw = await startQueryGateway();
    shop = await postShopTrace(gw);
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('lists services and operations in the envelope', async () => {
    const services = await get(gw, '/api/services');
    expectValid(jaegerSchemas.strings, services.body);
    expect(services.body).toEqual({ data: ['payments', 'shop'], total: 2, limit: 0, offset: 0, errors: null });

    const ops = await get(gw, '/api/services/shop/operations');
    expectValid(jaegerSchemas.strings, ops.body);
    expect(ops.body.data).toEqual(['get /checkout', 'post /charge']);

    const typed = await get(gw, '/api/operations?service=payments');
    expectValid(jaegerSchemas.operations, typed.body);
    expect(typed.body.data).toEqual([{ name: 'post /charge', spanKind: '' }]);
  });

  it('answers /api/traces/{id} in Jaeger JSON: processes, references, typed tags, logs', async () => {
    const res = await get(gw, `/api/traces/${shop.traceId}`);
    expect(res.status).toBe(200);
    expectValid(jaegerSchemas.traces, res.body);
    const [trace] = res.body.data;
    expect(trace.traceID).toBe(shop.traceId);
    expect(Object.values(trace.processes)).toEqual([
      { serviceName: 'shop', tags: [] },
      { serviceName: 'payments', tags: [] },
    ]);
    const byId = new Map((trace.spans as any[]).map((s) => [s.spanID, s]));
    const client = byId.get(shop.clientId);
    expect(client).toMatchObject({
      traceID: shop.traceId,
      operationName: 'post /charge',
      references: [{ refType: 'CHILD_OF', traceID: shop.traceId, spanID: shop.rootId }],
      startTime: shop.ts + 10_000,
      duration: 40_000,
      logs: [{ timestamp: shop.ts + 12_000, fields: [{ key: 'event', type: 'string', value: 'retried' }] }],
      warnings: null,
    });
    expect(trace.processes[client.processID].serviceName).toBe('shop');
    expect(client.tags).toEqual([
      { key: 'env', type: 'string', value: 'prod' },
      { key: 'http.status_code', type: 'string', value: '402' },
      { key: 'zipkin.remoteEndpoint', type: 'string', value: expect.any(String) },
      { key: 'span.kind', type: 'string', value: 'client' },
    ]);
    expect(JSON.parse(client.tags[2].value)).toEqual({ serviceName: 'payments', ipv4: '10.0.0.2', port: 9000 });
    const server = byId.get(shop.serverId);
    expect(server.references).toEqual([{ refType: 'CHILD_OF', traceID: shop.traceId, spanID: shop.clientId }]);
    expect(trace.processes[server.processID].serviceName).toBe('payments');
    expect(server.tags).toEqual(
      expect.arrayContaining([
        { key: 'zipkin.shared', type: 'bool', value: true },
        { key: 'zipkin.id', type: 'string', value: shop.clientId },
        { key: 'span.kind', type: 'string', value: 'server' },
        { key: 'otel.status_code', type: 'string', value: 'ERROR' },
        { key: 'otel.status_description', type: 'string', value: 'card declined' },
        { key: 'error', type: 'string', value: 'card declined' },
      ]),
    );
  });

  it('searches /api/traces by service, operation, tags, durations, window and limit', async () => {
    const ids = async (query: string): Promise<string[]> => {
      const res = await get(gw, `/api/traces?${query}`);
      expect(res.status).toBe(200);
      expectValid(jaegerSchemas.traces, res.body);
      return (res.body.data as any[]).map((t) => t.traceID);
    };
    const other = await postShopTrace(gw);
    expect((await ids('service=payments')).sort()).toEqual([shop.traceId, other.traceId].sort());
    expect(await ids('service=payments&limit=1')).toHaveLength(1);
    expect((await ids('service=shop&operation=post%20%2Fcharge')).sort()).toEqual([shop.traceId, other.traceId].sort());
    expect(await ids('service=shop&operation=nothing')).toEqual([]);
    expect(await ids(`service=shop&tags=${encodeURIComponent('{"env":"prod","http.status_code":"402"}')}`)).toHaveLength(2);
    expect(await ids(`service=shop&tags=${encodeURIComponent('{"env":"staging"}')}`)).toEqual([]);
    expect(await ids('service=payments&tag=env:staging&tag=error:card%20declined')).toHaveLength(2);
    expect(await ids('service=shop&minDuration=200ms')).toHaveLength(2);
    expect(await ids('service=payments&minDuration=200ms')).toEqual([]);
    expect(await ids('service=payments&maxDuration=0.03s')).toHaveLength(2);
    expect(await ids(`service=shop&start=${shop.ts - 1000}&end=${shop.ts + 1000}`)).toContain(shop.traceId);
    expect(await ids(`service=shop&end=${shop.ts - 1}`)).toEqual([]);
    expect(await ids(`traceID=${shop.traceId}&traceID=${hex(16)}`)).toEqual([shop.traceId]);
    // What the Jaeger UI sends for an empty search form.
    expect(await ids(`service=payments&operation=&tags=&minDuration=&maxDuration=&limit=20&lookback=1h`)).toHaveLength(2);
  });

  it('answers /api/dependencies with the caller -> callee calls of the window', async () => {
    const deps = await get(gw, `/api/dependencies?endTs=${Date.now()}&lookback=3600000`);
    expectValid(jaegerSchemas.dependencies, deps.body);
    expect(deps.body.data).toEqual([{ parent: 'shop', child: 'payments', callCount: 2 }]);
  });

  it.each([
    ['/api/traces', "service: required (or traceID), got nothing"],
    ['/api/traces?service=shop&limit=101', 'limit: expected an integer from 1 to 100, got "101"'],
    ['/api/traces?service=shop&minDuration=5parsecs', 'minDuration: expected a duration such as 100ms, 1.5s or 2m, got "5parsecs"'],
    ['/api/traces?service=shop&minDuration=2s&maxDuration=1s', 'maxDuration: expected at least minDuration, got 1s < 2s'],
    ['/api/traces?service=shop&start=10&end=5', 'start: expected at most end (5), got 10'],
    ['/api/traces?service=shop&tag=novalue', 'tag: expected key:value, got "novalue"'],
    ['/api/traces?service=shop&tags=%7Bbroken', 'tags: expected a JSON object of strings such as {"http.status_code":"500"}, got "{broken"'],
    ['/api/traces?service=shop&tags=%7B%22n%22%3A1%7D', 'tags.n: expected a string, got 1'],
    ['/api/traces?traceID=nothex', 'traceID: expected 16 or 32 hex digits, got "nothex"'],
    ['/api/traces/nothex', 'traceID: expected 16 or 32 hex digits, got "nothex"'],
    ['/api/services/shop/spans', 'expected /api/services/{service}/operations, got "/api/services/shop/spans"'],
    ['/api/operations', 'service: required, got nothing'],
    ['/api/dependencies?endTs=soon', 'endTs: expected an integer from 0 to 9007199254740991, got "soon"'],
  ])('GET %s -> 400 %s', async (path, message) => {
    const res = await get(gw, path);
    expect(res.status).toBe(400);
    expectValid(jaegerSchemas.error, res.body);
    expect(res.body.errors).toEqual([{ code: 400, msg: `BAD_USER_INPUT: ${message}` }]);
  });

  it('answers 404 in the envelope for an unknown trace', async () => {
    const res = await get(gw, `/api/traces/${hex(16)}`);
    expect(res.status).toBe(404);
    expectValid(jaegerSchemas.error, res.body);
    expect(res.body.errors).toEqual([{ code: 404, msg: 'trace not found' }]);
  });
});

describe('query APIs with tokens and when the store went away', () => {
  let proxy: TcpProxy;
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startQueryGateway({ proxy: true, env: { TRACEGATE_STORE_TIMEOUT: '1500ms', TRACEGATE_TOKENS: 'agent:ingest:ingest-secret-1,viewer:read:read-secret-1' } });
    proxy = gw.proxy!;
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('needs the read scope', async () => {
    expect((await get(gw, '/api/services')).status).toBe(401);
    const ingestOnly = await get(gw, '/api/services', { authorization: 'Bearer ingest-secret-1' });
    expect(ingestOnly.status).toBe(403);
    expect(ingestOnly.body.errors[0]).toEqual({ code: 403, msg: expect.stringMatching(/^FORBIDDEN: /) });
    expect((await get(gw, '/api/services', { authorization: 'Bearer read-secret-1' })).status).toBe(200);
  });

  it('answers 503 STORE_UNAVAILABLE with Retry-After on both APIs', async () => {
    proxy.sever();
    const reader = { authorization: 'Bearer read-secret-1' };
    const jaeger = await get(gw, `/api/traces/${hex(16)}`, reader);
    expect(jaeger.status).toBe(503);
    expect(jaeger.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(jaeger.body.errors[0]).toEqual({ code: 503, msg: expect.stringMatching(/^STORE_UNAVAILABLE: /) });
    const zipkin = await get(gw, '/api/v2/services', reader);
    expect(zipkin.status).toBe(503);
    expect(zipkin.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(zipkin.body.errors[0].extensions.code).toBe('STORE_UNAVAILABLE');
  });
});
