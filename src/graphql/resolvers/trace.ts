import type { ServiceRecord } from '../../store';
import type { SpanRecord, TraceTree } from '../../domain';
import type { GraphQLContext } from '../context';
import type { TraceResolvers } from '../../generated/graphql';

export const Trace: TraceResolvers = {
  rootSpan: (trace, _args, ctx) => fromTree(ctx, trace.traceId, (tree) => tree.root),
  spans: (trace, _args, ctx) => fromTree(ctx, trace.traceId, (tree) => [...tree.spans]),
  async services(trace, _args, ctx) {
    const found = await ctx.loaders.serviceByName.loadMany(trace.services);
    const missing = trace.services.filter((_name, i) => found[i] === null);
    const standIns = missing.length === 0 ? new Map<string, ServiceRecord>() : describeFromSpans(missing, (await ctx.loaders.treeOf(trace.traceId)).spans);
    return trace.services.flatMap((name, i) => {
      const s = found[i];
      if (s instanceof Error) throw s;
      const record = s ?? standIns.get(name);
      return record ? [record] : [];
    });
  },
};

// Private: `pick` of the trace's tree; synchronous when the tree is already loaded in this request (a trace read
// from its spans), which saves the promises of a second read through the loader.
function fromTree<T>(ctx: GraphQLContext, traceId: string, pick: (tree: TraceTree) => T): T | Promise<T> {
  const tree = ctx.loaders.treeNow(traceId);
  return tree ? pick(tree) : ctx.loaders.treeOf(traceId).then(pick);
}

// Private: a service summary is written just after its spans (a live update can run in between); until it
// lands, the service is described from this trace's spans, as Span.service does from its one span.
function describeFromSpans(names: readonly string[], spans: readonly SpanRecord[]): Map<string, ServiceRecord> {
  const out = new Map<string, ServiceRecord>();
  for (const name of names) {
    const own = spans.filter((s) => s.service === name);
    if (own.length === 0) continue;
    out.set(name, {
      name,
      operations: [...new Set(own.map((s) => s.operation))].sort(),
      spanCount: own.length,
      firstSeenUs: Math.min(...own.map((s) => s.startUs)),
      lastSeenUs: Math.max(...own.map((s) => s.endUs)),
    });
  }
  return out;
}
