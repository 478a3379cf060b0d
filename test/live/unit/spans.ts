/** Test spans for the live layer's unit tests: only the fields the live layer reads. */
import type { LiveSpan, LiveStatus } from '../../../src/live';

let counter = 0;

export function span(fields: Partial<LiveSpan> & { traceId?: string } = {}): LiveSpan {
  counter += 1;
  return {
    traceId: fields.traceId ?? 't1',
    spanId: fields.spanId ?? `s${counter}`,
    service: fields.service ?? 'checkout',
    operation: fields.operation ?? 'POST /orders',
    status: fields.status ?? ('OK' as LiveStatus),
    durationUs: fields.durationUs ?? 1000,
  };
}

/** Resolves after the event loop has run the given number of macrotask turns (immediates). */
export async function turns(n = 2): Promise<void> {
  for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
}
