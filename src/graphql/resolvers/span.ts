import { ErrorCode, TracegateError } from '../../errors';
import { formatMicros } from '../../domain';
import type { SpanEventResolvers, SpanResolvers } from '../../generated/graphql';
import type { StoredSpan, TraceSummary } from '../../store';

// Private: the same figures the store keeps on ingest, from a trace's spans.
function summarize(traceId: string, spans: readonly StoredSpan[]): TraceSummary {
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

export const Span: SpanResolvers = {
  // parent and children come from the trace's already loaded spans: no store command per span.
  async parent(span, _args, ctx) {
    if (span.parentSpanId === null) return null;
    return (await ctx.loaders.treeOf(span.traceId)).span(span.parentSpanId);
  },
  children: async (span, _args, ctx) => [...(await ctx.loaders.treeOf(span.traceId)).children(span.spanId)],
  async trace(span, _args, ctx) {
    const trace = await ctx.loaders.traceById.load(span.traceId);
    if (trace) return trace;
    // The summary is written just after its spans: until it lands, derive it from the spans themselves.
    const tree = await ctx.loaders.treeOf(span.traceId);
    if (tree.spans.length === 0) throw new TracegateError(ErrorCode.INTERNAL, `trace ${span.traceId} has neither a summary nor spans`);
    return summarize(span.traceId, tree.spans);
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
