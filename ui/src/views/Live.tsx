/**
 * Live: spans as they are stored (`spansReceived`), grouped by trace, newest activity first. Batches are folded
 * into a bounded set of trace groups outside React and painted at most once per animation frame, and only the
 * visible rows are rendered, so the list stays smooth at thousands of spans per second.
 */
import { useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { useClient, useQuery } from 'urql';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Link } from 'wouter';
import { graphql } from '../gql';
import type { LiveSpansSubscription, SpanFilter, StatusCode } from '../gql/graphql';
import { formatClock, formatUs, serviceColor } from '../format';
import { ServiceChip } from '../components/ServiceChip';
import { ServiceSelect, StatusSelect } from '../components/FilterSelects';

const LiveSpans = graphql(`
  subscription LiveSpans($filter: SpanFilter) {
    spansReceived(filter: $filter) {
      spans { traceId spanId parentSpanId service { name } operation startTime durationUs status }
    }
  }
`);

export const ServiceNames = graphql(`
  query ServiceNames { services { name operations } }
`);

type LiveSpan = LiveSpansSubscription['spansReceived']['spans'][number];

/** Trace groups kept; the oldest by last activity are dropped beyond it. */
const MAX_GROUPS = 500;
/** Spans held while paused; beyond it the oldest held are dropped (and counted). */
const MAX_HELD = 20_000;
const RATE_WINDOW_MS = 5_000;
const ROW_HEIGHT = 46;

interface TraceGroup {
  traceId: string;
  spanCount: number;
  errorCount: number;
  services: string[];
  /** The parentless span's operation once seen, else the first span's. */
  title: string;
  titleService: string;
  rooted: boolean;
  startTime: string;
  maxDurationUs: number;
  lastSeen: number;
}

class LiveModel {
  groups = new Map<string, TraceGroup>();
  held: LiveSpan[] = [];
  droppedWhileHeld = 0;
  arrivals: { at: number; count: number }[] = [];
  total = 0;

  add(spans: readonly LiveSpan[], now: number): void {
    for (const span of spans) {
      let group = this.groups.get(span.traceId);
      if (!group) {
        group = {
          traceId: span.traceId,
          spanCount: 0,
          errorCount: 0,
          services: [],
          title: span.operation,
          titleService: span.service.name,
          rooted: false,
          startTime: span.startTime,
          maxDurationUs: 0,
          lastSeen: now,
        };
      } else this.groups.delete(span.traceId); // re-inserted below: Map order is recency order
      group.spanCount += 1;
      if (span.status === 'ERROR') group.errorCount += 1;
      if (!group.services.includes(span.service.name)) group.services.push(span.service.name);
      if (!span.parentSpanId && !group.rooted) {
        group.rooted = true;
        group.title = span.operation;
        group.titleService = span.service.name;
      }
      if (span.startTime < group.startTime) group.startTime = span.startTime;
      group.maxDurationUs = Math.max(group.maxDurationUs, span.durationUs);
      group.lastSeen = now;
      this.groups.set(span.traceId, group);
    }
    while (this.groups.size > MAX_GROUPS) this.groups.delete(this.groups.keys().next().value!);
  }

  hold(spans: readonly LiveSpan[]): void {
    this.held.push(...spans);
    if (this.held.length > MAX_HELD) {
      this.droppedWhileHeld += this.held.length - MAX_HELD;
      this.held.splice(0, this.held.length - MAX_HELD);
    }
  }

  count(n: number, now: number): void {
    this.total += n;
    this.arrivals.push({ at: now, count: n });
    while (this.arrivals.length > 0 && this.arrivals[0]!.at < now - RATE_WINDOW_MS) this.arrivals.shift();
  }

  rate(now: number): number {
    const recent = this.arrivals.filter((a) => a.at >= now - RATE_WINDOW_MS).reduce((sum, a) => sum + a.count, 0);
    return recent / (RATE_WINDOW_MS / 1000);
  }

  /** Newest activity first. */
  rows(): TraceGroup[] {
    return [...this.groups.values()].reverse();
  }
}

interface Filters {
  service: string;
  operation: string;
  status: '' | StatusCode;
  minDurationMs: string;
}

function toSpanFilter(f: Filters): SpanFilter | null {
  const filter: SpanFilter = {};
  if (f.service) filter.service = f.service;
  if (f.operation) filter.operation = f.operation;
  if (f.status) filter.status = f.status;
  const min = Number(f.minDurationMs);
  if (f.minDurationMs.trim() !== '' && Number.isFinite(min) && min > 0) filter.minDurationUs = Math.round(min * 1000);
  return Object.keys(filter).length > 0 ? filter : null;
}

export function LiveView() {
  const client = useClient();
  const [filters, setFilters] = useState<Filters>({ service: '', operation: '', status: '', minDurationMs: '' });
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [, repaint] = useReducer((n: number) => n + 1, 0);
  const model = useRef(new LiveModel());
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const [services] = useQuery({ query: ServiceNames });

  const spanFilter = useMemo(() => toSpanFilter(filters), [filters]);
  const filterKey = JSON.stringify(spanFilter);

  useEffect(() => {
    model.current = new LiveModel();
    setError(null);
    let frame = 0;
    const schedule = () => {
      if (frame === 0) frame = requestAnimationFrame(() => ((frame = 0), repaint()));
    };
    const subscription = client.subscription(LiveSpans, { filter: spanFilter }).subscribe((result) => {
      if (result.error) {
        setError(result.error.message);
        return;
      }
      const spans = result.data?.spansReceived.spans ?? [];
      const now = performance.now();
      model.current.count(spans.length, now);
      if (pausedRef.current) model.current.hold(spans);
      else model.current.add(spans, now);
      schedule();
    });
    // The rate decays while nothing arrives.
    const timer = setInterval(schedule, 1000);
    return () => {
      subscription.unsubscribe();
      clearInterval(timer);
      cancelAnimationFrame(frame);
    };
    // filterKey stands for spanFilter (a new object on every filter edit, the same text when nothing changed).
  }, [client, filterKey]);

  const resume = () => {
    const m = model.current;
    m.add(m.held, performance.now());
    m.held = [];
    setPaused(false);
  };

  const rows = model.current.rows();
  const operations = services.data?.services.find((s) => s.name === filters.service)?.operations ?? [];
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));

  return (
    <section aria-labelledby="live-title" className="live">
      <div className="view-head">
        <h1 id="live-title">Live spans</h1>
        <p className="stats" aria-live="off">
          <span data-testid="live-rate">{model.current.rate(performance.now()).toFixed(0)} spans/s</span> ·{' '}
          <span data-testid="live-total">{model.current.total}</span> spans · <span data-testid="live-traces">{rows.length}</span> traces shown
          {paused && (
            <>
              {' '}
              · <strong>paused</strong>, {model.current.held.length} held
              {model.current.droppedWhileHeld > 0 && `, ${model.current.droppedWhileHeld} dropped`}
            </>
          )}
        </p>
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Live filters">
        <ServiceSelect value={filters.service} services={services.data?.services ?? []} onChange={(service) => set({ service, operation: '' })} />
        <label>
          Operation{' '}
          <input list="live-operations" value={filters.operation} onChange={(e) => set({ operation: e.target.value })} placeholder="any" />
          <datalist id="live-operations">
            {operations.map((o) => (
              <option key={o} value={o} />
            ))}
          </datalist>
        </label>
        <StatusSelect value={filters.status} onChange={(status) => set({ status })} />
        <label>
          Min duration (ms){' '}
          <input type="number" min="0" step="any" inputMode="decimal" value={filters.minDurationMs} onChange={(e) => set({ minDurationMs: e.target.value })} style={{ width: '7em' }} />
        </label>
        <button type="button" onClick={() => (paused ? resume() : setPaused(true))} aria-pressed={paused}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          Live updates failed: {error}
        </p>
      )}
      <GroupList rows={rows} />
    </section>
  );
}

function GroupList({ rows }: { rows: TraceGroup[] }) {
  const parent = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => parent.current, estimateSize: () => ROW_HEIGHT, overscan: 8 });
  if (rows.length === 0) return <p className="muted">Waiting for spans…</p>;
  return (
    <div ref={parent} className="live-list" role="list" aria-label="Traces with recent spans">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => {
          const g = rows[item.index]!;
          return (
            <div key={g.traceId} role="listitem" className="live-row" data-trace-id={g.traceId} style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}>
              <span className="swatch" style={{ background: serviceColor(g.titleService) }} aria-hidden="true" />
              <Link href={`/trace/${g.traceId}`} className="live-title">
                {g.titleService} · {g.title}
              </Link>
              {g.errorCount > 0 && <span className="badge error">{g.errorCount} error{g.errorCount > 1 ? 's' : ''}</span>}
              <span className="live-services" data-testid="row-services">
                {g.services.map((s) => (
                  <ServiceChip key={s} name={s} />
                ))}
              </span>
              <span className="num">
                {g.spanCount} span{g.spanCount === 1 ? '' : 's'}
              </span>
              <span className="num">{formatUs(g.maxDurationUs)}</span>
              <span className="muted mono">{formatClock(g.startTime)}</span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
