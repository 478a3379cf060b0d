/**
 * Overload protection for ingest: a cap on the spans being validated and written at once.
 *
 * When the store is slow, requests would otherwise pile up in memory without bound. Above the cap a request is
 * refused at once with RATE_LIMITED (HTTP 429 + Retry-After) before any of its work starts; a request that was
 * admitted runs to the end and is answered only after the store acknowledged it, so nothing acknowledged is
 * ever dropped. One limiter per gateway process is shared by the GraphQL mutation and the OTLP/Zipkin routes.
 */
import { DEFAULT_RETRY_AFTER_SECONDS } from '../error-edge';
import { ErrorCode, TracegateError } from '../errors';
import { DEFAULT_MAX_INFLIGHT_SPANS, type IngestAdmission } from '../ingest';

export { DEFAULT_MAX_INFLIGHT_SPANS };
export { DEFAULT_RETRY_AFTER_SECONDS };

export interface IngestLimiterStats {
  readonly inFlightSpans: number;
  readonly inFlightRequests: number;
  readonly refused: number;
}

export class IngestLimiter implements IngestAdmission {
  private spans = 0;
  private requests = 0;
  private refusedCount = 0;

  /**
   * @param capacity spans that may be in flight at once. A request is admitted when its spans fit, or when
   *   nothing else is in flight (so one request of the maximum size is always possible on an idle gateway).
   */
  constructor(
    readonly capacity: number = DEFAULT_MAX_INFLIGHT_SPANS,
    readonly retryAfterSeconds: number = DEFAULT_RETRY_AFTER_SECONDS,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`IngestLimiter capacity: expected a positive integer, received ${capacity}`);
    if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 1) {
      throw new RangeError(`IngestLimiter retryAfterSeconds: expected a positive integer, received ${retryAfterSeconds}`);
    }
  }

  stats(): IngestLimiterStats {
    return { inFlightSpans: this.spans, inFlightRequests: this.requests, refused: this.refusedCount };
  }

  /**
   * Runs `work` holding `spanCount` units of capacity; throws a RATE_LIMITED TracegateError at once, without
   * calling `work`, when they are not free.
   */
  async run<T>(spanCount: number, work: () => Promise<T>): Promise<T> {
    const units = Math.max(1, spanCount);
    if (this.requests > 0 && this.spans + units > this.capacity) {
      this.refusedCount++;
      throw new TracegateError(
        ErrorCode.RATE_LIMITED,
        `Ingest is at capacity: ${this.spans} spans in flight, cap ${this.capacity}, this request has ${spanCount}. Nothing of it was stored; retry after ${this.retryAfterSeconds} s.`,
        { retryAfterSeconds: this.retryAfterSeconds },
      );
    }
    this.spans += units;
    this.requests++;
    try {
      return await work();
    } finally {
      this.spans -= units;
      this.requests--;
    }
  }
}
