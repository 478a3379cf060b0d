/**
 * The Zipkin v2 query API against a started gateway: every endpoint's answer checked against the schema written
 * after zipkin2-api.yaml (./schemas.ts) and against the seeded data; bad parameters; tokens.
 */
import type { TestGateway } from '../helpers/gateway';
import { get, hex, postShopTrace, startQueryGateway, type ShopTrace } from './helpers';
import { expectValid, zipkinSchemas } from './schemas';

describe('Zipkin v2 query API', () => {
  let gw: TestGateway;
  let shop: ShopTrace;
  let legacyTraceId: string;
  beforeAll(async () => {
    gw = await startQueryGateway();
    shop = await postShopTrace(gw);
    legacyTraceId = hex(8);
    const ts = (Date.now() - 30_000) * 1000;
    const legacy = [{ traceId: legacyTraceId, id: hex(8), name: 'reserve', timestamp: ts, duration: 5, localEndpoint: { serviceName: 'inventory' } }];
    const res = await fetch(`${gw.origin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(legacy) });
    expect(res.status).toBe(202);
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('lists services, span names and remote services', async () => {
    const services = await get(gw, '/api/v2/services');
    expectValid(zipkinSchemas.strings, services.body);
    expect(services.body).toEqual(['inventory', 'payments', 'shop']);

    const spans = await get(gw, '/api/v2/spans?serviceName=shop');
    expectValid(zipkinSchemas.strings, spans.body);
    expect(spans.body).toEqual(['get /checkout', 'post /charge']);
    expect((await get(gw, '/api/v2/spans?serviceName=nobody')).body).toEqual([]);

    const remote = await get(gw, '/api/v2/remoteServices?serviceName=shop');
    expectValid(zipkinSchemas.strings, remote.body);
    expect(remote.body).toEqual(['payments']);
  });

  it('answers trace/{traceId} with every span in Zipkin form; both halves of the shared span', async () => {
    const res = await get(gw, `/api/v2/trace/${shop.traceId}`);
    expect(res.status).toBe(200);
    expectValid(zipkinSchemas.trace, res.body);
    const byId = new Map((res.body as any[]).map((s) => [s.id, s]));
    expect(byId.get(shop.rootId)).toEqual({
      traceId: shop.traceId,
      id: shop.rootId,
      name: 'get /checkout',
      kind: 'SERVER',
      timestamp: shop.ts,
      duration: 250_000,
      localEndpoint: { serviceName: 'shop', ipv4: '10.0.0.1', port: 8080 },
      tags: { env: 'prod' },
    });
    expect(byId.get(shop.clientId)).toEqual({
      traceId: shop.traceId,
      id: shop.clientId,
      parentId: shop.rootId,
      name: 'post /charge',
      kind: 'CLIENT',
      timestamp: shop.ts + 10_000,
      duration: 40_000,
      localEndpoint: { serviceName: 'shop' },
      remoteEndpoint: { serviceName: 'payments', ipv4: '10.0.0.2', port: 9000 },
      annotations: [{ timestamp: shop.ts + 12_000, value: 'retried' }],
      tags: { env: 'prod', 'http.status_code': '402' },
    });
    expect(byId.get(shop.serverId)).toEqual({
      traceId: shop.traceId,
      id: shop.serverId,
      parentId: shop.clientId,
      name: 'post /charge',
      kind: 'SERVER',
      timestamp: shop.ts + 11_000,
      duration: 30_000,
      localEndpoint: { serviceName: 'payments' },
      tags: { env: 'staging', error: 'card declined', 'http.status_code': '402', 'zipkin.id': shop.clientId, 'otel.status_code': 'ERROR' },
    });

    const legacy = await get(gw, `/api/v2/trace/${legacyTraceId}`);
    expectValid(zipkinSchemas.trace, legacy.body);
    expect(legacy.body).toEqual([expect.objectContaining({ traceId: legacyTraceId, name: 'reserve', duration: 5 })]);
    expect((await get(gw, `/api/v2/trace/${'0'.repeat(16)}${legacyTraceId}`)).body).toEqual(legacy.body);
    expect((await get(gw, `/api/v2/trace/${shop.traceId.toUpperCase()}`)).body).toEqual(res.body);
  });

  it('searches traces by service, span name, annotationQuery, durations, window and limit', async () => {
    const all = await get(gw, '/api/v2/traces');
    expectValid(zipkinSchemas.traces, all.body);
    expect((all.body as any[][]).map((t) => t[0].traceId).sort()).toEqual([legacyTraceId, shop.traceId].sort());

    const ids = async (query: string): Promise<string[]> => {
      const res = await get(gw, `/api/v2/traces?${query}`);
      expect(res.status).toBe(200);
      expectValid(zipkinSchemas.traces, res.body);
      return (res.body as any[][]).map((t) => t[0].traceId);
    };
    expect(await ids('serviceName=payments')).toEqual([shop.traceId]);
    expect(await ids('serviceName=shop&spanName=post%20%2Fcharge')).toEqual([shop.traceId]);
    expect(await ids('serviceName=inventory&spanName=post%20%2Fcharge')).toEqual([]);
    expect(await ids('spanName=all&limit=1')).toHaveLength(1);
    expect(await ids('annotationQuery=retried')).toEqual([shop.traceId]);
    expect(await ids('annotationQuery=env%3Dprod%20and%20retried')).toEqual([shop.traceId]);
    // One span must hold every term: env=staging and the annotation are on different spans.
    expect(await ids('annotationQuery=env%3Dstaging%20and%20retried')).toEqual([]);
    expect(await ids('serviceName=payments&annotationQuery=error')).toEqual([shop.traceId]);
    expect(await ids('minDuration=200000')).toEqual([shop.traceId]);
    expect(await ids('serviceName=payments&minDuration=200000')).toEqual([]);
    expect(await ids('minDuration=1&maxDuration=10')).toEqual([legacyTraceId]);
    const endTs = Math.floor(shop.ts / 1000) - 1;
    expect(await ids(`endTs=${endTs}`)).toEqual([]);
    expect(await ids(`endTs=${Date.now()}&lookback=45000`)).toEqual([legacyTraceId]);
  });

  it('answers traceMany with the stored traces among the ids, and dependencies between services', async () => {
    const many = await get(gw, `/api/v2/traceMany?traceIds=${shop.traceId},${legacyTraceId},${hex(16)}`);
    expectValid(zipkinSchemas.traces, many.body);
    expect((many.body as any[][]).map((t) => t.length)).toEqual([3, 1]);

    const deps = await get(gw, `/api/v2/dependencies?endTs=${Date.now()}&lookback=3600000`);
    expectValid(zipkinSchemas.dependencies, deps.body);
    expect(deps.body).toEqual([{ parent: 'shop', child: 'payments', callCount: 1, errorCount: 1 }]);
    expect((await get(gw, `/api/v2/dependencies?endTs=${Math.floor(shop.ts / 1000) - 1}`)).body).toEqual([]);
  });

  it('offers the configured autocomplete keys and their recent values', async () => {
    const keys = await get(gw, '/api/v2/autocompleteKeys');
    expectValid(zipkinSchemas.strings, keys.body);
    expect(keys.body).toEqual(['env']);
    const values = await get(gw, '/api/v2/autocompleteValues?key=env');
    expectValid(zipkinSchemas.strings, values.body);
    expect(values.body).toEqual(['prod', 'staging']);
    expect((await get(gw, '/api/v2/autocompleteValues?key=http.status_code')).body).toEqual([]);
  });

  it.each([
    ['/api/v2/spans', 'serviceName: required, got nothing'],
    ['/api/v2/remoteServices', 'serviceName: required, got nothing'],
    ['/api/v2/traces?limit=0', 'limit: expected an integer from 1 to 100, got "0"'],
    ['/api/v2/traces?limit=ten', 'limit: expected an integer from 1 to 100, got "ten"'],
    ['/api/v2/traces?limit=5&limit=6', 'limit: expected one value, got 2'],
    ['/api/v2/traces?maxDuration=10', 'maxDuration: only valid with minDuration'],
    ['/api/v2/traces?minDuration=10&maxDuration=5', 'maxDuration: expected at least minDuration (10), got 5'],
    ['/api/v2/traces?endTs=-5', 'endTs: expected an integer from 1 to 9007199254740991, got "-5"'],
    ['/api/v2/traces?annotationQuery=a%20and%20%20and%20b', 'annotationQuery: expected "key=value" or "word" terms joined by " and ", got "a and  and b"'],
    ['/api/v2/trace/xyz', 'traceId: expected 16 or 32 hex digits, got "xyz"'],
    ['/api/v2/trace/', 'traceId: expected /api/v2/trace/{16 or 32 hex digits}, got ""'],
    ['/api/v2/traceMany', 'traceIds: required, got nothing'],
    ['/api/v2/traceMany?traceIds=abc', 'traceIds: expected 16 or 32 hex digits, got "abc"'],
    ['/api/v2/dependencies', 'endTs: required, got nothing'],
    ['/api/v2/autocompleteValues', 'key: required, got nothing'],
  ])('GET %s -> 400 %s', async (path, message) => {
    const res = await get(gw, path);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT', requestId: expect.any(String) } }] });
  });

  it('answers 404 for an unknown trace and 405 for another method', async () => {
    const missing = await get(gw, `/api/v2/trace/${hex(16)}`);
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].message).toMatch(/^trace [0-9a-f]{32} not found$/);
    const post = await fetch(`${gw.origin}/api/v2/traces`, { method: 'POST', body: '[]' });
    expect(post.status).toBe(405);
  });
});

describe('Zipkin v2 query API with tokens', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startQueryGateway({ env: { TRACEGATE_TOKENS: 'agent:ingest:ingest-secret-1,viewer:read:read-secret-1' } });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('needs a token with the read scope', async () => {
    const shop = await postShopTrace(gw, { authorization: 'Bearer ingest-secret-1' });
    expect((await get(gw, `/api/v2/trace/${shop.traceId}`)).status).toBe(401);
    const ingestOnly = await get(gw, `/api/v2/trace/${shop.traceId}`, { authorization: 'Bearer ingest-secret-1' });
    expect(ingestOnly.status).toBe(403);
    expect(ingestOnly.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const reader = await get(gw, `/api/v2/trace/${shop.traceId}`, { authorization: 'Bearer read-secret-1' });
    expect(reader.status).toBe(200);
    expect(reader.body).toHaveLength(3);
  });
});
