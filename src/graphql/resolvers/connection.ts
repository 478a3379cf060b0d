import type { TracePage } from '../../store';
import type { GraphQLContext } from '../context';
import type { TraceConnectionModel } from '../models';

/** A store page as a Relay-style connection; its traces primed into the request's trace loader. */
export function toConnection(page: TracePage, ctx: GraphQLContext): TraceConnectionModel {
  for (const item of page.items) ctx.loaders.traceById.prime(item.trace.traceId, item.trace);
  return {
    edges: page.items.map((i) => ({ cursor: i.cursor, node: i.trace })),
    nodes: page.items.map((i) => i.trace),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.items.at(-1)?.cursor ?? null },
  };
}
