/**
 * The demo's traffic through the real gateway (HTTP, submitSpans) into the test store (embedded or MONGODB_URI),
 * read back with the public queries.
 */
import { SpanSubmitter, TrafficFeeder, TrafficGenerator, keepAliveAgent, type DemoTrace } from '../../src/demo';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

describe('demo traffic through the gateway', () => {
  let gw: TestGateway;
  const agent = keepAliveAgent(4);

  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    agent.destroy();
    await gw?.stop();
  });

  it('stores every span the feeder generates', async () => {
    const feeder: TrafficFeeder = new TrafficFeeder(new SpanSubmitter({ url: gw.url, agent, onRetry: () => feeder.countRetry() }), {
      rate: 200, batch: 100, seed: 'feed-it', concurrency: 2, flushMs: 20,
    });
    feeder.start();
    const deadline = Date.now() + 15_000;
    while (feeder.stats().traces < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const stats = await feeder.stop();
    expect(stats.traces).toBeGreaterThanOrEqual(40);
    expect(stats).toMatchObject({ accepted: stats.spansGenerated, duplicates: 0, rejected: 0, failed: 0, dropped: 0 });
    const res = await gw.gql<{ traces: { nodes: { id: string }[] } }>('{ traces(first: 100) { nodes { id } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data!.traces.nodes.length).toBe(Math.min(100, stats.traces));
  });

  it('reads back a declined payment and an inventory timeout as the generator made them', async () => {
    const gen = new TrafficGenerator({ seed: 'feed-failures' });
    const traces: DemoTrace[] = [];
    while (!traces.some((t) => t.outcome === 'payment_declined') || !traces.some((t) => t.outcome === 'inventory_timeout')) {
      traces.push(gen.nextTrace(Date.now() - 60_000));
    }
    const submitter = new SpanSubmitter({ url: gw.url, agent });
    const spans = traces.flatMap((t) => t.spans);
    for (let i = 0; i < spans.length; i += 500) {
      const outcome = await submitter.submit(spans.slice(i, i + 500));
      expect(outcome).toMatchObject({ kind: 'stored', rejected: [] });
    }

    const query = `query($id: ID!) { trace(id: $id) { status spanCount errorCount
      rootSpan { service { name } result { code } }
      spans { spanId parentSpanId service { name } status result { code message } } } }`;
    for (const outcome of ['payment_declined', 'inventory_timeout'] as const) {
      const t = traces.find((x) => x.outcome === outcome)!;
      const res = await gw.gql<{ trace: any }>(query, { id: t.traceId });
      expect(res.errors).toBeUndefined();
      const trace = res.data!.trace;
      expect(trace.status).toBe('ERROR');
      expect(trace.spanCount).toBe(t.spans.length);
      expect(trace.errorCount).toBe(t.spans.filter((s) => s.status === 'ERROR').length);
      const code = outcome === 'payment_declined' ? '402' : '504';
      expect(trace.rootSpan).toEqual({ service: { name: 'edge-gateway' }, result: { code } });
      const byId = new Map(t.spans.map((s) => [s.spanId, s]));
      for (const s of trace.spans) {
        const sent = byId.get(s.spanId)!;
        expect(s).toMatchObject({ parentSpanId: sent.parentSpanId ?? null, service: { name: sent.service }, status: sent.status, result: { code: sent.result!.code } });
      }
    }

    // Submitting the same spans again stores nothing twice: services retry, so ingest must be idempotent.
    const again = await submitter.submit(spans.slice(0, 500));
    expect(again).toMatchObject({ kind: 'stored', accepted: 0, duplicates: Math.min(500, spans.length), rejected: [] });
  });
});
