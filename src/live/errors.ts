import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors';
import type { SlowConsumerSignal } from './bounded-stream';

/** The error a subscriber gets, as its last message, when its queue overflowed. */
export function slowConsumerError(signal: SlowConsumerSignal): GraphQLError {
  return new GraphQLError(
    `subscription cancelled: the client fell behind by more than ${signal.limit} spans (had ${signal.queued} queued); resubscribe to continue`,
    { extensions: { code: ErrorCode.SLOW_CONSUMER, limit: signal.limit } },
  );
}
