/**
 * Submits spans the way a well-behaved service does: one `submitSpans` mutation per batch over HTTP, retrying
 * what the gateway says is temporary (RATE_LIMITED, STORE_UNAVAILABLE, HTTP 429 / 503, dropped connections) with
 * capped exponential backoff and jitter, honouring Retry-After. Retrying is safe because ingest is idempotent
 * (a re-submitted span counts as a duplicate, not twice). Anything else fails the batch at once, and says why.
 */
import type * as http from 'node:http';
import { ErrorCode } from '../errors';
import type { SpanInput } from '../generated/graphql';
import { postJson, type HttpReply } from './http';

export const SUBMIT_SPANS_MUTATION =
  'mutation SubmitSpans($spans: [SpanInput!]!) { submitSpans(spans: $spans) { accepted duplicates rejected { index code message } } }';

/** HTTP statuses that mean "try again later". */
export const RETRYABLE_HTTP_STATUSES: readonly number[] = [429, 502, 503, 504];
/** Public error codes that mean "try again later". */
export const RETRYABLE_ERROR_CODES: readonly string[] = [ErrorCode.RATE_LIMITED, ErrorCode.STORE_UNAVAILABLE];

export interface RejectedSpan {
  index: number;
  code: string;
  message: string;
}

export type SubmitOutcome =
  | { kind: 'stored'; accepted: number; duplicates: number; rejected: RejectedSpan[]; attempts: number }
  | { kind: 'failed'; code: string; message: string; retryable: boolean; attempts: number };

export interface SubmitterOptions {
  /** The gateway's GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  agent: http.Agent;
  /** Attempts per batch including the first. Default 6. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  headers?: http.OutgoingHttpHeaders;
  /** Called before each retry (for counting). */
  onRetry?(reason: string, delayMs: number): void;
}

export class SpanSubmitter {
  private readonly url: URL;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: SubmitterOptions) {
    this.url = new URL(options.url);
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    if (!(Number.isInteger(this.maxAttempts) && this.maxAttempts >= 1)) {
      throw new RangeError(`maxAttempts must be an integer >= 1, but got: ${options.maxAttempts}`);
    }
  }

  async submit(spans: readonly SpanInput[]): Promise<SubmitOutcome> {
    return this.submitBody(submitSpansBody(spans));
  }

  /** Submits an already serialised request body (see `submitSpansBody`); the benchmark prepares its bodies ahead. */
  async submitBody(body: string): Promise<SubmitOutcome> {
    for (let attempt = 1; ; attempt++) {
      const verdict = await this.once(body);
      if (verdict.kind === 'stored') return { ...verdict.result, kind: 'stored', attempts: attempt };
      if (!verdict.retryable || attempt >= this.maxAttempts) {
        return { kind: 'failed', code: verdict.code, message: verdict.message, retryable: verdict.retryable, attempts: attempt };
      }
      const backoff = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
      // Full jitter, but never sooner than the server asked for.
      const delay = Math.max(verdict.retryAfterMs ?? 0, Math.round(Math.random() * backoff));
      this.options.onRetry?.(verdict.code, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  private async once(body: string): Promise<Verdict> {
    let reply: HttpReply;
    try {
      reply = await postJson(this.url, body, this.options.agent, this.timeoutMs, this.options.headers);
    } catch (e) {
      return { kind: 'error', code: 'NETWORK', message: e instanceof Error ? e.message : String(e), retryable: true };
    }
    return classify(reply);
  }
}

/** The JSON body of one submitSpans request. */
export function submitSpansBody(spans: readonly SpanInput[]): string {
  return JSON.stringify({ query: SUBMIT_SPANS_MUTATION, variables: { spans } });
}

type Verdict =
  | { kind: 'stored'; result: { accepted: number; duplicates: number; rejected: RejectedSpan[] } }
  | { kind: 'error'; code: string; message: string; retryable: boolean; retryAfterMs?: number };

/** Reads a gateway reply: a stored batch, or an error with its public code and whether to retry. */
export function classify(reply: HttpReply): Verdict {
  const retryAfterMs = parseRetryAfter(reply.headers['retry-after']);
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.body);
  } catch {
    const retryable = RETRYABLE_HTTP_STATUSES.includes(reply.status);
    return { kind: 'error', code: `HTTP_${reply.status}`, message: `non-JSON reply (HTTP ${reply.status}): ${reply.body.slice(0, 200)}`, retryable, retryAfterMs };
  }
  const obj = (parsed ?? {}) as {
    data?: { submitSpans?: { accepted: number; duplicates: number; rejected: RejectedSpan[] } | null } | null;
    errors?: { message?: string; extensions?: { code?: string } }[];
    code?: string;
    message?: string;
  };
  const result = obj.data?.submitSpans;
  if (reply.status === 200 && result && !obj.errors?.length) return { kind: 'stored', result };
  const first = obj.errors?.[0];
  const code = first?.extensions?.code ?? obj.code ?? `HTTP_${reply.status}`;
  const message = first?.message ?? obj.message ?? `HTTP ${reply.status} without a GraphQL result`;
  const retryable = RETRYABLE_ERROR_CODES.includes(code) || RETRYABLE_HTTP_STATUSES.includes(reply.status);
  return { kind: 'error', code, message, retryable, retryAfterMs };
}

// Private: Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3).
function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
