/** Span inputs for gateway tests: ids and times built from small numbers so tests read plainly. */
import { randomBytes } from 'node:crypto';

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

export function spanId(n: number): string {
  return (n + 1).toString(16).padStart(16, '0');
}

/** 2026-11-20T10:00:00Z plus `us` microseconds, as a DateTime string with 6 fraction digits. */
export function at(us: number, base = Date.UTC(2026, 10, 20, 10)): string {
  const ms = base + Math.floor(us / 1000);
  const micro = us - Math.floor(us / 1000) * 1000;
  return `${new Date(ms).toISOString().slice(0, -1)}${String(micro).padStart(3, '0')}Z`;
}

export interface SpanOptions {
  traceId: string;
  n: number;
  parent?: number | null;
  service?: string;
  operation?: string;
  startUs?: number;
  durationUs?: number;
  status?: 'UNSET' | 'OK' | 'ERROR';
  attributes?: { key: string; value: unknown }[];
  base?: number;
}

export function span(o: SpanOptions): Record<string, unknown> {
  const start = o.startUs ?? o.n * 100;
  return {
    traceId: o.traceId,
    spanId: spanId(o.n),
    parentSpanId: o.parent === undefined || o.parent === null ? null : spanId(o.parent),
    service: o.service ?? 'checkout',
    operation: o.operation ?? `op-${o.n}`,
    startTime: at(start, o.base),
    endTime: at(start + (o.durationUs ?? 50), o.base),
    status: o.status ?? 'OK',
    ...(o.attributes ? { attributes: o.attributes } : {}),
  };
}

export const SUBMIT = `mutation Submit($spans: [SpanInput!]!) {
  submitSpans(spans: $spans) { accepted duplicates rejected { index code message } }
}`;
