import type { ServiceResolvers } from '../../generated/graphql';
import { pageSize } from '../arguments';
import { toConnection } from './connection';

export const Service: ServiceResolvers = {
  firstSeen: (service) => service.firstSeenUs,
  lastSeen: (service) => service.lastSeenUs,
  async traces(service, { first, after }, ctx) {
    const page = await ctx.store.searchTraces({
      query: { service: service.name },
      order: 'START_TIME_DESC',
      first: pageSize(first),
      after: after ?? null,
      ...(ctx.traceParts ? { parts: ctx.traceParts } : {}),
    });
    return toConnection(page, ctx);
  },
};
