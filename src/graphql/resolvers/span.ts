import { ErrorCode, TracegateError } from '../../errors';
import type { SpanRecord } from '../../domain';
import type { ServiceRecord } from '../../store';
import type { SpanResolvers } from '../../generated/graphql';
import { selectsNameOnly } from '../projection';
import { loadTrace } from '../summary';

export const Span: SpanResolvers = {
  // parent and children come from the trace's already loaded spans: no store command per span.
  // Synchronous when the trace's tree is already loaded in this request (spans reached through it), which
  // saves a promise per field; otherwise through the loader.
  parent(span, _args, ctx) {
    const parentSpanId = span.parentSpanId;
    if (parentSpanId === null) return null;
    const tree = ctx.loaders.treeNow(span.traceId);
    if (tree) return tree.span(parentSpanId);
    return ctx.loaders.treeOf(span.traceId).then((t) => t.span(parentSpanId));
  },
  children(span, _args, ctx) {
    const tree = ctx.loaders.treeNow(span.traceId);
    if (tree) return [...tree.children(span.spanId)];
    return ctx.loaders.treeOf(span.traceId).then((t) => [...t.children(span.spanId)]);
  },
  async trace(span, _args, ctx) {
    const trace = await loadTrace(ctx, span.traceId);
    // Only when the span expired between its own read and this one.
    if (!trace) throw new TracegateError(ErrorCode.INTERNAL, `trace ${span.traceId} has neither a summary nor spans`);
    return trace;
  },
  service(span, _args, ctx, info) {
    // A selection of the name alone needs no read: the name is the span's own.
    if (selectsNameOnly(info.fieldNodes)) return describeFromSpan(span);
    // The service summary is written just after its spans; until it lands, describe it from this span.
    return ctx.loaders.serviceByName.load(span.service).then((service) => service ?? describeFromSpan(span));
  },
  redactedCount: (span) => span.redactedCount ?? 0,
};

// Private: the service as this one span shows it.
function describeFromSpan(span: SpanRecord): ServiceRecord {
  return { name: span.service, operations: [span.operation], spanCount: 1, firstSeenUs: span.startUs, lastSeenUs: span.endUs };
}
