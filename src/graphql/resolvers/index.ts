/** The gateway core's resolvers (Subscription resolvers live in src/live and are merged by createSchema). */
import type { Resolvers } from '../../generated/graphql';
import { DateTimeScalar, JSONScalar } from '../scalars';
import { Mutation } from './mutation';
import { Query } from './query';
import { Service } from './service';
import { SpanLink } from './links';
import { Span } from './span';
import { Trace } from './trace';

export { analyticsResolvers, type AnalyticsResolverDeps, type ServiceSpanFeed } from './analytics';

export const coreResolvers: Resolvers = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query,
  Mutation,
  Trace,
  Span,
  SpanLink,
  Service,
};
