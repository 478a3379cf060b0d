import { Histogram, Registry, type Metric } from 'prom-client';
import { LabelledHistogram, LATENCY_BUCKETS } from '../../src/metrics';

// The gateway's histograms are its own class with a cheaper observe; what a scrape reads of them must be what
// prom-client's Histogram writes for the same observations.
describe('LabelledHistogram', () => {
  const observations: [Record<string, string>, number][] = [
    [{ route: '/graphql', method: 'POST', status: '200' }, 0.0004],
    [{ route: '/graphql', method: 'POST', status: '200' }, 0.0005],
    [{ route: '/graphql', method: 'POST', status: '200' }, 0.0031],
    [{ method: 'GET', route: 'other', status: '404' }, 12],
    [{ route: '/graphql', method: 'POST', status: '400' }, 0.25],
    [{ route: '/graphql', method: 'POST', status: '200' }, 0],
    [{ route: 'other', method: 'GET', status: '404' }, 10],
  ];

  function both(): { ours: LabelledHistogram<'route' | 'method' | 'status'>; theirs: Histogram<'route' | 'method' | 'status'>; a: Registry; b: Registry } {
    const a = new Registry();
    const b = new Registry();
    const ours = new LabelledHistogram('t_request_duration_seconds', 'requests "by" route\\method', ['route', 'method', 'status'], LATENCY_BUCKETS);
    a.registerMetric(ours as unknown as Metric);
    const theirs = new Histogram({ name: 't_request_duration_seconds', help: 'requests "by" route\\method', labelNames: ['route', 'method', 'status'], buckets: [...LATENCY_BUCKETS], registers: [b] });
    return { ours, theirs, a, b };
  }

  it('writes the same exposition text and JSON as prom-client for the same observations', async () => {
    const { ours, theirs, a, b } = both();
    for (const [labels, value] of observations) {
      ours.observe(labels, value);
      theirs.observe(labels, value);
    }
    expect(await a.metrics()).toBe(await b.metrics());
    expect(await a.getMetricsAsJSON()).toEqual(await b.getMetricsAsJSON());
  });

  it('is empty after reset, as prom-client is', async () => {
    const { ours, theirs, a, b } = both();
    ours.observe({ route: 'x', method: 'GET', status: '200' }, 1);
    theirs.observe({ route: 'x', method: 'GET', status: '200' }, 1);
    ours.reset();
    theirs.reset();
    expect(await a.metrics()).toBe(await b.metrics());
  });

  it('refuses a label it was not declared with, and a value that is not a finite number', () => {
    const { ours } = both();
    expect(() => ours.observe({ route: 'x', verb: 'GET' } as never, 1)).toThrow(/label "verb" is not one of route, method, status/);
    expect(() => ours.observe({ route: 'x' }, Number.NaN)).toThrow(TypeError);
  });

  it('refuses the reserved label le and invalid names', () => {
    expect(() => new LabelledHistogram('t_x', 'x', ['le'], LATENCY_BUCKETS)).toThrow(/le is not a valid label name/);
    expect(() => new LabelledHistogram('t-x', 'x', [], LATENCY_BUCKETS)).toThrow(/not a valid metric name/);
  });

  it('keeps a histogram without labels as one series', async () => {
    const a = new Registry();
    const b = new Registry();
    const ours = new LabelledHistogram('t_plain_seconds', 'plain', [], [0.1, 1]);
    a.registerMetric(ours as unknown as Metric);
    const theirs = new Histogram({ name: 't_plain_seconds', help: 'plain', buckets: [0.1, 1], registers: [b] });
    for (const v of [0.05, 0.5, 5]) {
      ours.observe({}, v);
      theirs.observe(v);
    }
    expect(await a.metrics()).toBe(await b.metrics());
  });
});

describe('LabelledHistogram without labels', () => {
  it('shows its one series at zero before any observation, as prom-client does', async () => {
    const a = new Registry();
    const b = new Registry();
    a.registerMetric(new LabelledHistogram('t_idle_seconds', 'idle', [], [0.1, 1]) as unknown as Metric);
    new Histogram({ name: 't_idle_seconds', help: 'idle', buckets: [0.1, 1], registers: [b] });
    expect(await a.metrics()).toBe(await b.metrics());
  });
});

describe('LabelledHistogram series keys', () => {
  it('keeps label sets apart whatever characters their values hold', async () => {
    const a = new Registry();
    const b = new Registry();
    const ours = new LabelledHistogram('t_keys_seconds', 'keys', ['x', 'y'], [1]);
    a.registerMetric(ours as unknown as Metric);
    const theirs = new Histogram({ name: 't_keys_seconds', help: 'keys', labelNames: ['x', 'y'], buckets: [1], registers: [b] });
    const sets: Record<string, string | number>[] = [{ x: 'a1:', y: 'b' }, { x: 'a', y: '1:b' }, { x: '|', y: '' }, { x: '', y: '|' }, { x: 200, y: 'z' }, { x: '200', y: 'z' }];
    for (const labels of sets) {
      ours.observe(labels, 0.5);
      theirs.observe(labels, 0.5);
    }
    expect(await a.metrics()).toBe(await b.metrics());
  });
});
