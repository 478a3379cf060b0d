/**
 * Trace assembly from a trace's stored spans, whatever order they arrived in.
 *
 * Root rule: the parentless span with the earliest start; when no span is parentless, the earliest span whose
 * parent is not in the trace (an orphan); when neither exists (a parent cycle), the earliest span. Ties on
 * start time break on the lower spanId, so the answer is deterministic.
 */
import type { SpanRecord } from './span';

export interface TraceTree {
  /** Ordered by start time, then spanId. */
  readonly spans: readonly SpanRecord[];
  readonly root: SpanRecord | null;
  span(spanId: string): SpanRecord | null;
  /** Ordered by start time, then spanId. */
  children(spanId: string): readonly SpanRecord[];
}

export function compareSpans(a: SpanRecord, b: SpanRecord): number {
  return a.startUs - b.startUs || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);
}

export function assembleTrace(spans: readonly SpanRecord[]): TraceTree {
  const ordered = [...spans].sort(compareSpans);
  const byId = new Map<string, SpanRecord>();
  for (const span of ordered) byId.set(span.spanId, span);
  const childrenOf = new Map<string, SpanRecord[]>();
  for (const span of ordered) {
    if (span.parentSpanId === null || !byId.has(span.parentSpanId)) continue;
    const list = childrenOf.get(span.parentSpanId);
    if (list) list.push(span);
    else childrenOf.set(span.parentSpanId, [span]);
  }
  const root =
    ordered.find((s) => s.parentSpanId === null) ??
    ordered.find((s) => s.parentSpanId !== null && !byId.has(s.parentSpanId)) ??
    ordered[0] ??
    null;
  return {
    spans: ordered,
    root,
    span: (spanId) => byId.get(spanId) ?? null,
    children: (spanId) => childrenOf.get(spanId) ?? [],
  };
}
