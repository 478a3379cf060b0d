import { parseSpanId, parseTraceId } from '../ids';
import { RejectionCode } from '../span';
import { fail, type SpanCheck } from './check';

/** W3C ids, lowercased; a span cannot be its own parent. */
export const idsCheck: SpanCheck = {
  name: 'ids',
  run(input, draft) {
    const traceId = parseTraceId(input.traceId);
    if (!traceId.ok) return fail(RejectionCode.INVALID_TRACE_ID, `traceId: ${traceId.reason}`);
    const spanId = parseSpanId(input.spanId);
    if (!spanId.ok) return fail(RejectionCode.INVALID_SPAN_ID, `spanId: ${spanId.reason}`);
    let parentSpanId: string | null = null;
    if (input.parentSpanId != null) {
      const parent = parseSpanId(input.parentSpanId);
      if (!parent.ok) return fail(RejectionCode.INVALID_PARENT_SPAN_ID, `parentSpanId: ${parent.reason}`);
      if (parent.id === spanId.id) {
        return fail(RejectionCode.INVALID_PARENT_SPAN_ID, `parentSpanId: expected an id other than the span's own, received ${parent.id}`);
      }
      parentSpanId = parent.id;
    }
    draft.traceId = traceId.id;
    draft.spanId = spanId.id;
    draft.parentSpanId = parentSpanId;
    return null;
  },
};
