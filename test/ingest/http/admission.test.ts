/**
 * The OTLP and Zipkin routes refuse what the mutation refuses: missing, unknown and read-only tokens (401/403),
 * ingest over the shared in-flight cap (429 + Retry-After) and a store that went away (503 + Retry-After).
 * Nothing refused is stored.
 */
import { randomBytes } from 'node:crypto';
import type { IngestLimiter } from '../../../src/server/overload';
import type { TestGateway } from '../../helpers/gateway';
import type { TcpProxy } from '../../helpers/tcp-proxy';
import { readTrace, runOtelClient, startIngestGateway } from './helpers';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const INGEST_TOKEN = 'ingest-secret-1';
const READ_TOKEN = 'read-secret-2';
const READER = { authorization: `Bearer ${READ_TOKEN}` };

function otlpBody(traceId: string): string {
  const ms = BigInt(Date.now() - 5_000);
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cart' } }] },
        scopeSpans: [{ spans: [{ traceId, spanId: hex(8), name: 'op', startTimeUnixNano: String(ms * 1_000_000n), endTimeUnixNano: String((ms + 1n) * 1_000_000n) }] }],
      },
    ],
  });
}

function zipkinBody(traceId: string): string {
  return JSON.stringify([{ traceId, id: hex(8), name: 'op', timestamp: (Date.now() - 5_000) * 1000, duration: 1, localEndpoint: { serviceName: 'cart' } }]);
}

async function post(gw: TestGateway, path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('standard ingest routes with tokens configured', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startIngestGateway({}, { env: { TRACEGATE_TOKENS: `shop:ingest:${INGEST_TOKEN},ui:read:${READ_TOKEN}` } });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it.each([
    ['/v1/traces', otlpBody],
    ['/api/v2/spans', zipkinBody],
  ])('%s: 401 without or with an unknown token, 403 with a read-only token, stored with an ingest token', async (path, bodyOf) => {
    const cases: [Record<string, string>, number, string][] = [
      [{}, 401, 'UNAUTHENTICATED'],
      [{ authorization: 'Bearer not-a-token' }, 401, 'UNAUTHENTICATED'],
      [{ authorization: `Bearer ${READ_TOKEN}` }, 403, 'FORBIDDEN'],
    ];
    for (const [headers, status, code] of cases) {
      const traceId = hex(16);
      const res = await post(gw, path, bodyOf(traceId), headers);
      expect([res.status, res.text.includes(code)]).toEqual([status, true]);
      if (status === 401) expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await readTrace(gw, traceId, READER)).toBeNull();
    }
    const traceId = hex(16);
    const ok = await post(gw, path, bodyOf(traceId), { authorization: `Bearer ${INGEST_TOKEN}` });
    expect(ok.status).toBe(path === '/v1/traces' ? 200 : 202);
    expect((await readTrace(gw, traceId, READER))!.spanCount).toBe(1);
  });

  it('lets the OpenTelemetry exporter in with its configured token, and not without', async () => {
    const sec = Math.floor(Date.now() / 1000) - 60;
    const refused = await runOtelClient(`${gw.origin}/v1/traces`, 'proto', sec);
    expect(refused.exports.length).toBeGreaterThan(0);
    expect(refused.exports.every((e) => e.code === 1)).toBe(true);
    expect(await readTrace(gw, refused.spans[0]!.traceId, READER)).toBeNull();

    const allowed = await runOtelClient(`${gw.origin}/v1/traces`, 'proto', sec, INGEST_TOKEN);
    expect(allowed.exports.every((e) => e.code === 0)).toBe(true);
    expect((await readTrace(gw, allowed.spans[0]!.traceId, READER))!.spanCount).toBe(2);
  });
});

describe('standard ingest routes under overload', () => {
  let gw: TestGateway;
  let limiter: IngestLimiter;
  beforeAll(async () => {
    gw = await startIngestGateway({}, { env: { TRACEGATE_MAX_INFLIGHT_INGEST: '1' } });
    // The gateway's one cap, the same instance submitSpans goes through.
    limiter = gw.gateway.security.ingestLimiter;
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('answer 429 with Retry-After while the shared cap is taken, and store once it is free', async () => {
    const retryAfter = String(limiter.retryAfterSeconds);
    let release!: () => void;
    const held = limiter.run(1, () => new Promise<void>((resolve) => (release = resolve)));
    try {
      for (const [path, bodyOf] of [
        ['/v1/traces', otlpBody],
        ['/api/v2/spans', zipkinBody],
      ] as const) {
        const traceId = hex(16);
        const res = await post(gw, path, bodyOf(traceId));
        expect(res.status).toBe(429);
        expect(res.headers.get('retry-after')).toBe(retryAfter);
        expect(res.text).toContain('RATE_LIMITED');
        expect(await readTrace(gw, traceId)).toBeNull();
      }
    } finally {
      release();
      await held;
    }
    const traceId = hex(16);
    expect((await post(gw, '/v1/traces', otlpBody(traceId))).status).toBe(200);
    expect((await readTrace(gw, traceId))!.spanCount).toBe(1);
  });
});

describe('standard ingest routes when the store went away', () => {
  let proxy: TcpProxy;
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startIngestGateway({ storeRetryAfterSeconds: 5 }, { proxy: true, env: { TRACEGATE_STORE_TIMEOUT: '300ms' } });
    proxy = gw.proxy!;
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('answer 503 with Retry-After, in each protocol', async () => {
    proxy.sever();
    const otlp = await post(gw, '/v1/traces', otlpBody(hex(16)));
    expect(otlp.status).toBe(503);
    expect(otlp.headers.get('retry-after')).toBe('5');
    expect(JSON.parse(otlp.text)).toMatchObject({ code: 14, message: expect.stringMatching(/^STORE_UNAVAILABLE: /) });
    const zipkin = await post(gw, '/api/v2/spans', zipkinBody(hex(16)));
    expect(zipkin.status).toBe(503);
    expect(zipkin.headers.get('retry-after')).toBe('5');
    expect(JSON.parse(zipkin.text).errors[0].extensions.code).toBe('STORE_UNAVAILABLE');
  });
});
