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

/**
 * Admission before memory: a bound on the request body bytes the gateway holds at once, decided from the
 * request's headers before any of its body is read. A body of declared length counts that length; a gzip body
 * or one without Content-Length (chunked) counts as the body cap, which is what it may inflate or stream to.
 * Held until the response is finished, since what the body parses into lives that long. A request that does
 * not fit is refused with RATE_LIMITED (429 + Retry-After); one request is always admitted when nothing else is
 * in flight, so a body up to the body cap can always get through on an idle gateway.
 */
export class BodyAdmission {
  private bytes = 0;
  private requests = 0;
  private refusedCount = 0;

  constructor(
    readonly capacityBytes: number,
    readonly maxBodyBytes: number,
    readonly retryAfterSeconds: number = DEFAULT_RETRY_AFTER_SECONDS,
  ) {
    if (!Number.isInteger(capacityBytes) || capacityBytes < 1) throw new RangeError(`BodyAdmission capacity: expected a positive integer (bytes), received ${capacityBytes}`);
  }

  stats(): { inFlightBytes: number; inFlightRequests: number; refused: number } {
    return { inFlightBytes: this.bytes, inFlightRequests: this.requests, refused: this.refusedCount };
  }

  /** The bytes a request will hold, from its headers; 0 for a request without a body. */
  weigh(headers: { 'content-length'?: string | undefined; 'content-encoding'?: string | undefined; 'transfer-encoding'?: string | undefined }): number {
    const declared = headers['content-length'] === undefined ? NaN : Number(headers['content-length']);
    const coded = (headers['content-encoding'] ?? '').trim() !== '' && headers['content-encoding']!.trim().toLowerCase() !== 'identity';
    if (Number.isFinite(declared) && !coded) return Math.min(declared, this.maxBodyBytes);
    if (!Number.isFinite(declared) && headers['transfer-encoding'] === undefined) return 0;
    return this.maxBodyBytes;
  }

  /** Holds `bytes` and returns their release (idempotent), or throws RATE_LIMITED without holding anything. */
  admit(bytes: number): () => void {
    if (bytes <= 0) return () => undefined;
    if (this.requests > 0 && this.bytes + bytes > this.capacityBytes) {
      this.refusedCount++;
      throw new TracegateError(
        ErrorCode.RATE_LIMITED,
        `The gateway is holding ${this.bytes} bytes of request bodies, cap ${this.capacityBytes}; this request's body counts ${bytes}. Nothing of it was read; retry after ${this.retryAfterSeconds} s.`,
        { retryAfterSeconds: this.retryAfterSeconds },
      );
    }
    this.bytes += bytes;
    this.requests++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.bytes -= bytes;
      this.requests--;
    };
  }
}

/** The default bound on request body bytes in flight: a twentieth of the V8 heap limit, at least 8 MiB. */
export function defaultMaxInflightBytes(heapLimitBytes: number): number {
  return Math.max(8 * 1024 * 1024, Math.floor(heapLimitBytes / 20));
}
