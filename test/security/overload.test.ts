/**
 * Overload: with the store stalled (a loopback TCP proxy between gateway and store holds every byte), ingest
 * above the in-flight cap is refused at once with 429 RATE_LIMITED + Retry-After, on the mutation and on the
 * OTLP route alike; once the store flows again every acknowledged span is readable and nothing refused was
 * stored.
 */
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from '../gateway/fixtures';
import { otlpJsonBody } from './helpers/bodies';
import { standardIngestExtension } from '../../src/ingest/standard';
import type { TcpProxy } from '../helpers/tcp-proxy';
import { eventually } from '../helpers/eventually';

const CAP = 10;

function spansOf(traceId: string, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, n) => span({ traceId, n }));
}

describe('overload while the store is stalled', () => {
  let proxy: TcpProxy;
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ proxy: true, env: { TRACEGATE_MAX_INFLIGHT_INGEST: String(CAP) }, extensions: [standardIngestExtension()] });
    proxy = gw.proxy!;
  });
  afterAll(async () => {
    await gw.stop();
  });

  async function spanCount(traceId: string): Promise<number | null> {
    const res = await gw.gql(`query($id: ID!) { trace(id: $id) { spanCount } }`, { id: traceId });
    expect(res.errors).toBeUndefined();
    return res.data?.trace?.spanCount ?? null;
  }

  it('answers 429 at once above the cap, and every acknowledged span is readable after', async () => {
    const limiter = gw.gateway.security.ingestLimiter;
    proxy.stall();

    // Admitted: 8 spans, now waiting on the stalled store.
    const admittedTrace = newTraceId();
    const admitted = gw.gql(SUBMIT, { spans: spansOf(admittedTrace, 8) });
    await eventually(() => limiter.stats().inFlightSpans === 8, 'the first request to be in flight');

    // Over the cap on the mutation: refused at once, before any store command.
    const refusedTrace = newTraceId();
    const { count } = await gw.countCommands(async () => {
      const refused = await gw.gql(SUBMIT, { spans: spansOf(refusedTrace, 5) });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
      expect(refused.errors?.[0]?.message).toMatch(/Nothing of it was stored/);
    });
    expect(count).toBe(0);

    // The same cap on the OTLP route.
    const otlpTrace = newTraceId();
    const otlp = await fetch(`${gw.origin}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpJsonBody(otlpTrace, 5) });
    expect(otlp.status).toBe(429);
    expect(otlp.headers.get('retry-after')).toBe('1');
    expect(limiter.stats()).toMatchObject({ inFlightSpans: 8, inFlightRequests: 1, refused: 2 });

    proxy.flow();
    expect((await admitted).data?.submitSpans).toEqual({ accepted: 8, duplicates: 0, rejected: [] });
    expect(await spanCount(admittedTrace)).toBe(8);
    expect(await spanCount(refusedTrace)).toBeNull();
    expect(await spanCount(otlpTrace)).toBeNull();
    expect(limiter.stats()).toMatchObject({ inFlightSpans: 0, inFlightRequests: 0 });

    // The refused request, retried on a flowing store, is accepted whole.
    expect((await gw.gql(SUBMIT, { spans: spansOf(refusedTrace, 5) })).data?.submitSpans).toMatchObject({ accepted: 5 });
    expect(await spanCount(refusedTrace)).toBe(5);
  });

  it('under a burst, acknowledges exactly what it stores and stores nothing it refused', async () => {
    const limiter = gw.gateway.security.ingestLimiter;
    const before = limiter.stats().refused;
    proxy.stall();
    const traces = Array.from({ length: 6 }, () => newTraceId());
    const answers = traces.map((traceId) => gw.gql(SUBMIT, { spans: spansOf(traceId, 4) }));
    await eventually(() => {
      const s = limiter.stats();
      return s.inFlightRequests + (s.refused - before) === traces.length;
    }, 'every request to be admitted or refused');
    proxy.flow();
    const results = await Promise.all(answers);
    const acknowledged = traces.filter((_, i) => results[i]!.status === 200);
    const refused = traces.filter((_, i) => results[i]!.status === 429);
    expect(acknowledged.length + refused.length).toBe(traces.length);
    // 4 + 4 fit under the cap of 10; a third of 4 does not while both are in flight
    expect(acknowledged).toHaveLength(2);
    for (let i = 0; i < traces.length; i++) {
      if (results[i]!.status === 200) expect(results[i]!.data?.submitSpans).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
      else expect(results[i]!.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    }
    for (const traceId of acknowledged) expect(await spanCount(traceId)).toBe(4);
    for (const traceId of refused) expect(await spanCount(traceId)).toBeNull();
  });
});
