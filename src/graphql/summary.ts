/**
 * A trace summary derived from the trace's spans: the same figures the store keeps on ingest. Used when the
 * stored summary is missing (it is written just after its spans, or a failed submit left it out until the
 * batch is re-submitted), so spans the store acknowledged are readable through their trace at once.
 */
import type { StoredSpan, TraceSummary } from '../store';
import type { GraphQLContext } from './context';

export function summarizeSpans(traceId: string, spans: readonly StoredSpan[]): TraceSummary {
  const startUs = spans.reduce((min, s) => Math.min(min, s.startUs), Infinity);
  const endUs = spans.reduce((max, s) => Math.max(max, s.endUs), -Infinity);
  return {
    traceId,
    startUs,
    endUs,
    durationUs: endUs - startUs,
    spanCount: spans.length,
    errorCount: spans.filter((s) => s.status === 'ERROR').length,
    services: [...new Set(spans.map((s) => s.service))].sort(),
  };
}

/** The stored summary, else one derived from the spans, else null (no such trace). */
export async function loadTrace(ctx: GraphQLContext, traceId: string): Promise<TraceSummary | null> {
  const stored = await ctx.loaders.traceById.load(traceId);
  if (stored) return stored;
  const tree = await ctx.loaders.treeOf(traceId);
  return tree.spans.length === 0 ? null : summarizeSpans(traceId, tree.spans);
}
