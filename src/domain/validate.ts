/**
 * Span validation and normalisation: each input runs through SPAN_CHECKS; the result is the normalised
 * records of the valid spans and a rejection per invalid one, by index. Whole-request caps are separate
 * (`assertBatchWithinLimits`) because they fail the request, not a span.
 */
import { ErrorCode, TracegateError } from '../errors';
import { SPAN_CHECKS, type CheckContext } from './checks';
import type { IngestLimits } from './limits';
import type { Rejection, SpanInputShape, SpanRecord } from './span';
import type { Micros } from './time';

export interface ValidSpan {
  /** Position in the submitted list. */
  index: number;
  record: SpanRecord;
}

export interface ValidationResult {
  valid: ValidSpan[];
  rejected: Rejection[];
}

export function validateSpans(inputs: readonly SpanInputShape[], limits: IngestLimits, nowUs: Micros = Date.now() * 1000): ValidationResult {
  const ctx: CheckContext = { limits, nowUs };
  const valid: ValidSpan[] = [];
  const rejected: Rejection[] = [];
  inputs.forEach((input, index) => {
    const outcome = validateSpan(input, ctx);
    if ('code' in outcome) rejected.push({ index, code: outcome.code, message: outcome.message });
    else valid.push({ index, record: outcome });
  });
  return { valid, rejected };
}

/** One span through every check; the normalised record, or the first failure. */
export function validateSpan(input: SpanInputShape, ctx: CheckContext): SpanRecord | { code: Rejection['code']; message: string } {
  const draft: Partial<SpanRecord> = {};
  for (const check of SPAN_CHECKS) {
    const failure = check.run(input, draft, ctx);
    if (failure) return failure;
  }
  return draft as SpanRecord;
}

/** The whole-request cap on spans: above it nothing is validated or stored. */
export function assertBatchWithinLimits(inputs: readonly unknown[], limits: IngestLimits): void {
  if (!Array.isArray(inputs)) {
    throw new TracegateError(ErrorCode.BAD_USER_INPUT, `spans: expected a list of spans, received ${typeof inputs}`);
  }
  if (inputs.length > limits.maxSpansPerRequest) {
    throw new TracegateError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `spans: expected at most ${limits.maxSpansPerRequest} spans per request, received ${inputs.length}; nothing was stored`,
      { limit: limits.maxSpansPerRequest, received: inputs.length },
    );
  }
}
