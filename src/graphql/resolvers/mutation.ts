import type { MutationResolvers } from '../../generated/graphql';
import { deleteTraces } from './erasure';

export const Mutation: MutationResolvers = {
  // The list is the request's own (its parsed variables, or their coerced copy), read by nothing after this
  // resolver: handed over, so its spans are not held for as long as the request waits on the store.
  submitSpans: (_root, { spans }, ctx) => ctx.ingest.submit(spans, 'graphql', { release: true }),
  deleteTraces,
};
