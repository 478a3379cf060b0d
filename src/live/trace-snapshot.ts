import type { StoredSpan, TraceSummary } from '../store';

/**
 * The trace "as it now stands", computed from its stored spans rather than read from the trace summary: a
 * change event can reach this instance before the summary update of the same ingest has been written, and
 * the spans themselves are always at least as current as the event.
 */
export function summarizeSpans(traceId: string, spans: readonly StoredSpan[]): TraceSummary | null {
  if (spans.length === 0) return null;
  let startUs = Number.POSITIVE_INFINITY;
  let endUs = Number.NEGATIVE_INFINITY;
  let errorCount = 0;
  const services = new Set<string>();
  for (const span of spans) {
    if (span.startUs < startUs) startUs = span.startUs;
    if (span.endUs > endUs) endUs = span.endUs;
    if (span.status === 'ERROR') errorCount += 1;
    services.add(span.service);
  }
  return { traceId, startUs, endUs, durationUs: endUs - startUs, spanCount: spans.length, errorCount, services: [...services].sort() };
}
