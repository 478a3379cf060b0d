/**
 * The process's metrics registry (Prometheus text format, prom-client). A bottom-level module like log.ts: any
 * layer may import it, it imports nothing of the gateway.
 *
 * Metrics are process-wide: several gateways in one process (tests) add to the same series. Declare a metric
 * once, at module level, with the helpers below (asking twice for one name returns the same metric, so two
 * modules may share one); values that are read rather than counted (subscriptions held, bytes in flight) are
 * `readGauge`s whose providers each gateway adds on start and removes on stop.
 *
 * Names follow Prometheus conventions: `tracegate_` prefix, `_total` for counters, base units (seconds, bytes).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';

export const registry = new Registry();

/** The `Content-Type` of `metricsText()`. */
export const METRICS_CONTENT_TYPE = registry.contentType;

/** Latency buckets in seconds, from 0.5 ms to 10 s: local stores answer in well under a millisecond. */
export const LATENCY_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A counter, created on first use. */
export function counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return expectType(existing, Counter, name) as Counter<L>;
  return new Counter<L>({ name, help, labelNames: [...labelNames], registers: [registry] });
}

/** A gauge set by its owner, created on first use. */
export function gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return expectType(existing, Gauge, name) as Gauge<L>;
  return new Gauge<L>({ name, help, labelNames: [...labelNames], registers: [registry] });
}

/** A histogram (seconds unless the name says otherwise), created on first use. */
export function histogram<L extends string = never>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets: readonly number[] = LATENCY_BUCKETS,
): LabelledHistogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return expectType(existing, LabelledHistogram, name) as LabelledHistogram<L>;
  const created = new LabelledHistogram<L>(name, help, labelNames, buckets);
  registry.registerMetric(created as unknown as Metric);
  return created;
}

/** One label set's counts: per bucket (not cumulative; the last is above every bound), their sum and count. */
interface HistogramSeries {
  labels: Readonly<Record<string, string | number>>;
  buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * A histogram as prom-client's `Histogram` exposes it (the same text and JSON), whose `observe` finds its label set
 * by the label values alone: a series is looked up by one string of the values, its label names checked when it is
 * first seen (an unknown name is refused, as prom-client refuses it). prom-client checks and hashes the labels
 * object on every observation, which the gateway makes three of per request.
 */
export class LabelledHistogram<L extends string = never> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: Float64Array;
  private series!: Map<string, HistogramSeries>;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    buckets: readonly number[],
  ) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`histogram ${name}: not a valid metric name`);
    for (const label of labelNames) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label) || label === 'le') throw new Error(`histogram ${name}: ${label} is not a valid label name`);
    }
    const sorted = [...buckets].sort((a, b) => a - b);
    if (sorted.some((b, i) => i > 0 && b === sorted[i - 1])) throw new Error(`histogram ${name}: bucket bounds must be distinct`);
    this.bounds = Float64Array.from(sorted);
    this.reset();
  }

  /** Adds `value` to the series of `labels` (every label name given, none other). */
  observe(labels: Partial<Record<L, string | number>>, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`histogram ${this.name}: value is not a valid number: ${String(value)}`);
    const names = this.labelNames;
    // Each value as its length and text (`|` when absent), so no two label sets share a key.
    let key = '';
    for (let i = 0; i < names.length; i++) {
      const v = (labels as Record<string, unknown>)[names[i]!];
      if (v === undefined) key += '|';
      else {
        const text = String(v);
        key += `${text.length}:${text}`;
      }
    }
    let series = this.series.get(key);
    if (!series) {
      for (const label in labels) {
        if (!(names as readonly string[]).includes(label)) throw new Error(`histogram ${this.name}: label "${label}" is not one of ${names.join(', ')}`);
      }
      series = this.newSeries({ ...(labels as Record<string, string | number>) });
      this.series.set(key, series);
    }
    const bounds = this.bounds;
    let at = 0;
    while (at < bounds.length && value > bounds[at]!) at++;
    series.buckets[at]! += 1;
    series.sum += value;
    series.count += 1;
  }

  /** Forgets every series; a histogram without labels keeps its one series, at zero (as prom-client's does). */
  reset(): void {
    this.series = new Map();
    if (this.labelNames.length === 0) this.series.set('', this.newSeries({}));
  }

  private newSeries(labels: Readonly<Record<string, string | number>>): HistogramSeries {
    return { labels, buckets: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
  }

  /** prom-client's `metric.get()`: every series' cumulative buckets, sum and count, labels merged. */
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { exemplar: null | undefined; labels: Record<string, string | number>; value: number; metricName: string }[] }> {
    const values = this.exported().map(({ labels, sharedLabels, value, metricName, exemplar }) => ({ exemplar, labels: { ...labels, ...sharedLabels }, value, metricName }));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** What prom-client's registry writes as text (its `getForPromString`): series labels as shared labels, `le` first. */
  getForPromString(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExportedValue[] }> {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.exported() });
  }

  private exported(): ExportedValue[] {
    const out: ExportedValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const series of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += series.buckets[i]!;
        out.push({ labels: { le: this.bounds[i]! }, sharedLabels: series.labels, value: cumulative, metricName: bucketName, exemplar: null });
      }
      out.push({ labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: bucketName, exemplar: null });
      out.push({ labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum`, exemplar: undefined });
      out.push({ labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count`, exemplar: undefined });
    }
    return out;
  }
}

interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels: Readonly<Record<string, string | number>>;
  value: number;
  metricName: string;
  /** Always none (prom-client's null or undefined, kept for equal JSON). */
  exemplar: null | undefined;
}

/** A gauge read at scrape time: the sum of what its providers report. */
export interface ReadGauge {
  /** Adds a provider (e.g. one gateway's live hub); returns its removal. */
  provide(read: () => number): () => void;
}

export function readGauge(name: string, help: string): ReadGauge {
  const providers = readGauges.get(name) ?? new Set<() => number>();
  if (!readGauges.has(name)) {
    readGauges.set(name, providers);
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        let sum = 0;
        for (const read of providers) sum += read();
        this.set(sum);
      },
    });
  }
  return {
    provide(read) {
      providers.add(read);
      return () => {
        providers.delete(read);
      };
    },
  };
}

/**
 * Turns on the runtime metrics prom-client collects on scrape: process memory and CPU, heap spaces, GC, and
 * event-loop delay (a `monitorEventLoopDelay` histogram sampled every 10 ms). Idempotent.
 */
export function enableProcessMetrics(): void {
  if (processMetricsOn) return;
  processMetricsOn = true;
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
}

/** Every metric in the Prometheus text exposition format. */
export function metricsText(): Promise<string> {
  return registry.metrics();
}

/** Seconds since `startNs` (a `process.hrtime.bigint()` reading). */
export function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

// Private: read gauges by name, so a second `readGauge` call for a name shares the first one's providers.
const readGauges = new Map<string, Set<() => number>>();
let processMetricsOn = false;

// Private: one name, one type; a clash is a programming error worth failing loudly on.
function expectType<T>(metric: unknown, type: abstract new (...args: never[]) => T, name: string): T {
  if (!(metric instanceof type)) throw new Error(`metric ${name}: expected a ${type.name}, but it is registered as another type`);
  return metric;
}
