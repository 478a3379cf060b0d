/**
 * Rollups written at ingest, read through GraphQL: exact counts, percentiles within the sketch's relative error
 * of the exact ones, the same figures whatever the arrival order, duplicates or number of gateways, and the
 * rebuild giving what ingest gave.
 */
import { RELATIVE_ACCURACY, rebuildRollups, rollups, ServiceAnalytics } from '../../src/analytics';
import { startTestMongo, type TestMongo } from '../helpers/mongo';
import { chunks, exactFigures, exactQuantile, isoUs, otherDb, prng, shopTraffic, shuffle, startAnalyticsGateway, type AnalyticsGateway, type GenSpan } from './helpers';

const BASE_MS = Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000;
const SPREAD_MS = 10 * 60_000;
const FROM = isoUs(BASE_MS * 1000);
const TO = isoUs((BASE_MS + SPREAD_MS) * 1000);

const POINT = 'calls errors errorRate ratePerSec p50Us p95Us p99Us maxUs minUs meanUs q999: quantile(q: 0.999)';
const GRAPH = `query($from: DateTime!, $to: DateTime!, $service: String) {
  serviceGraph(from: $from, to: $to, service: $service) {
    nodes { service { name } stats { ${POINT} } }
    edges { source { name } target { name } stats { ${POINT} } }
  }
}`;
const OPERATIONS = `query($from: DateTime!, $to: DateTime!) {
  operationStats(from: $from, to: $to, orderBy: CALLS_DESC, first: 100) { service { name } operation totals { ${POINT} } }
}`;

type Point = { calls: number; errors: number; p50Us: number | null; p95Us: number | null; p99Us: number | null; maxUs: number | null; minUs: number | null; meanUs: number | null };
type Graph = { serviceGraph: { nodes: { service: { name: string }; stats: Point }[]; edges: { source: { name: string }; target: { name: string }; stats: Point }[] } };
type Operations = { operationStats: { service: { name: string }; operation: string; totals: Point }[] };

async function readAll(gw: AnalyticsGateway): Promise<{ graph: Graph; operations: Operations }> {
  const graph = await gw.gql<Graph>(GRAPH, { from: FROM, to: TO });
  const operations = await gw.gql<Operations>(OPERATIONS, { from: FROM, to: TO });
  expect(graph.errors).toBeUndefined();
  expect(operations.errors).toBeUndefined();
  return { graph: graph.data!, operations: operations.data! };
}

function expectMatches(point: Point, exact: { calls: number; errors: number; durations: number[] }): void {
  expect(point.calls).toBe(exact.calls);
  expect(point.errors).toBe(exact.errors);
  expect(point.maxUs).toBe(exact.durations.at(-1));
  expect(point.minUs).toBe(exact.durations[0]);
  expect(point.meanUs).toBeCloseTo(exact.durations.reduce((a, b) => a + b, 0) / exact.calls, 6);
  for (const [field, q] of [['p50Us', 0.5], ['p95Us', 0.95], ['p99Us', 0.99]] as const) {
    const want = exactQuantile(exact.durations, q);
    const got = point[field]!;
    expect(Math.abs(got - want)).toBeLessThanOrEqual(want * RELATIVE_ACCURACY + 1e-9);
  }
}

// Generous: these drive real gateways and a store on a machine shared with other suites.
jest.setTimeout(90_000);

describe('rollups at ingest', () => {
  let mongo: TestMongo;
  const spans: GenSpan[] = shopTraffic(60, 42, BASE_MS, SPREAD_MS);
  const exact = exactFigures(spans);
  let reference: { graph: Graph; operations: Operations };

  beforeAll(async () => {
    mongo = await startTestMongo();
  });
  afterAll(async () => {
    await mongo?.stop();
  });

  it('counts are exact and percentiles within 1% of the exact ones (heavy-tailed durations)', async () => {
    const gw = await startAnalyticsGateway(otherDb(mongo));
    try {
      for (const batch of chunks(spans, 200)) await gw.submit(batch);
      reference = await readAll(gw);
      const { nodes, edges } = reference.graph.serviceGraph;
      expect(nodes.map((n) => n.service.name)).toEqual([...exact.services.keys()].sort());
      for (const node of nodes) expectMatches(node.stats, exact.services.get(node.service.name)!);
      expect(edges.map((e) => `${e.source.name}->${e.target.name}`).sort()).toEqual([...exact.edges.keys()].sort());
      // Including the messaging edge (PRODUCER -> CONSUMER counts like a call).
      expect(exact.edges.has('checkout->mailer')).toBe(true);
      for (const edge of edges) expectMatches(edge.stats, exact.edges.get(`${edge.source.name}->${edge.target.name}`)!);
      const ops = reference.operations.operationStats;
      expect(ops).toHaveLength(exact.operations.size);
      for (const op of ops) expectMatches(op.totals, exact.operations.get(`${op.service.name}/${op.operation}`)!);
      // The tail is really heavy: p99 well above p50 for payment.
      const payment = nodes.find((n) => n.service.name === 'payment')!.stats;
      expect(payment.p99Us!).toBeGreaterThan(5 * payment.p50Us!);
    } finally {
      await gw.stop();
    }
  });

  it('the same figures after random order, duplicate batches and two gateways at once', async () => {
    const db = otherDb(mongo);
    const a = await startAnalyticsGateway(db);
    const b = await startAnalyticsGateway(db);
    try {
      const rnd = prng(7);
      const shuffled = shuffle(spans, rnd);
      const batches = chunks(shuffled, 100);
      // Every batch goes to both gateways at the same moment: each span is stored once, the other copy is a duplicate.
      await Promise.all(batches.map(async (batch, i) => {
        const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
        const [r1, r2] = await Promise.all([first.submit(batch), second.submit(shuffle(batch, rnd))]);
        expect(r1.accepted + r2.accepted).toBe(batch.length);
      }));
      // And once more, all of it: duplicates only.
      const again = await a.submit(spans.slice(0, 100));
      expect(again.accepted).toBe(0);
      expect(await readAll(b)).toEqual(reference);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('keeps operations whose names hold `.`, `$` or `%`, or are digits, apart within their service\'s minute', async () => {
    const gw = await startAnalyticsGateway(otherDb(mongo));
    try {
      const names = ['GET /a.b', '$where', 'a.$.b', '100%', '%2E', '0', 'GET /a'];
      const start = (BASE_MS + 90_000) * 1000;
      const spans: GenSpan[] = names.flatMap((operation, i) =>
        Array.from({ length: i + 1 }, (_, n) => {
          const startUs = start + n * 1000;
          const durationUs = 100 * (i + 1);
          return {
            traceId: (i + 1).toString(16).padStart(32, '0'), spanId: (n + 1).toString(16).padStart(16, '0'), parentSpanId: null, service: 'names',
            operation, kind: 'SERVER' as const, startTime: isoUs(startUs), endTime: isoUs(startUs + durationUs), status: 'OK' as const, startUs, durationUs,
          };
        }),
      );
      // In two batches, so the second adds to the minute document the first created.
      await gw.submit(spans.slice(0, 9));
      await gw.submit(spans.slice(9));
      const res = await gw.gql<{ service: { stats: { totals: { calls: number }; operations: { operation: string; totals: { calls: number; maxUs: number } }[] } } }>(
        `query($from: DateTime!, $to: DateTime!) {
          service(name: "names") { stats(from: $from, to: $to) { totals { calls } operations { operation totals { calls maxUs } } } }
        }`,
        { from: FROM, to: TO },
      );
      expect(res.errors).toBeUndefined();
      const listed = [...res.data!.service.stats.operations].sort((a, b) => a.totals.calls - b.totals.calls);
      expect(listed).toEqual(names.map((operation, i) => ({ operation, totals: { calls: i + 1, maxUs: 100 * (i + 1) } })));
      expect(res.data!.service.stats.totals.calls).toBe(spans.length);
      // One minute document holds them all.
      expect(await rollups(gw.store.db).countDocuments({ k: 's', s: 'names' })).toBe(1);
    } finally {
      await gw.stop();
    }
  });

  it('stats:rebuild gives the same rollups as ingest, and again when run twice', async () => {
    const gw = await startAnalyticsGateway(otherDb(mongo));
    try {
      for (const batch of chunks(shuffle(spans, prng(3)), 150)) await gw.submit(batch);
      const bins = (b: Record<string, number> | undefined) => (b === undefined ? undefined : Object.fromEntries(Object.entries(b).filter(([, c]) => c !== 0).sort()));
      const snapshot = async () =>
        (await rollups(gw.store.db).find({}, { projection: { expireAt: 0 } }).sort({ _id: 1 }).toArray()).map((d) => ({
          ...d,
          b: bins(d.b),
          ...(d.o ? { o: Object.fromEntries(Object.entries(d.o).map(([op, f]) => [op, { ...f, b: bins(f.b) }])) } : {}),
        }));
      const ingested = await snapshot();
      expect(ingested.length).toBeGreaterThan(0);
      // Lose some rollups (an outage), then rebuild.
      await rollups(gw.store.db).deleteMany({ k: 'e' });
      await rollups(gw.store.db).updateMany({ k: 'S' }, { $inc: { c: 5 } });
      // And documents of the layout with one document per operation (and service minutes with figures of their
      // own), as an older gateway wrote them: the rebuild rewrites them in this layout.
      const minute = ingested.find((d) => d.k === 's')!;
      const [field, figures] = Object.entries(minute.o!)[0]!;
      await rollups(gw.store.db).updateOne({ _id: minute._id }, { $set: { c: figures.c!, e: 0, d: figures.d! }, $unset: { [`o.${field}`]: '' } });
      await rollups(gw.store.db).insertOne({ _id: JSON.stringify(['o', minute.s, field, minute.m]), k: 'o' as never, s: minute.s, x: field, m: minute.m, ...figures, expireAt: new Date() });
      const analytics = new ServiceAnalytics(gw.store, { retentionMs: 86_400_000 });
      const progress: string[] = [];
      const result = await rebuildRollups(gw.store, analytics, { retentionMs: 86_400_000, onProgress: (p) => progress.push(p.phase) });
      expect(result.spans).toBe(spans.length);
      expect(progress.at(-1)).toBe('done');
      expect(await snapshot()).toEqual(ingested);
      await rebuildRollups(gw.store, analytics, { retentionMs: 86_400_000 });
      expect(await snapshot()).toEqual(ingested);
      expect(await readAll(gw)).toEqual(reference);
    } finally {
      await gw.stop();
    }
  });
});
