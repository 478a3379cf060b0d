import { ErrorCode, TracegateError } from '../errors';
import type { LiveSpan, LiveStatus } from './types';

const STATUSES: readonly LiveStatus[] = ['UNSET', 'OK', 'ERROR'];

/** The `SpanFilter` input as GraphQL hands it over: every field optional, possibly null. */
export interface SpanFilterInput {
  service?: string | null;
  operation?: string | null;
  status?: string | null;
  minDurationUs?: number | null;
}

/**
 * A validated filter: checked once at construction (the edge), then used as the matching predicate and, through
 * `key`, to group subscribers with the same filter so a batch is computed once for all of them.
 */
export class LiveSpanFilter {
  readonly service: string | undefined;
  readonly operation: string | undefined;
  readonly status: LiveStatus | undefined;
  readonly minDurationUs: number | undefined;
  /** Equal for equal filters, whatever the field order or null/absent spelling. */
  readonly key: string;

  constructor(input: SpanFilterInput | null | undefined) {
    const raw = input ?? {};
    this.service = optionalString(raw.service, 'service');
    this.operation = optionalString(raw.operation, 'operation');
    if (raw.status != null && !STATUSES.includes(raw.status as LiveStatus)) {
      throw badInput(`filter.status: expected one of ${STATUSES.join(', ')}, received ${JSON.stringify(raw.status)}`);
    }
    this.status = (raw.status ?? undefined) as LiveStatus | undefined;
    if (raw.minDurationUs != null && !(Number.isFinite(raw.minDurationUs) && raw.minDurationUs >= 0)) {
      throw badInput(`filter.minDurationUs: expected a finite number >= 0, received ${String(raw.minDurationUs)}`);
    }
    this.minDurationUs = raw.minDurationUs ?? undefined;
    this.key = JSON.stringify([this.service ?? null, this.operation ?? null, this.status ?? null, this.minDurationUs ?? null]);
  }

  matches(span: LiveSpan): boolean {
    return (
      (this.service === undefined || span.service === this.service) &&
      (this.operation === undefined || span.operation === this.operation) &&
      (this.status === undefined || span.status === this.status) &&
      (this.minDurationUs === undefined || span.durationUs >= this.minDurationUs)
    );
  }
}

// Private: GraphQL already types these; the checks guard callers that bypass it.
function optionalString(value: unknown, field: string): string | undefined {
  if (value == null) return undefined;
  if (typeof value !== 'string') throw badInput(`filter.${field}: expected a string, received ${typeof value}`);
  return value;
}

function badInput(message: string): TracegateError {
  return new TracegateError(ErrorCode.BAD_USER_INPUT, message);
}
