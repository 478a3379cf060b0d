import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { QueryResolvers } from '../../generated/graphql';
import { summarizeSpans, type TraceSummary } from '../../store';
import { pageSize, spanIdArg, traceIdArg, traceQuery } from '../arguments';
import type { GraphQLContext } from '../context';
import { loadTrace } from '../summary';
import { toConnection } from './connection';

export const Query: QueryResolvers = {
  trace(_root, { id }, ctx, info) {
    const traceId = traceIdArg('id', id);
    // A selection that reads the trace's spans reads them alone: the trace's fields derive from its spans (as
    // the stored summary does, and as current as the spans listed with them), one store command instead of
    // two. A trace without spans falls back to the stored summary.
    if (selectsSpans(info.fieldNodes, info.fragments)) return traceFromSpans(ctx, traceId);
    return loadTrace(ctx, traceId);
  },
  async traces(_root, { filter, orderBy, first, after }, ctx) {
    const page = await ctx.store.searchTraces({
      query: traceQuery(filter, ctx.ingest.redactor),
      order: orderBy ?? 'START_TIME_DESC',
      first: pageSize(first),
      after: after ?? null,
      ...(ctx.traceParts ? { parts: ctx.traceParts } : {}),
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

// Private: the trace as its spans describe it, shared with the request's other readers of this trace
// (Span.trace); the stored summary when it has no spans.
async function traceFromSpans(ctx: GraphQLContext, traceId: string): Promise<TraceSummary | null> {
  const summary = summarizeSpans(traceId, (await ctx.loaders.treeOf(traceId)).spans);
  if (!summary) return loadTrace(ctx, traceId);
  ctx.loaders.traceById.prime(traceId, summary);
  return ctx.loaders.traceById.load(traceId);
}

// Private: whether a field's selection (through fragments) names a field that reads the trace's spans; kept per
// field node when there is one (a parsed document is the same object for every request of one query, and its
// fragments with it).
function selectsSpans(nodes: readonly FieldNode[], fragments: Readonly<Record<string, FragmentDefinitionNode>>): boolean {
  if (nodes.length !== 1) return findsSpans(nodes, fragments);
  const node = nodes[0]!;
  let known = spanSelections.get(node);
  if (known === undefined) spanSelections.set(node, (known = findsSpans(nodes, fragments)));
  return known;
}

const spanSelections = new WeakMap<FieldNode, boolean>();

function findsSpans(nodes: readonly FieldNode[], fragments: Readonly<Record<string, FragmentDefinitionNode>>): boolean {
  const seen = new Set<string>();
  const inSet = (set: SelectionSetNode | undefined): boolean =>
    set?.selections.some((sel) => {
      if (sel.kind === Kind.FIELD) return SPAN_FIELDS.has(sel.name.value);
      if (sel.kind === Kind.INLINE_FRAGMENT) return inSet(sel.selectionSet);
      if (seen.has(sel.name.value)) return false;
      seen.add(sel.name.value);
      return inSet(fragments[sel.name.value]?.selectionSet);
    }) ?? false;
  return nodes.some((node) => inSet(node.selectionSet));
}

const SPAN_FIELDS = new Set(['spans', 'rootSpan', 'criticalPath']);
