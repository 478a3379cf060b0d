/**
 * Quantiles read straight from a point's bins (`rankedBins` / `rankedQuantile`, no DDSketch built per point) are
 * exactly the sketch's (`sketchOf` / `quantileOf` of the same bins): over real rollups stored through a gateway,
 * for every point of every service's series (one minute per point, read without a copy, and several minutes
 * merged), totals, the graph's nodes and edges and the operations; and for the bins a read can hold that generated
 * traffic does not make (zero durations, counts subtracted to 0 or below, many bins, an index that is not an
 * integer).
 */
import { Series, statsWindow, StatPointModel, type Accumulator, type ServiceAnalytics } from '../../src/analytics';
import { quantileOf, rankedBins, sketchOf } from '../../src/analytics/sketch';
import { addBin, emptyBins } from '../../src/analytics/sketch';
import { startTestMongo, type TestMongo } from '../helpers/mongo';
import { chunks, isoUs, shopTraffic, startAnalyticsGateway, type AnalyticsGateway } from './helpers';

const BASE_MS = Math.floor((Date.now() - 40 * 60_000) / 60_000) * 60_000;
const SPREAD_MS = 12 * 60_000;
const FROM = isoUs(BASE_MS * 1000);
const TO = isoUs((BASE_MS + SPREAD_MS) * 1000);

const QS = [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.333, 0.5, 0.6, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1];

// Private: the sketch's answer for a point's figures (what every quantile was read from before ranked bins).
function sketchQuantile(acc: Accumulator, q: number): number | null {
  if (acc.calls === 0) return null;
  const sketch = sketchOf(acc.bins);
  return sketch === null ? null : quantileOf(sketch, q, acc.minUs, acc.maxUs);
}

// Private: every quantile of QS from the point equals the sketch's; how many were numbers.
function expectSketchQuantiles(point: StatPointModel): number {
  let numbers = 0;
  for (const q of QS) {
    const got = point.quantile(q);
    expect({ q, got }).toEqual({ q, got: sketchQuantile(point.acc, q) });
    if (got !== null) numbers += 1;
  }
  return numbers;
}

function accumulator(bins: [number, number][], zeros: number, calls: number, minUs = 0, maxUs = 10_000_000): Accumulator {
  const b = emptyBins();
  for (const [bin, count] of bins) b.add(bin, count);
  b.zeros = zeros;
  return { calls, errors: 0, sumUs: 0, minUs, maxUs, bins: b };
}

jest.setTimeout(90_000);

describe('quantiles read from ranked bins', () => {
  let mongo: TestMongo;
  let gw: AnalyticsGateway;
  let analytics: ServiceAnalytics;

  beforeAll(async () => {
    mongo = await startTestMongo();
    gw = await startAnalyticsGateway(mongo);
    for (const batch of chunks(shopTraffic(240, 7, BASE_MS, SPREAD_MS), 250)) await gw.submit(batch);
    const found = gw.analytics.analytics();
    if (!found) throw new Error('expected the gateway to have opened its analytics');
    analytics = found;
  });
  afterAll(async () => {
    await gw?.stop();
    await mongo?.stop();
  });

  it("equal the sketch's for every point of every service's series, per minute and per 5 minutes, and their totals", async () => {
    let numbers = 0;
    for (const service of ['frontend', 'checkout', 'inventory', 'payment', 'bank', 'mailer']) {
      for (const step of [60, 300]) {
        const window = statsWindow(FROM, TO, step);
        const series = await analytics.serviceSeries(service, window);
        const points = series.points(window);
        expect(points).toHaveLength((window.toMs - window.fromMs) / window.stepMs);
        for (const point of points) {
          numbers += expectSketchQuantiles(point);
          // A point holds exactly its minutes' figures.
          const minutes = [...series.minutes].filter(([m]) => m >= point.startMs! && m < point.startMs! + window.stepMs);
          expect(point.calls).toBe(minutes.reduce((sum, [, acc]) => sum + acc.calls, 0));
        }
        const total = series.total(window);
        expect(total.calls).toBeGreaterThan(0);
        numbers += expectSketchQuantiles(total);
      }
    }
    // Most points had calls: the comparison read real bins.
    expect(numbers).toBeGreaterThan(500);
  });

  it("equal the sketch's for the graph's nodes and edges and for every operation's totals and points", async () => {
    const window = statsWindow(FROM, TO, 60);
    const graph = await analytics.serviceGraph(window);
    expect(graph.nodes.length).toBeGreaterThanOrEqual(6);
    expect(graph.edges.length).toBeGreaterThanOrEqual(5);
    for (const { series } of [...graph.nodes, ...graph.edges]) expect(expectSketchQuantiles(series.total(window))).toBe(QS.length);
    const operations = await analytics.operationSeries(window);
    expect(operations.length).toBeGreaterThanOrEqual(8);
    for (const op of operations) {
      expectSketchQuantiles(op.series.total(window));
      for (const point of op.series.points(window)) expectSketchQuantiles(point);
    }
  });

  it('a minute without calls is a point without quantiles, and a series read per minute shares nothing between its points', () => {
    const series = new Series();
    const window = { fromMs: 0, toMs: 3 * 60_000, stepMs: 60_000 };
    series.addFigures({ k: 's', m: 60_000 }, { c: 2, d: 30, lo: 10, hi: 20, b: { '116': 1, '151': 1 } });
    const points = series.points(window);
    expect(points.map((p) => [p.startMs, p.calls, p.quantile(0.5)])).toEqual([
      [0, 0, null],
      [60_000, 2, sketchQuantile(points[1]!.acc, 0.5)],
      [120_000, 0, null],
    ]);
    expect(points[0]!.acc).not.toBe(points[2]!.acc);
  });

  it("equal the sketch's for zero durations, counts subtracted to 0 or below, many bins, and fall back to the sketch for an index that is not an integer", () => {
    const cases: Accumulator[] = [
      accumulator([], 5, 5, 0, 0),
      accumulator([[100, 2]], 3, 5, 0, 120),
      accumulator([[100, 0], [200, -1], [150, 4]], 0, 4, 50, 300),
      accumulator([[100, 0]], 0, 1, 50, 60),
      accumulator([[100, 2], [90, 0]], -2, 2, 10, 200),
      accumulator(Array.from({ length: 300 }, (_, i) => [((i * 7919) % 900) - 50, 1 + (i % 5)] as [number, number]), 4, 900, 0, 1e9),
      accumulator(Array.from({ length: 33 }, (_, i) => [400 - i, 1] as [number, number]), 0, 33, 1, 1e9),
      accumulator(Array.from({ length: 32 }, (_, i) => [400 - i * 3, i + 1] as [number, number]), 1, 600, 0, 1e9),
    ];
    for (const acc of cases) expectSketchQuantiles(new StatPointModel(null, 60, acc));
    const odd = accumulator([[100, 1], [150.5, 2]], 0, 3, 1, 1e9);
    expect(rankedBins(odd.bins)).toBeUndefined();
    expect(expectSketchQuantiles(new StatPointModel(null, 60, odd))).toBe(QS.length);
    // The bins a read adds up rank as the sketch counts them.
    const bins = emptyBins();
    for (const [bin, count] of [[5, 1], [3, 2], [5, 1], [4, 0]] as const) addBin(bins, bin, count);
    addBin(bins, null, 2);
    expect(rankedBins(bins)).toEqual({ keys: [3, 5], counts: [2, 2], zeros: 2, count: 6 });
  });
});
