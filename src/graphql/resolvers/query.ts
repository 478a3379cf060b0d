import type { QueryResolvers } from '../../generated/graphql';
import { pageSize, spanIdArg, traceIdArg, traceQuery } from '../arguments';
import { loadTrace } from '../summary';
import { toConnection } from './connection';

export const Query: QueryResolvers = {
  trace: (_root, { id }, ctx) => loadTrace(ctx, traceIdArg('id', id)),
  async traces(_root, { filter, orderBy, first, after }, ctx) {
    const page = await ctx.store.searchTraces({
      query: traceQuery(filter),
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
