import { formatMicros } from '../../domain';
import type { ServiceRecord } from '../../store';
import type { TraceResolvers } from '../../generated/graphql';

export const Trace: TraceResolvers = {
  id: (trace) => trace.traceId,
  rootSpan: async (trace, _args, ctx) => (await ctx.loaders.treeOf(trace.traceId)).root,
  spans: async (trace, _args, ctx) => [...(await ctx.loaders.treeOf(trace.traceId)).spans],
  status: (trace) => (trace.errorCount > 0 ? 'ERROR' : 'OK'),
  async services(trace, _args, ctx) {
    const found = await ctx.loaders.serviceByName.loadMany(trace.services);
    // A service summary lags its spans by one write at most; such a service is left out until it lands.
    return found.filter((s): s is ServiceRecord => s !== null && !(s instanceof Error));
  },
  startTime: (trace) => formatMicros(trace.startUs),
  endTime: (trace) => formatMicros(trace.endUs),
  durationUs: (trace) => trace.durationUs,
};
