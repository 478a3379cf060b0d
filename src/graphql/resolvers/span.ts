import { ErrorCode, TracegateError } from '../../errors';
import { formatMicros } from '../../domain';
import type { SpanEventResolvers, SpanResolvers } from '../../generated/graphql';
import { loadTrace } from '../summary';

export const Span: SpanResolvers = {
  // parent and children come from the trace's already loaded spans: no store command per span.
  async parent(span, _args, ctx) {
    if (span.parentSpanId === null) return null;
    return (await ctx.loaders.treeOf(span.traceId)).span(span.parentSpanId);
  },
  children: async (span, _args, ctx) => [...(await ctx.loaders.treeOf(span.traceId)).children(span.spanId)],
  async trace(span, _args, ctx) {
    const trace = await loadTrace(ctx, span.traceId);
    // Only when the span expired between its own read and this one.
    if (!trace) throw new TracegateError(ErrorCode.INTERNAL, `trace ${span.traceId} has neither a summary nor spans`);
    return trace;
  },
  async service(span, _args, ctx) {
    const service = await ctx.loaders.serviceByName.load(span.service);
    // The service summary is written just after its spans; until it lands, describe it from this span.
    return service ?? { name: span.service, operations: [span.operation], spanCount: 1, firstSeenUs: span.startUs, lastSeenUs: span.endUs };
  },
  startTime: (span) => formatMicros(span.startUs),
  endTime: (span) => formatMicros(span.endUs),
};

export const SpanEvent: SpanEventResolvers = {
  time: (event) => formatMicros(event.timeUs),
};
