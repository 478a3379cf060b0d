import type { MutationResolvers } from '../../generated/graphql';
import { deleteTraces } from './erasure';

export const Mutation: MutationResolvers = {
  submitSpans: (_root, { spans }, ctx) => ctx.ingest.submit(spans),
  deleteTraces,
};
