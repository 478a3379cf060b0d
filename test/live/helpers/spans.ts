/** SpanInput values for integration tests: valid ids and times, one call chain per trace. */
import { randomBytes } from 'node:crypto';

export interface SpanInput {
  traceId: string;
  spanId: string;
  parentSpanId?: string | null;
  service: string;
  operation: string;
  startTime: string;
  endTime: string;
  status?: 'UNSET' | 'OK' | 'ERROR';
}

export const newTraceId = (): string => randomBytes(16).toString('hex');
export const newSpanId = (): string => randomBytes(8).toString('hex');

const BASE_MS = Date.now() - 60_000;

/** A span of `durationUs` µs starting `offsetUs` µs after a fixed base. */
export function spanInput(fields: Partial<SpanInput> & { durationUs?: number; offsetUs?: number } = {}): SpanInput {
  const { durationUs = 1000, offsetUs = 0, ...rest } = fields;
  const startUs = BASE_MS * 1000 + offsetUs;
  return {
    traceId: rest.traceId ?? newTraceId(),
    spanId: rest.spanId ?? newSpanId(),
    parentSpanId: rest.parentSpanId ?? null,
    service: rest.service ?? 'checkout',
    operation: rest.operation ?? 'POST /orders',
    startTime: isoUs(startUs),
    endTime: isoUs(startUs + durationUs),
    status: rest.status ?? 'OK',
  };
}

function isoUs(us: number): string {
  const ms = Math.floor(us / 1000);
  const frac = String(us % 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace('Z', `${frac}Z`);
}

export const SUBMIT = `mutation($spans: [SpanInput!]!) { submitSpans(spans: $spans) { accepted duplicates rejected { index code message } } }`;
