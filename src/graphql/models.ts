/** Resolver-side shapes for connection types (the codegen mappers point here). */
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
