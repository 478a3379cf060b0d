import { traceStatus, type StoredSpan, type TraceSummary } from './types';

/**
 * A trace summary computed from the trace's spans: the figures the store keeps on ingest. Readers use it where
 * the stored summary may lag its spans: a trace read just after its spans were stored (or after a failed submit
 * left the summary out until the batch is re-submitted), and a live update whose change event reached this
 * instance before the summary update of the same ingest. Null for no spans.
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
  return {
    traceId,
    startUs,
    endUs,
    durationUs: endUs - startUs,
    spanCount: spans.length,
    errorCount,
    services: [...services].sort(),
    id: traceId,
    startTime: startUs,
    endTime: endUs,
    status: traceStatus(errorCount),
  };
}
