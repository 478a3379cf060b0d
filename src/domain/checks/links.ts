import { describe, parseSpanId, parseTraceId } from '../ids';
import { RejectionCode, type SpanLink } from '../span';
import { checkAttributes } from './attributes';
import { fail, type SpanCheck } from './check';

/** Links to other spans (OTLP `Span.Link`): W3C ids, lowercased, an optional trace state, attributes as on events. */
export const linksCheck: SpanCheck = {
  name: 'links',
  run(input, draft, ctx) {
    const list = input.links ?? [];
    if (!Array.isArray(list)) return fail(RejectionCode.INVALID_FIELD, `links: expected a list of links, received ${describe(list)}`);
    if (list.length > ctx.limits.maxLinksPerSpan) {
      return fail(RejectionCode.TOO_LARGE, `links: expected at most ${ctx.limits.maxLinksPerSpan} links, received ${list.length}`);
    }
    const out: SpanLink[] = [];
    for (let i = 0; i < list.length; i++) {
      const link = list[i];
      if (link === null || typeof link !== 'object') return fail(RejectionCode.INVALID_FIELD, `links[${i}]: expected an object, received ${describe(link)}`);
      const traceId = parseTraceId(link.traceId);
      if (!traceId.ok) return fail(RejectionCode.INVALID_FIELD, `links[${i}].traceId: ${traceId.reason}`);
      const spanId = parseSpanId(link.spanId);
      if (!spanId.ok) return fail(RejectionCode.INVALID_FIELD, `links[${i}].spanId: ${spanId.reason}`);
      const state = link.traceState ?? null;
      if (state !== null && typeof state !== 'string') return fail(RejectionCode.INVALID_FIELD, `links[${i}].traceState: expected a string, received ${describe(state)}`);
      if (state !== null && state.length > ctx.limits.maxStringLength) {
        return fail(RejectionCode.STRING_TOO_LONG, `links[${i}].traceState: expected at most ${ctx.limits.maxStringLength} characters, received ${state.length}`);
      }
      const attributes = checkAttributes(`links[${i}].attributes`, link.attributes, ctx.limits);
      if (!Array.isArray(attributes)) return attributes;
      out.push({ traceId: traceId.id, spanId: spanId.id, traceState: state === '' ? null : state, attributes });
    }
    draft.links = out;
    return null;
  },
};
