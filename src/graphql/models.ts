/** Resolver-side shapes for connection types (the codegen mappers point here). */
import type { Series, StatPointModel, StatsWindow } from '../analytics';
import type { TraceSummary } from '../store';

export interface TraceEdgeModel {
  cursor: string;
  node: TraceSummary;
}

export interface TraceConnectionModel {
  edges: TraceEdgeModel[];
  nodes: TraceSummary[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Resolver-side shapes of the service-analytics types (schema/analytics.graphql). */
export interface ServiceRefModel {
  /** The service's name; resolved to its summary, or described from the stats when the summary expired. */
  name: string;
  /** Earliest and latest bucket with calls, for that description (ms). */
  firstMs: number;
  lastMs: number;
}

export interface ServiceNodeModel {
  service: ServiceRefModel;
  stats: StatPointModel;
}

export interface ServiceEdgeModel {
  source: ServiceRefModel;
  target: ServiceRefModel;
  stats: StatPointModel;
}

export interface ServiceGraphModel {
  nodes: ServiceNodeModel[];
  edges: ServiceEdgeModel[];
}

export interface OperationStatsModel {
  service: ServiceRefModel;
  operation: string;
  window: StatsWindow;
  series: Series;
  totals: StatPointModel;
}

export interface ServiceStatsModel {
  service: string;
  window: StatsWindow;
  /** The service's buckets, read once for totals and series. */
  series(): Promise<Series>;
}
