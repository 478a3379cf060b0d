/**
 * GET /metrics: Prometheus text from a real gateway after real traffic (GraphQL and OTLP/JSON ingest, reads),
 * behind the read scope when tokens are on, on its own address with TRACEGATE_METRICS_ADDR, absent when off.
 */
import { loadConfig, ConfigError } from '../../src/config';
import { standardIngestExtension } from '../../src/ingest/standard';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from '../gateway/fixtures';

/** The value of one series (name plus exact label set, as the exposition prints it), or undefined. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

describe('GET /metrics', () => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.stop();
  });

  it('counts spans by route and outcome, times requests, store operations and exposes process metrics', async () => {
    gw = await startTestGateway({ extensions: [standardIngestExtension()] });
    const url = gw.gateway.metricsUrl!;
    expect(url).toBe(`${gw.origin}/metrics`);
    const accepted = '{route="graphql",outcome="accepted",code=""}';
    const before = await scrape(url);
    const base = (name: string) => sample(before, name) ?? 0;

    const traceId = newTraceId();
    const spans = [span({ traceId, n: 0 }), span({ traceId, n: 1, parent: 0 }), { ...span({ traceId, n: 2 }), spanId: 'nope' }];
    const first = await gw.gql(SUBMIT, { spans });
    expect(first.data?.submitSpans).toMatchObject({ accepted: 2, duplicates: 0 });
    await gw.gql(SUBMIT, { spans: spans.slice(0, 1) });
    const otlp = await fetch(`${gw.origin}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cart' } }] },
            scopeSpans: [{ spans: [{ traceId: newTraceId(), spanId: 'aa00000000000001', name: 'GET /cart', kind: 2, startTimeUnixNano: '1764583200000000000', endTimeUnixNano: '1764583200001000000' }] }],
          },
        ],
      }),
    });
    expect(otlp.status).toBe(200);
    expect((await gw.gql(`{ trace(id: "${traceId}") { spanCount } }`)).data?.trace).toEqual({ spanCount: 2 });

    const after = await scrape(url);
    expect(sample(after, `tracegate_ingest_spans_total${accepted}`)! - base(`tracegate_ingest_spans_total${accepted}`)).toBe(2);
    const dup = 'tracegate_ingest_spans_total{route="graphql",outcome="duplicate",code=""}';
    expect(sample(after, dup)! - base(dup)).toBe(1);
    const bad = 'tracegate_ingest_spans_total{route="graphql",outcome="rejected",code="INVALID_SPAN_ID"}';
    expect(sample(after, bad)! - base(bad)).toBe(1);
    const otlpAccepted = 'tracegate_ingest_spans_total{route="otlp",outcome="accepted",code=""}';
    expect(sample(after, otlpAccepted)! - base(otlpAccepted)).toBe(1);

    const mutations = 'tracegate_graphql_request_duration_seconds_count{operation_type="mutation"}';
    expect(sample(after, mutations)! - base(mutations)).toBe(2);
    const queries = 'tracegate_graphql_request_duration_seconds_count{operation_type="query"}';
    expect(sample(after, queries)! - base(queries)).toBe(1);
    const posts = 'tracegate_http_request_duration_seconds_count{route="/graphql",method="POST",status="200"}';
    expect(sample(after, posts)! - base(posts)).toBe(3);
    const otlpPosts = 'tracegate_http_request_duration_seconds_count{route="/v1/traces",method="POST",status="200"}';
    expect(sample(after, otlpPosts)! - base(otlpPosts)).toBe(1);
    const inserts = 'tracegate_store_operation_duration_seconds_count{operation="insertSpans"}';
    expect(sample(after, inserts)! - base(inserts)).toBe(3);
    expect(sample(after, 'tracegate_ingest_inflight_spans')).toBe(0);
    expect(sample(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(after).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(after).toMatch(/^nodejs_heap_size_used_bytes \d/m);
  });

  it('needs the read scope when tokens are configured', async () => {
    gw = await startTestGateway({ env: { TRACEGATE_TOKENS: 'feeder:ingest:ingest-token-1,screen:read:read-token-1' } });
    const url = gw.gateway.metricsUrl!;
    expect((await fetch(url)).status).toBe(401);
    const ingestOnly = await fetch(url, { headers: { authorization: 'Bearer ingest-token-1' } });
    expect(ingestOnly.status).toBe(403);
    expect(((await ingestOnly.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('FORBIDDEN');
    expect(await scrape(url, { authorization: 'Bearer read-token-1' })).toContain('tracegate_ingest_spans_total');
  });

  it('is served on its own address, without a token, with TRACEGATE_METRICS_ADDR', async () => {
    gw = await startTestGateway({ env: { TRACEGATE_METRICS_ADDR: '127.0.0.1:0', TRACEGATE_TOKENS: 'screen:read:read-token-1' } });
    const url = gw.gateway.metricsUrl!;
    expect(new URL(url).port).not.toBe(String(gw.gateway.port));
    expect(await scrape(url)).toContain('tracegate_http_request_duration_seconds');
    expect((await fetch(`${gw.origin}/metrics`, { headers: { authorization: 'Bearer read-token-1' } })).status).toBe(404);
    expect((await fetch(new URL('/other', url))).status).toBe(404);
    await gw.stop();
    await expect(fetch(url)).rejects.toThrow();
  });

  it('is absent with TRACEGATE_METRICS=off', async () => {
    gw = await startTestGateway({ env: { TRACEGATE_METRICS: 'off' } });
    expect(gw.gateway.metricsUrl).toBeNull();
    expect((await fetch(`${gw.origin}/metrics`)).status).toBe(404);
  });

  it('validates its settings', () => {
    expect(loadConfig({ TRACEGATE_METRICS_ADDR: ':9464' }, []).metricsAddr).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ TRACEGATE_METRICS_ADDR: '[::1]:0' }, []).metricsAddr).toEqual({ host: '::1', port: 0 });
    expect(loadConfig({ TRACEGATE_METRICS: 'off' }, []).metrics).toBe(false);
    expect(() => loadConfig({ TRACEGATE_METRICS_ADDR: '9464' }, [])).toThrow(new ConfigError('TRACEGATE_METRICS_ADDR="9464": expected host:port, [ipv6]:port or :port with a port from 0 to 65535'));
    expect(() => loadConfig({ TRACEGATE_METRICS: 'maybe' }, [])).toThrow(/TRACEGATE_METRICS="maybe": expected on or off/);
  });
});
