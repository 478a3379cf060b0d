/**
 * One ingest check: validates one aspect of a `SpanInputShape` and writes the normalised fields of that
 * aspect into the draft record. The first failing check rejects the span; nothing of it is kept.
 */
import type { IngestLimits } from '../limits';
import type { RejectionCode, SpanInputShape, SpanRecord } from '../span';
import type { Micros } from '../time';

export interface CheckContext {
  readonly limits: IngestLimits;
  /** The server clock when the batch arrived, for the future-skew cap. */
  readonly nowUs: Micros;
}

export interface CheckFailure {
  code: RejectionCode;
  message: string;
}

export type SpanDraft = Partial<SpanRecord>;

export interface SpanCheck {
  readonly name: string;
  run(input: SpanInputShape, draft: SpanDraft, ctx: CheckContext): CheckFailure | null;
}

export function fail(code: RejectionCode, message: string): CheckFailure {
  return { code, message };
}
