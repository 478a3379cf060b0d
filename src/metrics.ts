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
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

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
): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return expectType(existing, Histogram, name) as Histogram<L>;
  return new Histogram<L>({ name, help, labelNames: [...labelNames], buckets: [...buckets], registers: [registry] });
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
