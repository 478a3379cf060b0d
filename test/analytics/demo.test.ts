/** The demo's shop traffic through a gateway with analytics: its service map, RED figures and critical paths. */
import { TrafficGenerator } from '../../src/demo';
import { isoUs, startAnalyticsGateway, SUBMIT, type AnalyticsGateway } from './helpers';

jest.setTimeout(90_000);

describe('the demo shop on the service map', () => {
  let gw: AnalyticsGateway;

  beforeAll(async () => {
    gw = await startAnalyticsGateway();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('shows every call between the shop services, with exact counts, and critical paths that add up', async () => {
    const startMs = Math.floor((Date.now() - 15 * 60_000) / 60_000) * 60_000;
    const gen = new TrafficGenerator({ seed: 'analytics-demo', startTimeMs: startMs + 1000, meanGapMs: 200 });
    const traces = Array.from({ length: 60 }, () => gen.nextTrace());
    const spans = traces.flatMap((t) => t.spans);
    const res = await gw.gql<{ submitSpans: { accepted: number } }>(SUBMIT, { spans });
    expect(res.data?.submitSpans.accepted).toBe(spans.length);

    // Expected edges and node counts from the spans themselves.
    const byId = new Map(spans.map((s) => [s.traceId + s.spanId, s]));
    const edges: Record<string, { calls: number; errors: number }> = {};
    const nodes: Record<string, number> = {};
    for (const s of spans) {
      nodes[s.service] = (nodes[s.service] ?? 0) + 1;
      const p = s.parentSpanId ? byId.get(s.traceId + s.parentSpanId) : undefined;
      if (p && p.service !== s.service) {
        const e = (edges[`${p.service}->${s.service}`] ??= { calls: 0, errors: 0 });
        e.calls += 1;
        if (s.status === 'ERROR') e.errors += 1;
      }
    }
    expect(Object.keys(edges).length).toBeGreaterThanOrEqual(4);

    const graph = await gw.gql<{ serviceGraph: { nodes: { service: { name: string; operations: string[] }; stats: { calls: number } }[]; edges: { source: { name: string }; target: { name: string }; stats: { calls: number; errors: number } }[] } }>(
      `query($from: DateTime!, $to: DateTime!) { serviceGraph(from: $from, to: $to) { nodes { service { name operations } stats { calls } } edges { source { name } target { name } stats { calls errors } } } }`,
      { from: isoUs(startMs * 1000), to: isoUs((startMs + 5 * 60_000) * 1000) },
    );
    expect(graph.errors).toBeUndefined();
    expect(Object.fromEntries(graph.data!.serviceGraph.nodes.map((n) => [n.service.name, n.stats.calls]))).toEqual(nodes);
    expect(Object.fromEntries(graph.data!.serviceGraph.edges.map((e) => [`${e.source.name}->${e.target.name}`, e.stats]))).toEqual(edges);

    // Critical paths of the demo traces tile each trace.
    const path = await gw.gql<{ traces: { nodes: { durationUs: number; criticalPath: { durationUs: number }[] }[] } }>(
      `{ traces(first: 20) { nodes { durationUs criticalPath { durationUs } } } }`,
    );
    expect(path.errors).toBeUndefined();
    expect(path.data!.traces.nodes).toHaveLength(20);
    for (const t of path.data!.traces.nodes) {
      expect(t.criticalPath.length).toBeGreaterThan(0);
      expect(t.criticalPath.reduce((sum, s) => sum + s.durationUs, 0)).toBe(t.durationUs);
    }
  });
});
