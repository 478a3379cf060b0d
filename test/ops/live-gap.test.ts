/**
 * A live gap is never silent: when the gateway's change stream cannot resume (its resume token fell out of the
 * store's history), every subscription ends with an error coded LIVE_GAP and completes, and a re-subscription
 * with includeExisting gets every span of the trace. The history is forced to overflow: the embedded store keeps
 * 20 entries, the reader's connection through a TCP proxy is stalled while more than that is written, and its
 * cursor is killed, so the driver has to resume from a token the store no longer holds.
 */
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo';
import { defaultPlugins } from '../../src/embedded-mongo/plugins';
import { liveExtension } from '../../src/server';
import { startTestGateway, type ProxiedTestGateway } from '../helpers/gateway';
import type { TestMongo } from '../helpers/mongo';
import type { TcpProxy } from '../helpers/tcp-proxy';
import { connect, subscribe } from '../live/helpers/ws-client';
import { startLiveGateway, type LiveGateway } from '../live/helpers/live-gateway';
import { newTraceId, spanInput } from '../live/helpers/spans';

const TRACE_UPDATED = `subscription($id: ID!, $existing: Boolean) { traceUpdated(traceId: $id, includeExisting: $existing) { spans { spanId } } }`;
type TraceUpdated = { traceUpdated: { spans: { spanId: string }[] } };

describe('live gap', () => {
  let store: EmbeddedMongo;
  let proxy: TcpProxy;
  let writer: LiveGateway;
  let reader: ProxiedTestGateway;

  beforeAll(async () => {
    store = await startEmbeddedMongo({ port: 0, plugins: defaultPlugins({ history: { maxEntries: 20 } }) });
    const dbName = `tg_gap_${newTraceId().slice(0, 8)}`;
    const direct: TestMongo = { uri: store.uri, dbName, embedded: true, stop: async () => undefined };
    writer = await startLiveGateway({ mongo: direct, live: { source: 'local' } });
    reader = await startTestGateway({ mongo: direct, proxy: true, clientOptions: { heartbeatFrequencyMS: 500 }, extensions: [liveExtension({ source: 'changestream' })] });
    proxy = reader.proxy;
  });
  afterAll(async () => {
    await reader?.stop();
    await writer?.stop();
    await store?.stop();
  });

  it('ends each subscription with LIVE_GAP and completes it; re-subscribing with includeExisting gets every span', async () => {
    const traceId = newTraceId();
    const client = connect(reader.url);
    const sub = subscribe<TraceUpdated>(client, TRACE_UPDATED, { id: traceId });
    const first = spanInput({ traceId });
    // Until the reader's stream is open, a span may be stored before it: submit until one arrives.
    for (let i = 0; sub.results.length === 0 && i < 50; i++) {
      await writer.submit([i === 0 ? first : spanInput({ traceId, offsetUs: 1000 + i })]);
      await sub.until((c) => c.results.length > 0, 'a first live update', 500).catch(() => undefined);
    }
    expect(sub.results.length).toBeGreaterThan(0);

    proxy.stall();
    const missed = Array.from({ length: 15 }, (_, i) => spanInput({ traceId, offsetUs: 10 + i }));
    for (const span of missed) await writer.submit([span]);
    store.cursors.closeAll();
    proxy.flow();

    // Like SLOW_CONSUMER: a last result carrying the error, then complete.
    await sub.until((c) => c.completed, 'the subscription to end', 30_000);
    const errors = sub.results.at(-1)!.errors!;
    expect(errors[0]!.extensions?.code).toBe('LIVE_GAP');
    expect(errors[0]!.message).toMatch(/resubscribe with includeExisting: true/);

    const again = subscribe<TraceUpdated>(client, TRACE_UPDATED, { id: traceId, existing: true });
    await again.until((c) => c.results.length > 0, 'the existing spans');
    const seen = new Set(again.results[0]!.data!.traceUpdated.spans.map((s) => s.spanId));
    for (const span of [first, ...missed]) expect(seen.has(span.spanId)).toBe(true);
    await client.dispose();

    const metrics = await (await fetch(reader.gateway.metricsUrl!)).text();
    expect(metrics).toMatch(/^tracegate_live_subscriptions_ended_total\{code="LIVE_GAP"\} [1-9]/m);
  }, 60_000);
});
