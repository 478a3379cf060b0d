/**
 * Service analytics: rollups written at ingest (per minute, per service / operation / service-to-service
 * edge), the service graph and RED series read from them, latency sketches, and the pure per-trace figures
 * (critical path, self time). See docs/analytics.md.
 */
export { ServiceAnalytics, Series, rollups, type AnalyticsOptions, type ServiceGraphData, type GraphNode, type GraphEdge, type OperationSeries } from './service-analytics';
export { StatPointModel, type Accumulator } from './stat-point';
export { statsWindow, currentBucket, MAX_WINDOW_MS, type StatsWindow } from './window';
export { criticalPath, type CriticalPathSegment } from './critical-path';
export { selfTimeUs } from './self-time';
export { RELATIVE_ACCURACY } from './sketch';
export { rebuildRollups, type RebuildProgress } from './rebuild';
export { StatsStream, type StatsStreamOptions } from './stats-stream';
