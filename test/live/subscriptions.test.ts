/**
 * Subscriptions end to end: a real gateway (HTTP + graphql-ws on one port), the real graphql-ws client over a
 * real WebSocket, spans submitted by the HTTP mutation. Runs once per live source the store supports.
 */
import type { Client } from 'graphql-ws';
import { connect, subscribe, type Collected } from './helpers/ws-client';
import { startLiveGateway, type LiveGateway } from './helpers/live-gateway';
import { newTraceId, spanInput } from './helpers/spans';
import { eventually } from '../helpers/eventually';

const TRACE_UPDATED = `subscription($id: ID!, $all: Boolean) {
  traceUpdated(traceId: $id, includeExisting: $all) { spans { spanId service { name } } trace { id spanCount errorCount status services { name } } }
}`;
const SPANS_RECEIVED = `subscription($f: SpanFilter) { spansReceived(filter: $f) { spans { spanId service { name } operation status durationUs } } }`;

type TraceUpdated = { traceUpdated: { spans: { spanId: string; service: { name: string } }[]; trace: { id: string; spanCount: number; errorCount: number; status: string } } };
type SpansReceived = { spansReceived: { spans: { spanId: string; service: { name: string }; operation: string; status: string; durationUs: number }[] } };

const spanIdsOf = (c: Collected<TraceUpdated>) => c.results.flatMap((r) => r.data?.traceUpdated.spans.map((s) => s.spanId) ?? []);
const receivedIds = (c: Collected<SpansReceived>) => c.results.flatMap((r) => r.data?.spansReceived.spans.map((s) => s.spanId) ?? []);

describe.each(['local', 'changestream'] as const)('subscriptions over graphql-ws (%s source)', (source) => {
  let gw: LiveGateway;
  let client: Client;

  beforeAll(async () => {
    gw = await startLiveGateway({ live: { source } });
    expect(gw.live.stats()?.hub.source).toBe(source);
  });
  afterAll(async () => {
    await client?.dispose();
    await gw?.stop();
  });
  beforeEach(() => {
    client = connect(gw.url);
  });
  afterEach(async () => {
    await client.dispose();
    // Every test starts from an empty hub, so `subscribed(n)` counts this test's subscriptions only.
    await hubSubscriptions((n) => n === 0, 'no subscriptions left after the test');
  });

  async function hubSubscriptions(predicate: (n: number) => boolean, what: string): Promise<void> {
    await eventually(() => predicate(gw.live.stats()?.hub.subscriptions ?? -1), what, { state: () => `${gw.live.stats()?.hub.subscriptions} hub subscriptions` });
  }

  /** Subscribed means the server executed the subscribe: the hub holds the subscription. */
  const subscribed = (count: number) => hubSubscriptions((n) => n >= count, `${count} hub subscriptions`);

  it('subscribe, then submit: the stored spans of the trace arrive with the trace as it now stands', async () => {
    const traceId = newTraceId();
    const sub = subscribe<TraceUpdated>(client, TRACE_UPDATED, { id: traceId });
    await subscribed(1);
    const root = spanInput({ traceId, service: 'checkout' });
    const child = spanInput({ traceId, parentSpanId: root.spanId, service: 'payment', status: 'ERROR', offsetUs: 10 });
    expect((await gw.submit([root, child])).accepted).toBe(2);
    await sub.until((c) => spanIdsOf(c).length === 2, 'both spans');
    expect(new Set(spanIdsOf(sub))).toEqual(new Set([root.spanId, child.spanId]));
    const last = sub.results.at(-1)!.data!.traceUpdated.trace;
    expect(last).toMatchObject({ id: traceId, spanCount: 2, errorCount: 1, status: 'ERROR' });
    expect(sub.results.every((r) => r.errors === undefined)).toBe(true);
    sub.unsubscribe();
  });

  it('each message reads the store as it stands then: nothing cached from an earlier message of the subscription', async () => {
    const traceId = newTraceId();
    const query = 'subscription($id: ID!) { traceUpdated(traceId: $id) { spans { spanId parent { spanId } } } }';
    type Parents = { traceUpdated: { spans: { spanId: string; parent: { spanId: string } | null }[] } };
    const sub = subscribe<Parents>(client, query, { id: traceId });
    await subscribed(1);
    const parent = spanInput({ traceId });
    const early = spanInput({ traceId, parentSpanId: parent.spanId, offsetUs: 10 });
    const late = spanInput({ traceId, parentSpanId: parent.spanId, offsetUs: 20 });
    const parentOf = (spanId: string) => sub.results.flatMap((r) => r.data?.traceUpdated.spans ?? []).find((s) => s.spanId === spanId)?.parent;
    // The first message reads the trace before its parent span is stored.
    await gw.submit([early]);
    await sub.until((c) => c.results.length === 1, 'the first message');
    expect(parentOf(early.spanId)).toBeNull();
    await gw.submit([parent]);
    await sub.until((c) => c.results.length === 2, 'the parent span');
    await gw.submit([late]);
    await sub.until((c) => c.results.length === 3, 'the late child');
    expect(parentOf(late.spanId)).toEqual({ spanId: parent.spanId });
    expect(sub.results.every((r) => r.errors === undefined)).toBe(true);
    sub.unsubscribe();
  });

  it('a rejected span or an idempotent re-submit publishes nothing', async () => {
    const traceId = newTraceId();
    const sub = subscribe<TraceUpdated>(client, TRACE_UPDATED, { id: traceId });
    await subscribed(1);
    const first = spanInput({ traceId, spanId: 'aaaaaaaaaaaaaaa1' });
    await gw.submit([first]);
    await sub.until((c) => spanIdsOf(c).length === 1, 'the first span');
    const again = await gw.submit([first, { ...spanInput({ traceId }), endTime: 'not a time' }]);
    expect(again).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(again.rejected).toHaveLength(1);
    // A marker span submitted afterwards arrives next: nothing was published in between.
    const marker = spanInput({ traceId, spanId: 'aaaaaaaaaaaaaaa2' });
    await gw.submit([marker]);
    await sub.until((c) => spanIdsOf(c).length >= 2, 'the marker span');
    expect(spanIdsOf(sub)).toEqual([first.spanId, marker.spanId]);
    sub.unsubscribe();
  });

  it('keeps the order within a trace across submissions', async () => {
    const traceId = newTraceId();
    const sub = subscribe<TraceUpdated>(client, TRACE_UPDATED, { id: traceId });
    await subscribed(1);
    const sent: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const span = spanInput({ traceId, offsetUs: (10 - i) * 100 });
      sent.push(span.spanId);
      await gw.submit([span]);
    }
    await sub.until((c) => spanIdsOf(c).length === 10, '10 spans');
    expect(spanIdsOf(sub)).toEqual(sent);
    sub.unsubscribe();
  });

  // Each case's spans carry a service unique to the case, so concurrent traffic from other tests never matches;
  // the miss differs from the match only in the field under test.
  it.each([
    ['service', (svc: string) => [{ service: svc }, { service: svc }, { service: `${svc}-other` }]],
    ['operation', (svc: string) => [{ service: svc, operation: 'charge' }, { service: svc, operation: 'charge' }, { service: svc, operation: 'refund' }]],
    ['status', (svc: string) => [{ service: svc, status: 'ERROR' }, { service: svc, status: 'ERROR' }, { service: svc, status: 'OK' }]],
    ['minDurationUs', (svc: string) => [{ service: svc, minDurationUs: 5000 }, { service: svc, durationUs: 5000 }, { service: svc, durationUs: 4999 }]],
  ] as const)('spansReceived filters on %s', async (_field, makeCase) => {
    const [filter, match, miss] = makeCase(`svc-${newTraceId().slice(0, 8)}`) as unknown as [object, Parameters<typeof spanInput>[0], Parameters<typeof spanInput>[0]];
    const sub = subscribe<SpansReceived>(client, SPANS_RECEIVED, { f: filter });
    await subscribed(1);
    const yes = spanInput(match);
    await gw.submit([spanInput(miss), yes]);
    await sub.until((c) => receivedIds(c).length >= 1, 'the matching span');
    // A second matching span after the miss proves the miss was filtered out rather than still on its way.
    const yes2 = spanInput(match);
    await gw.submit([yes2]);
    await sub.until((c) => receivedIds(c).includes(yes2.spanId), 'the second matching span');
    expect(receivedIds(sub)).toEqual([yes.spanId, yes2.spanId]);
    sub.unsubscribe();
  });

  it('coalesces a burst into batches', async () => {
    const service = `burst-${newTraceId().slice(0, 8)}`;
    const sub = subscribe<SpansReceived>(client, SPANS_RECEIVED, { f: { service } });
    await subscribed(1);
    const spans = Array.from({ length: 300 }, () => spanInput({ service }));
    await gw.submit(spans);
    await sub.until((c) => receivedIds(c).length === 300, '300 spans');
    expect(receivedIds(sub)).toEqual(spans.map((s) => s.spanId));
    expect(sub.results.length).toBeLessThan(30);
    sub.unsubscribe();
  });

  it('includeExisting while spans stream in: every span exactly once, existing first', async () => {
    const traceId = newTraceId();
    const before = Array.from({ length: 30 }, (_, i) => spanInput({ traceId, offsetUs: i }));
    await gw.submit(before);
    const during = Array.from({ length: 60 }, (_, i) => spanInput({ traceId, offsetUs: 1000 + i }));
    // Stream the rest in while the subscription is being set up.
    const streaming = (async () => {
      for (let i = 0; i < during.length; i += 3) await gw.submit(during.slice(i, i + 3));
    })();
    const sub = subscribe<TraceUpdated>(client, TRACE_UPDATED, { id: traceId, all: true });
    await streaming;
    const all = [...before, ...during].map((s) => s.spanId);
    await sub.until((c) => spanIdsOf(c).length >= all.length, 'all 90 spans');
    const got = spanIdsOf(sub);
    expect(got).toHaveLength(all.length);
    expect(new Set(got)).toEqual(new Set(all));
    const first = sub.results[0]!.data!.traceUpdated.spans.map((s) => s.spanId);
    expect(first.slice(0, 30).sort()).toEqual(before.map((s) => s.spanId).sort());
    // Nothing more arrives: a marker after a settle comes right after the 90.
    const marker = spanInput({ traceId, offsetUs: 5000 });
    await gw.submit([marker]);
    await sub.until((c) => spanIdsOf(c).includes(marker.spanId), 'the marker');
    expect(spanIdsOf(sub)).toHaveLength(all.length + 1);
    sub.unsubscribe();
  });

  it('refuses a malformed trace id with BAD_USER_INPUT', async () => {
    const sub = subscribe<TraceUpdated>(client, TRACE_UPDATED, { id: 'nope' });
    await sub.until((c) => c.results.length > 0 || c.error !== undefined, 'an answer');
    expect(sub.results[0]?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(sub.results[0]?.errors?.[0]?.message).toMatch(/expected 32 hex digits/);
  });
});
