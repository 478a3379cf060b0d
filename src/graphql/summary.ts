import { summarizeSpans, type TraceSummary } from '../store';
import type { GraphQLContext } from './context';

/**
 * The stored summary, else one derived from the spans (the store acknowledged them, so they are readable
 * through their trace at once, even before the summary is written), else null (no such trace).
 */
export async function loadTrace(ctx: GraphQLContext, traceId: string): Promise<TraceSummary | null> {
  const stored = await ctx.loaders.traceById.load(traceId);
  if (stored) return stored;
  return summarizeSpans(traceId, (await ctx.loaders.treeOf(traceId)).spans);
}
