/**
 * Rejections from the two stages of a standard-format request, mapping (this route's format rules) and the
 * shared ingest path (validation, store), merged back onto the positions of the spans as they were posted.
 */
import type { SubmitSpansResult } from './service';

export interface PostedRejection {
  /** Position of the span in the posted body. */
  index: number;
  code: string;
  message: string;
}

/** How many rejection reasons a summary message spells out before it only counts the rest. */
export const MAX_REASONS_IN_SUMMARY = 5;

export function mergeRejections(
  mapping: readonly PostedRejection[],
  positions: readonly number[],
  result: Pick<SubmitSpansResult, 'rejected'> | undefined,
): PostedRejection[] {
  const fromIngest = (result?.rejected ?? []).map((r) => ({ index: positions[r.index]!, code: r.code, message: r.message }));
  return [...mapping, ...fromIngest].sort((a, b) => a.index - b.index);
}

/** "2 of 5 spans rejected: span 1: INVALID_TRACE_ID traceId: ...; span 3: ..." */
export function summarizeRejections(rejected: readonly PostedRejection[], total: number): string {
  if (rejected.length === 0) return '';
  const shown = rejected.slice(0, MAX_REASONS_IN_SUMMARY).map((r) => `span ${r.index}: ${r.code} ${r.message}`);
  const more = rejected.length > MAX_REASONS_IN_SUMMARY ? `; and ${rejected.length - MAX_REASONS_IN_SUMMARY} more` : '';
  return `${rejected.length} of ${total} spans rejected: ${shown.join('; ')}${more}`;
}
