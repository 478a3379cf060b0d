/**
 * Service edges counted exactly once in every arrival order (children first, parents first, racing on two
 * gateways), series with empty buckets, argument checks, the critical path and self time through GraphQL, and
 * the live serviceStats subscription across two gateways.
 */
import { startTestMongo, type TestMongo } from '../helpers/mongo';
import { connect, subscribe } from '../live/helpers/ws-client';
import { isoUs, otherDb, prng, shopTraffic, startAnalyticsGateway, type GenSpan } from './helpers';

jest.setTimeout(90_000);

const EDGES = `query($from: DateTime!, $to: DateTime!, $service: String) {
  serviceGraph(from: $from, to: $to, service: $service) { nodes { service { name } stats { calls } } edges { source { name } target { name } stats { calls errors } } }
}`;
type Edges = { serviceGraph: { nodes: { service: { name: string }; stats: { calls: number } }[]; edges: { source: { name: string }; target: { name: string }; stats: { calls: number; errors: number } }[] } };

function edgeCounts(data: Edges | null | undefined): Record<string, number> {
  return Object.fromEntries((data?.serviceGraph.edges ?? []).map((e) => [`${e.source.name}->${e.target.name}`, e.stats.calls]));
}

function expectedEdges(spans: readonly GenSpan[]): Record<string, number> {
  const byId = new Map(spans.map((s) => [s.traceId + s.spanId, s]));
  const out: Record<string, number> = {};
  for (const s of spans) {
    const p = s.parentSpanId === null ? undefined : byId.get(s.traceId + s.parentSpanId);
    if (p && p.service !== s.service) out[`${p.service}->${s.service}`] = (out[`${p.service}->${s.service}`] ?? 0) + 1;
  }
  return out;
}

describe('service edges and queries', () => {
  let mongo: TestMongo;
  const baseMs = Math.floor((Date.now() - 20 * 60_000) / 60_000) * 60_000;
  const window = { from: isoUs(baseMs * 1000), to: isoUs((baseMs + 5 * 60_000) * 1000) };

  beforeAll(async () => {
    mongo = await startTestMongo();
  });
  afterAll(async () => {
    await mongo?.stop();
  });

  it('counts each cross-service pair once: children before parents, parents before children, one span at a time', async () => {
    const spans = shopTraffic(20, 11, baseMs, 60_000);
    const want = expectedEdges(spans);
    const depth = (s: GenSpan): number => {
      let d = 0;
      let p = s.parentSpanId;
      while (p !== null) {
        d += 1;
        p = spans.find((x) => x.traceId === s.traceId && x.spanId === p)!.parentSpanId;
      }
      return d;
    };
    const deepestFirst = [...spans].sort((a, b) => depth(b) - depth(a));
    for (const order of [deepestFirst, [...deepestFirst].reverse()]) {
      const gw = await startAnalyticsGateway(otherDb(mongo));
      try {
        // Children first: each parent arrives after its children are stored (and the reverse).
        for (let i = 0; i < order.length; i += 10) await gw.submit(order.slice(i, i + 10));
        const res = await gw.gql<Edges>(EDGES, window);
        expect(res.errors).toBeUndefined();
        expect(edgeCounts(res.data)).toEqual(want);
        // Children first: every wait note was read by its parent's call, its lists removed, and the emptied note deleted.
        if (order === deepestFirst) expect(await gw.store.db.collection('edge_waits').countDocuments({})).toBe(0);
      } finally {
        await gw.stop();
      }
    }
  });

  it('counts each pair once when parent and child race on two gateways (repeated)', async () => {
    const db = otherDb(mongo);
    const a = await startAnalyticsGateway(db);
    const b = await startAnalyticsGateway(db);
    try {
      const rnd = prng(5);
      let all: GenSpan[] = [];
      for (let round = 0; round < 25; round += 1) {
        const spans = shopTraffic(2, 1000 + round, baseMs, 60_000);
        all = all.concat(spans);
        // Every span goes to both gateways at the same moment, split so that parents and children land on different ones.
        const even = spans.filter((_, i) => i % 2 === 0);
        const odd = spans.filter((_, i) => i % 2 === 1);
        const flip = rnd() < 0.5;
        await Promise.all([a.submit(flip ? even : odd), b.submit(flip ? odd : even), a.submit(flip ? odd : even), b.submit(flip ? even : odd)]);
      }
      const res = await a.gql<Edges>(EDGES, window);
      expect(edgeCounts(res.data)).toEqual(expectedEdges(all));
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('narrows the graph to a service and its neighbours; series cover the window with empty buckets', async () => {
    const gw = await startAnalyticsGateway(otherDb(mongo));
    try {
      // Two minutes with traffic, three without.
      const spans = [...shopTraffic(5, 21, baseMs, 30_000), ...shopTraffic(5, 22, baseMs + 3 * 60_000, 30_000)];
      await gw.submit(spans);
      const narrowed = await gw.gql<Edges>(EDGES, { ...window, service: 'payment' });
      expect(narrowed.data!.serviceGraph.nodes.map((n) => n.service.name)).toEqual(['bank', 'checkout', 'payment']);
      expect(Object.keys(edgeCounts(narrowed.data)).sort()).toEqual(['checkout->payment', 'payment->bank']);

      const stats = await gw.gql<{ service: { stats: { totals: { calls: number; ratePerSec: number }; series: { start: string; calls: number; p50Us: number | null }[]; operations: { operation: string }[] } } }>(
        `query($from: DateTime!, $to: DateTime!) { service(name: "inventory") { stats(from: $from, to: $to) { totals { calls ratePerSec } series { start calls p50Us } operations { operation } } } }`,
        window,
      );
      expect(stats.errors).toBeUndefined();
      const { totals, series, operations } = stats.data!.service.stats;
      expect(series.map((p) => p.start)).toEqual([0, 1, 2, 3, 4].map((i) => isoUs((baseMs + i * 60_000) * 1000)));
      expect(series.map((p) => p.calls)).toEqual([5, 0, 0, 5, 0]);
      expect(series[1]!.p50Us).toBeNull();
      expect(totals.calls).toBe(10);
      expect(totals.ratePerSec).toBeCloseTo(10 / 300, 9);
      expect(operations.map((o) => o.operation).sort()).toEqual([...new Set(spans.filter((s) => s.service === 'inventory').map((s) => s.operation))].sort());

      const wide = await gw.gql<{ service: { stats: { series: { calls: number }[] } } }>(
        `query($from: DateTime!, $to: DateTime!) { service(name: "inventory") { stats(from: $from, to: $to, stepSeconds: 300) { series { start calls } } } }`,
        window,
      );
      // Buckets of 5 minutes sit on multiples of 5 minutes (UTC), widened to cover the window.
      const wideSeries = (wide.data!.service.stats.series as unknown as { start: string; calls: number }[]);
      for (const p of wideSeries) expect(Date.parse(p.start) % 300_000).toBe(0);
      expect(Date.parse(wideSeries[0]!.start)).toBe(Math.floor(baseMs / 300_000) * 300_000);
      expect(wideSeries.reduce((sum, p) => sum + p.calls, 0)).toBe(10);
    } finally {
      await gw.stop();
    }
  });

  it('a window of several hours reads whole hours per hour and the rest per minute, with the same counts', async () => {
    const gw = await startAnalyticsGateway(otherDb(mongo));
    try {
      const hour = 3_600_000;
      const startMs = Math.floor((Date.now() - 5 * hour) / hour) * hour;
      // Traffic from 20 minutes before an hour boundary to 20 minutes after the second one.
      const spans = shopTraffic(40, 51, startMs - 20 * 60_000, 2 * hour + 40 * 60_000);
      await gw.submit(spans);
      const wide = { from: isoUs((startMs - 30 * 60_000) * 1000), to: isoUs((startMs + 2 * hour + 30 * 60_000) * 1000) };
      const res = await gw.gql<Edges>(EDGES, wide);
      expect(res.errors).toBeUndefined();
      expect(edgeCounts(res.data)).toEqual(expectedEdges(spans));
      const calls = Object.fromEntries(res.data!.serviceGraph.nodes.map((n) => [n.service.name, n.stats.calls]));
      const want: Record<string, number> = {};
      for (const s of spans) want[s.service] = (want[s.service] ?? 0) + 1;
      expect(calls).toEqual(want);
      // A window that cuts the traffic: only spans starting inside it (whole minutes) count.
      const cut = { from: isoUs((startMs + 10 * 60_000) * 1000), to: isoUs((startMs + hour + 10 * 60_000) * 1000) };
      const inCut = spans.filter((s) => s.startUs >= (startMs + 10 * 60_000) * 1000 && s.startUs < (startMs + hour + 10 * 60_000) * 1000);
      const cutRes = await gw.gql<Edges>(EDGES, cut);
      const cutCalls = Object.fromEntries(cutRes.data!.serviceGraph.nodes.map((n) => [n.service.name, n.stats.calls]));
      const wantCut: Record<string, number> = {};
      for (const s of inCut) wantCut[s.service] = (wantCut[s.service] ?? 0) + 1;
      expect(cutCalls).toEqual(wantCut);
    } finally {
      await gw.stop();
    }
  });

  it('refuses a step that is not a multiple of 60, a window over 31 days, and a quantile outside [0, 1]', async () => {
    const gw = await startAnalyticsGateway(otherDb(mongo));
    try {
      await gw.submit(shopTraffic(1, 31, baseMs, 1000));
      const step = await gw.gql(`{ service(name: "checkout") { stats(from: "${window.from}", to: "${window.to}", stepSeconds: 90) { totals { calls } } } }`);
      expect(step.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(step.errors?.[0]?.message).toMatch(/stepSeconds: expected a positive multiple of 60.*received 90/);
      const long = await gw.gql(`{ serviceGraph(from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:01Z") { nodes { stats { calls } } } }`);
      expect(long.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(long.errors?.[0]?.message).toMatch(/at most 31 days/);
      const q = await gw.gql(`{ serviceGraph(from: "${window.from}", to: "${window.to}") { nodes { stats { quantile(q: 1.5) } } } }`);
      expect(q.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      // The cost rule prices the analytics lists: every node's service with its traces and their spans is too much.
      const costly = await gw.gql(
        `{ serviceGraph(from: "${window.from}", to: "${window.to}") { nodes { service { traces(first: 100) { nodes { spans { spanId } } } } } } }`,
      );
      expect(costly.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
      expect(costly.errors?.[0]?.message).toMatch(/expected an estimated cost of at most 5000/);
    } finally {
      await gw.stop();
    }
  });

  it('criticalPath and selfTimeUs of a stored trace', async () => {
    const gw = await startAnalyticsGateway(otherDb(mongo));
    try {
      const t = 'c'.repeat(32);
      const at = (us: number) => isoUs(baseMs * 1000 + us);
      const span = (id: string, parent: string | null, service: string, start: number, end: number) => ({
        traceId: t, spanId: id.repeat(16), parentSpanId: parent === null ? null : parent.repeat(16), service, operation: `op-${id}`,
        kind: 'SERVER' as const, startTime: at(start), endTime: at(end), status: 'OK' as const, startUs: 0, durationUs: 0,
      });
      await gw.submit([span('a', null, 'frontend', 0, 100), span('b', 'a', 'checkout', 10, 60), span('c', 'a', 'payment', 20, 80), span('d', 'c', 'bank', 30, 50)]);
      const res = await gw.gql<{ trace: { durationUs: number; criticalPath: { span: { spanId: string }; startTime: string; endTime: string; durationUs: number }[]; spans: { spanId: string; selfTimeUs: number }[] } }>(
        `{ trace(id: "${t}") { durationUs criticalPath { span { spanId } startTime endTime durationUs } spans { spanId selfTimeUs } } }`,
      );
      expect(res.errors).toBeUndefined();
      const path = res.data!.trace.criticalPath.map((s) => [s.span.spanId[0], s.durationUs]);
      expect(path).toEqual([['a', 20], ['c', 10], ['d', 20], ['c', 30], ['a', 20]]);
      expect(res.data!.trace.criticalPath[0]!.startTime).toBe(at(0));
      expect(path.reduce((sum, [, d]) => sum + (d as number), 0)).toBe(res.data!.trace.durationUs);
      expect(Object.fromEntries(res.data!.trace.spans.map((s) => [s.spanId[0], s.selfTimeUs]))).toEqual({ a: 30, b: 50, c: 40, d: 20 });
    } finally {
      await gw.stop();
    }
  });

  it('serviceStats: the current bucket, pushed on both gateways when spans arrive through either', async () => {
    // The spans go into the minute current at submission and the subscribers must see that minute's bucket grow:
    // start with most of a minute ahead, so the current bucket does not move on before they do.
    const leftMs = 60_000 - (Date.now() % 60_000);
    if (leftMs < 20_000) await new Promise((resolve) => setTimeout(resolve, leftMs + 50));
    const db = otherDb(mongo);
    const a = await startAnalyticsGateway(db, { statsIntervalMs: 200 });
    const b = await startAnalyticsGateway(db, { statsIntervalMs: 200 });
    const onA = connect(a.url);
    const onB = connect(b.url);
    try {
      const query = `subscription { serviceStats(service: "payment") { start calls errors p99Us } }`;
      type Msg = { serviceStats: { start: string; calls: number; errors: number; p99Us: number | null } };
      const subA = subscribe<Msg>(onA, query);
      const subB = subscribe<Msg>(onB, query);
      await subA.until((c) => c.results.length >= 1, 'the first message on A');
      await subB.until((c) => c.results.length >= 1, 'the first message on B');
      expect(subA.results[0]!.data!.serviceStats.calls).toBe(0);
      const nowMs = Date.now();
      const bucketStart = Math.floor(nowMs / 60_000) * 60_000;
      // Spans of the current minute, through B; both subscribers see the bucket grow to 3 payment calls.
      const spans = shopTraffic(3, 77, bucketStart, Math.max(1, Math.min(nowMs - bucketStart, 1000)));
      await b.submit(spans);
      const calls = (c: typeof subA) => c.results.at(-1)?.data?.serviceStats.calls;
      await subA.until((c) => calls(c) === 3, 'three payment calls on A');
      await subB.until((c) => calls(c) === 3, 'three payment calls on B');
      expect(subA.results.at(-1)!.data!.serviceStats.start).toBe(isoUs(bucketStart * 1000));
      expect(subA.error).toBeUndefined();
      subA.unsubscribe();
      subB.unsubscribe();
    } finally {
      await onA.dispose();
      await onB.dispose();
      await a.stop();
      await b.stop();
    }
  });
});
