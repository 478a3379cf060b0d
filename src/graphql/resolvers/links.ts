import type { SpanLinkResolvers } from '../../generated/graphql';

/** The linked span, batched with every other span-by-key read of the request (one store command). */
export const SpanLink: SpanLinkResolvers = {
  span: (link, _args, ctx) => ctx.loaders.spanByKey.load({ traceId: link.traceId, spanId: link.spanId }),
};
