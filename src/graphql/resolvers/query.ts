import type { FieldNode } from 'graphql';
import type { QueryResolvers } from '../../generated/graphql';
import { pageSize, spanIdArg, traceIdArg, traceQuery } from '../arguments';
import { loadTrace } from '../summary';
import { toConnection } from './connection';

export const Query: QueryResolvers = {
  trace(_root, { id }, ctx, info) {
    const traceId = traceIdArg('id', id);
    // When the selection reads the trace's spans, their find goes out with the summary's instead of after it
    // (the same commands: the spans are read either way, and also when the summary is missing).
    if (selectsSpans(info.fieldNodes)) ctx.loaders.spansByTrace.load(traceId).catch(() => undefined);
    return loadTrace(ctx, traceId);
  },
  async traces(_root, { filter, orderBy, first, after }, ctx) {
    const page = await ctx.store.searchTraces({
      query: traceQuery(filter, ctx.ingest.redactor),
      order: orderBy ?? 'START_TIME_DESC',
      first: pageSize(first),
      after: after ?? null,
    });
    return toConnection(page, ctx);
  },
  span: (_root, { traceId, spanId }, ctx) =>
    ctx.loaders.spanByKey.load({ traceId: traceIdArg('traceId', traceId), spanId: spanIdArg('spanId', spanId) }),
  async services(_root, _args, ctx) {
    const services = await ctx.store.listServices();
    for (const s of services) ctx.loaders.serviceByName.prime(s.name, s);
    return services;
  },
  service: (_root, { name }, ctx) => ctx.loaders.serviceByName.load(name),
};

// Private: whether a field's own selection (fragments not followed) names a field that reads the trace's spans.
function selectsSpans(nodes: readonly FieldNode[]): boolean {
  return nodes.some((node) => node.selectionSet?.selections.some((sel) => sel.kind === 'Field' && SPAN_FIELDS.has(sel.name.value)) ?? false);
}

const SPAN_FIELDS = new Set(['spans', 'rootSpan']);
