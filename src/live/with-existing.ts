import { SlowConsumerSignal } from './bounded-stream';
import type { LiveBatch, LiveStream } from './hub';
import type { LiveSpan } from './types';

type Phase = 'initial' | 'live' | 'done';

/**
 * `traceUpdated(includeExisting: true)`: the first batch is every span stored so far, then the live batches,
 * with no gap and no duplicate.
 *
 * Why no gap: `live` is subscribed BEFORE `loadExisting` reads, so a span stored during the read is in the live
 * queue if not in the read. The read waits for `live.whenLive()`: the hub opens its source only once someone
 * subscribes, and a span stored between the subscribe and that opening is in the read. Why no duplicate: a span can be in both (stored after the subscribe but before the
 * read, or its change event lagging behind the read); live spans whose id the read returned are dropped. Span
 * ids are unique within a trace and each stored span is delivered live at most once, so an id is dropped at most
 * once and then forgotten.
 */
export function withExisting<S extends LiveSpan>(
  live: LiveStream<S>,
  loadExisting: () => Promise<readonly S[]>,
): AsyncIterableIterator<LiveBatch<S> | SlowConsumerSignal> {
  let phase: Phase = 'initial';
  let seen = new Set<string>();

  const pullLive = async (): Promise<IteratorResult<LiveBatch<S> | SlowConsumerSignal>> => {
    for (;;) {
      const result = await live.next();
      if (result.done || result.value instanceof SlowConsumerSignal || seen.size === 0) return result;
      const fresh = result.value.spans.filter((span) => !seen.delete(span.spanId));
      if (fresh.length === result.value.spans.length) return result;
      if (fresh.length > 0) return { value: { spans: fresh }, done: false };
    }
  };

  const iterator: AsyncIterableIterator<LiveBatch<S> | SlowConsumerSignal> = {
    async next() {
      switch (phase) {
        case 'initial': {
          phase = 'live';
          let existing: readonly S[];
          try {
            await live.whenLive();
            existing = await loadExisting();
          } catch (err) {
            phase = 'done';
            await live.return();
            throw err;
          }
          seen = new Set(existing.map((span) => span.spanId));
          if (existing.length > 0) return { value: { spans: existing }, done: false };
          return pullLive();
        }
        case 'live':
          return pullLive();
        case 'done':
          return { value: undefined, done: true };
      }
    },
    async return() {
      phase = 'done';
      seen.clear();
      await live.return();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      phase = 'done';
      await live.return();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
