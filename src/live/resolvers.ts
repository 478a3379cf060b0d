import { ErrorCode, TracegateError } from '../errors';
import { parseTraceId } from '../domain';
import { summarizeSpans, type StoredSpan, type TraceSummary } from '../store';
import { SlowConsumerSignal } from './bounded-stream';
import { slowConsumerError } from './errors';
import { executionState } from './execution-state';
import type { LiveBatch, LiveHub } from './hub';
import { LiveSpanFilter, type SpanFilterInput } from './span-filter';
import { withExisting } from './with-existing';

export interface LiveResolverDeps {
  hub: LiveHub<StoredSpan>;
  /** Every stored span of a trace (the store's order), read now. */
  spansOfTrace(traceId: string): Promise<readonly StoredSpan[]>;
  /**
   * Called once per event before its execution, with the execution's context: a subscription's context lives
   * as long as the subscription, so per-request caches (DataLoaders) must be renewed per event or the second
   * message would show the first one's data.
   */
  renewContext?(context: unknown): void;
}

/** What a `TraceUpdate` resolves from: one live batch of one trace. */
export interface TraceUpdateModel {
  readonly traceId: string;
  readonly spans: readonly StoredSpan[];
  /** The hub batch it came from, shared by every subscriber of the trace: the snapshot's memo key. */
  readonly batch: object;
}

/** What a `SpanBatch` resolves from. */
export type SpanBatchModel = LiveBatch<StoredSpan>;

type Payload = LiveBatch<StoredSpan> | SlowConsumerSignal;

/**
 * The `Subscription` resolvers and the live types' field resolvers. Payloads are hub batches shared by every
 * subscriber of a topic, so the trace snapshot is memoised per batch: one store read per event, not per
 * subscriber.
 */
export function liveResolvers(deps: LiveResolverDeps) {
  const snapshots = new WeakMap<object, Promise<TraceSummary>>();

  const beginEvent = (payload: Payload, context: unknown): LiveBatch<StoredSpan> => {
    if (payload instanceof SlowConsumerSignal) throw slowConsumerError(payload);
    executionState(context).lastWeight = Math.max(1, payload.spans.length);
    deps.renewContext?.(context);
    return payload;
  };

  return {
    Subscription: {
      traceUpdated: {
        subscribe(_root: unknown, args: { traceId: string; includeExisting?: boolean | null }, context: unknown): AsyncIterableIterator<Payload> {
          const parsed = parseTraceId(args.traceId);
          if (!parsed.ok) throw new TracegateError(ErrorCode.BAD_USER_INPUT, `traceUpdated(traceId): ${parsed.reason}`);
          const live = deps.hub.subscribeTrace(parsed.id);
          if (!args.includeExisting) return live;
          // The first message depends on when this subscriber arrived: its execution is never shared.
          executionState(context).exclusive = true;
          return withExisting(live, () => deps.spansOfTrace(parsed.id));
        },
        resolve(payload: Payload, _args: unknown, context: unknown): TraceUpdateModel {
          const batch = beginEvent(payload, context);
          return { traceId: (batch.spans[0] as StoredSpan).traceId, spans: batch.spans, batch };
        },
      },
      spansReceived: {
        subscribe(_root: unknown, args: { filter?: SpanFilterInput | null }): AsyncIterableIterator<Payload> {
          return deps.hub.subscribeSpans(new LiveSpanFilter(args.filter));
        },
        resolve(payload: Payload, _args: unknown, context: unknown): SpanBatchModel {
          return beginEvent(payload, context);
        },
      },
    },
    TraceUpdate: {
      trace(update: TraceUpdateModel): Promise<TraceSummary> {
        let snapshot = snapshots.get(update.batch);
        if (!snapshot) {
          snapshot = deps.spansOfTrace(update.traceId).then((spans) => summarizeSpans(update.traceId, spans) ?? summarizeSpans(update.traceId, update.spans)!);
          snapshots.set(update.batch, snapshot);
        }
        return snapshot;
      },
      spans: (update: TraceUpdateModel) => update.spans,
    },
    SpanBatch: {
      spans: (batch: SpanBatchModel) => batch.spans,
    },
  };
}
