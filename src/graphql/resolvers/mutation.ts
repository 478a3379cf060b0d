import type { MutationResolvers } from '../../generated/graphql';

export const Mutation: MutationResolvers = {
  submitSpans: (_root, { spans }, ctx) => ctx.ingest.submit(spans),
};
