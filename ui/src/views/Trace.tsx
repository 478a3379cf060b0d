/**
 * Trace: a waterfall of every span (µs time axis, collapsible tree, service colours, errors marked) that grows
 * while the trace is in flight (`traceUpdated` with `includeExisting`: every stored span first, then each new
 * batch), and a panel with the selected span's result, metrics, attributes and events.
 */
import { useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from 'react';
import { useClient, useQuery } from 'urql';
import { graphql } from '../gql';
import type { TraceLiveSubscription } from '../gql/graphql';
import { formatDateTime, formatUs, isoToUs } from '../format';
import { ServiceChip } from '../components/ServiceChip';
import { Waterfall, type WaterfallSpan } from '../components/Waterfall';
import { SpanPanel } from '../components/SpanPanel';

const TraceLive = graphql(`
  subscription TraceLive($traceId: ID!) {
    traceUpdated(traceId: $traceId, includeExisting: true) {
      trace { id startTime endTime durationUs spanCount errorCount status services { name } }
      spans { spanId parentSpanId service { name } operation kind startTime durationUs status }
    }
  }
`);

const CriticalPath = graphql(`
  query CriticalPath($id: ID!) {
    trace(id: $id) { criticalPath { span { spanId } startTime endTime } }
  }
`);

type TraceSummary = TraceLiveSubscription['traceUpdated']['trace'];

export function TraceView({ traceId }: { traceId: string }) {
  const client = useClient();
  const spans = useRef(new Map<string, WaterfallSpan>());
  const [summary, setSummary] = useState<TraceSummary | null>(null);
  const [version, bump] = useReducer((n: number) => n + 1, 0);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const firstBatch = useRef(true);

  useEffect(() => {
    spans.current = new Map();
    firstBatch.current = true;
    const subscription = client.subscription(TraceLive, { traceId }).subscribe((result) => {
      if (result.error) {
        setError(result.error.graphQLErrors[0]?.message ?? result.error.message);
        return;
      }
      const update = result.data?.traceUpdated;
      if (!update) return;
      if (firstBatch.current) performance.mark('tracegate:trace-data');
      for (const s of update.spans) {
        spans.current.set(s.spanId, {
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? null,
          service: s.service.name,
          operation: s.operation,
          kind: s.kind,
          startUs: isoToUs(s.startTime),
          durationUs: s.durationUs,
          error: s.status === 'ERROR',
        });
      }
      setSummary(update.trace);
      bump();
    });
    return () => subscription.unsubscribe();
  }, [client, traceId]);

  // The first batch's render time, for the README's figure (read by the browser test).
  useLayoutEffect(() => {
    if (!firstBatch.current || spans.current.size === 0) return;
    firstBatch.current = false;
    requestAnimationFrame(() => performance.measure('tracegate:trace-render', 'tracegate:trace-data'));
  }, [version]);

  const list = useMemo(() => [...spans.current.values()], [version]);

  // The critical path is asked for again (at most every 500 ms) while the trace grows.
  const [path, refetchPath] = useQuery({ query: CriticalPath, variables: { id: traceId }, pause: true });
  const spanCount = summary?.spanCount ?? 0;
  useEffect(() => {
    if (spanCount === 0) return;
    const timer = setTimeout(() => refetchPath({ requestPolicy: 'network-only' }), 500);
    return () => clearTimeout(timer);
  }, [spanCount, refetchPath]);
  const critical = useMemo(() => {
    const bySpan = new Map<string, { startUs: number; endUs: number }[]>();
    for (const segment of path.data?.trace?.criticalPath ?? []) {
      const list = bySpan.get(segment.span.spanId) ?? [];
      list.push({ startUs: isoToUs(segment.startTime), endUs: isoToUs(segment.endTime) });
      bySpan.set(segment.span.spanId, list);
    }
    return bySpan;
  }, [path.data]);

  return (
    <section aria-labelledby="trace-title" className="trace-view">
      <div className="view-head">
        <h1 id="trace-title">
          Trace <span className="mono">{traceId}</span>
        </h1>
        {summary && (
          <p className="stats" data-testid="trace-stats">
            {summary.status === 'ERROR' && <span className="badge error">{summary.errorCount} error{summary.errorCount === 1 ? '' : 's'}</span>}{' '}
            <span data-testid="span-count">{summary.spanCount} spans</span> · {formatUs(summary.durationUs)} · started {formatDateTime(summary.startTime)} UTC ·{' '}
            {summary.services.map((s) => (
              <ServiceChip key={s.name} name={s.name} />
            ))}
          </p>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {summary && (
        <p className="legend">
          <span>
            <span className="legend-critical" aria-hidden="true">◆</span> on the critical path (
            <span data-testid="critical-count">{path.data?.trace ? `${critical.size} span${critical.size === 1 ? '' : 's'}` : 'computing…'}</span>; the dark underline marks the time each one sets the trace's duration)
          </span>
          <span>
            <span className="wf-error">⚠</span> error
          </span>
          <span>▸ ▾ collapse / expand (← →)</span>
        </p>
      )}
      {!summary && !error && <p className="muted">Waiting for spans of this trace… (it appears as soon as one is stored)</p>}
      {summary && (
        <div className="trace-body">
          <Waterfall spans={list} version={version} selected={selected} onSelect={setSelected} criticalPath={critical} />
          {selected && <SpanPanel traceId={traceId} spanId={selected} onClose={() => setSelected(null)} />}
        </div>
      )}
    </section>
  );
}
