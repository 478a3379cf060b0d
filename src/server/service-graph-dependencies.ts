/**
 * The query APIs' dependency links (Zipkin /api/v2/dependencies, Jaeger /api/dependencies) from service
 * analytics' service graph: per-minute edge rollups written at ingest, so a dependencies request reads buckets,
 * not spans. The window is widened to whole minutes (the rollups' grain) and cut to the last 31 days before its
 * end (the longest window analytics reads). Edges to an unknown callee are left out: the APIs' links name both
 * services.
 */
import { MAX_WINDOW_MS, type StatsWindow } from '../analytics';
import type { DependencySource } from '../query-api';
import type { AnalyticsExtension } from './analytics-extension';

/** The rollups' grain. */
const MINUTE_MS = 60_000;

export function serviceGraphDependencies(analytics: AnalyticsExtension): DependencySource {
  return async (fromUs, toUs) => {
    const graph = analytics.analytics();
    if (!graph) return null;
    const toMs = Math.ceil((toUs + 1) / 1000 / MINUTE_MS) * MINUTE_MS;
    const fromMs = Math.max(Math.floor(fromUs / 1000 / MINUTE_MS) * MINUTE_MS, toMs - MAX_WINDOW_MS);
    const window: StatsWindow = { fromMs, toMs, stepMs: toMs - fromMs };
    const { edges } = await graph.serviceGraph(window);
    return edges
      .filter((e) => e.target !== '')
      .map((e) => {
        const total = e.series.total(window);
        return { parent: e.source, child: e.target, callCount: total.calls, errorCount: total.errors };
      })
      .filter((l) => l.callCount > 0);
  };
}
