import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors';
import { counter } from '../metrics';
import { LiveGapSignal, type SlowConsumerSignal } from './bounded-stream';

/** Subscriptions the server ended with an error, by code (SLOW_CONSUMER, LIVE_GAP). */
export const subscriptionsEnded = counter('tracegate_live_subscriptions_ended_total', 'subscriptions the server ended with an error, by code', ['code']);

/** The error a subscriber gets, as its last message, when its queue overflowed. */
export function slowConsumerError(signal: SlowConsumerSignal): GraphQLError {
  if (signal instanceof LiveGapSignal) return liveGapError();
  subscriptionsEnded.inc({ code: ErrorCode.SLOW_CONSUMER });
  return new GraphQLError(
    `subscription cancelled: the client fell behind by more than ${signal.limit} spans (had ${signal.queued} queued); resubscribe to continue`,
    { extensions: { code: ErrorCode.SLOW_CONSUMER, limit: signal.limit } },
  );
}

/** The error a subscriber gets, as its last message, when the live source lost its place in the store's history. */
export function liveGapError(): GraphQLError {
  subscriptionsEnded.inc({ code: ErrorCode.LIVE_GAP });
  return new GraphQLError(
    'subscription ended: live updates lost their place in the store\'s change history, so spans stored meanwhile may be missing here; resubscribe with includeExisting: true to get them',
    { extensions: { code: ErrorCode.LIVE_GAP } },
  );
}
