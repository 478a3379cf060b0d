/**
 * Service: rate, error rate and latency percentiles over a time window (`Service.stats`), kept current by the
 * `serviceStats` subscription (the current bucket, at most once a second), and its operations sortable by p99,
 * error rate and calls, each with links to its slowest and its failed traces.
 */
import { useEffect, useMemo, useState } from 'react';
import { useClient, useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql';
import type { ServiceStatsQuery } from '../gql/graphql';
import { formatUs, isoToUs } from '../format';
import { ServiceChip } from '../components/ServiceChip';
import { TimeChart } from '../components/TimeChart';
import { WINDOWS, WindowPicker, useWindow, type WindowKey } from '../components/TimeWindow';
import { searchHref } from './Search';

const ServiceStats = graphql(`
  query ServiceStats($name: String!, $from: DateTime!, $to: DateTime!, $step: Int!) {
    service(name: $name) {
      name
      stats(from: $from, to: $to, stepSeconds: $step) {
        totals { calls errors errorRate ratePerSec p50Us p95Us p99Us }
        series { start calls errors errorRate ratePerSec p50Us p95Us p99Us }
        operations { operation totals { calls errors errorRate ratePerSec p50Us p95Us p99Us } }
      }
    }
  }
`);

const LiveServiceStats = graphql(`
  subscription LiveServiceStats($name: String!, $step: Int!) {
    serviceStats(service: $name, stepSeconds: $step) { start calls errors errorRate ratePerSec p50Us p95Us p99Us }
  }
`);

type Point = NonNullable<ServiceStatsQuery['service']>['stats']['series'][number];
type Operation = NonNullable<ServiceStatsQuery['service']>['stats']['operations'][number];
type SortKey = 'p99' | 'errorRate' | 'calls';

const STEP: Record<WindowKey, number> = { '15m': 60, '1h': 60, '6h': 300, '24h': 900 };

export default function ServiceView({ name }: { name: string }) {
  const client = useClient();
  const [windowKey, setWindowKey] = useWindow('1h');
  const step = STEP[windowKey];
  const range = useMemo(() => {
    const to = new Date();
    const from = new Date(to.getTime() - WINDOWS[windowKey].ms);
    return { from: from.toISOString(), to: to.toISOString() };
  }, [windowKey]);
  const [result] = useQuery({ query: ServiceStats, variables: { name, step, ...range } });
  const [series, setSeries] = useState<Point[]>([]);
  const [liveError, setLiveError] = useState<string | null>(null);
  const [sort, setSort] = useState<SortKey>('p99');

  const stats = result.data?.service?.stats;
  useEffect(() => {
    if (stats) setSeries(stats.series);
  }, [stats]);

  useEffect(() => {
    const subscription = client.subscription(LiveServiceStats, { name, step }).subscribe((r) => {
      if (r.error) {
        setLiveError(r.error.graphQLErrors[0]?.message ?? r.error.message);
        return;
      }
      const point = r.data?.serviceStats;
      if (point) setSeries((old) => mergePoint(old, point));
    });
    return () => subscription.unsubscribe();
  }, [client, name, step]);

  const operations = useMemo(() => sortOperations(stats?.operations ?? [], sort), [stats, sort]);
  const x = series.map((p) => isoToUs(p.start ?? '') / 1e6);

  return (
    <section aria-labelledby="service-title">
      <div className="view-head">
        <h1 id="service-title">
          Service <ServiceChip name={name} />
        </h1>
        <WindowPicker value={windowKey} onChange={setWindowKey} />
        {stats && (
          <p className="stats" data-testid="service-totals">
            {stats.totals.calls} calls · {stats.totals.ratePerSec.toFixed(2)}/s · {(stats.totals.errorRate * 100).toFixed(1)}% errors · p50{' '}
            {fmt(stats.totals.p50Us)} · p95 {fmt(stats.totals.p95Us)} · p99 {fmt(stats.totals.p99Us)}
          </p>
        )}
        {series.length > 0 && (
          <p className="stats">
            current bucket: <span data-testid="current-calls">{series[series.length - 1]!.calls}</span> calls
          </p>
        )}
        <Link href={searchHref({ service: name })}>Traces of {name}</Link>
      </div>
      {result.error && (
        <p className="error" role="alert">
          {result.error.graphQLErrors[0]?.message ?? result.error.message}
        </p>
      )}
      {result.data && !result.data.service && <p className="error">No service named “{name}” has been seen.</p>}
      {liveError && (
        <p className="error" role="alert">
          Live updates failed: {liveError}
        </p>
      )}
      {stats && (
        <>
          <div className="charts">
            <TimeChart title="Rate (calls/s)" x={x} series={[{ label: 'calls/s', color: '#0b5cad', values: series.map((p) => p.ratePerSec) }]} format={(v) => v.toFixed(2)} />
            <TimeChart title="Error rate (%)" x={x} series={[{ label: 'errors %', color: '#b00020', values: series.map((p) => p.errorRate * 100) }]} format={(v) => `${v.toFixed(1)}%`} />
            <TimeChart
              title="Latency (ms)"
              x={x}
              series={[
                { label: 'p50', color: '#0a7d5a', values: series.map((p) => msOrNull(p.p50Us)) },
                { label: 'p95', color: '#b35900', values: series.map((p) => msOrNull(p.p95Us)) },
                { label: 'p99', color: '#a4307a', values: series.map((p) => msOrNull(p.p99Us)) },
              ]}
              format={(v) => `${v.toFixed(1)} ms`}
            />
          </div>
          <h2 className="section-title">Operations</h2>
          <table className="ops" aria-label={`Operations of ${name}`}>
            <thead>
              <tr>
                <th scope="col">Operation</th>
                <SortHeader label="Calls" keyName="calls" sort={sort} onSort={setSort} />
                <SortHeader label="Error rate" keyName="errorRate" sort={sort} onSort={setSort} />
                <th scope="col">p50</th>
                <th scope="col">p95</th>
                <SortHeader label="p99" keyName="p99" sort={sort} onSort={setSort} />
                <th scope="col">Traces</th>
              </tr>
            </thead>
            <tbody>
              {operations.map((op) => (
                <tr key={op.operation} data-operation={op.operation}>
                  <th scope="row">{op.operation}</th>
                  <td className="num">{op.totals.calls}</td>
                  <td className="num">{(op.totals.errorRate * 100).toFixed(1)}%</td>
                  <td className="num">{fmt(op.totals.p50Us)}</td>
                  <td className="num">{fmt(op.totals.p95Us)}</td>
                  <td className="num">{fmt(op.totals.p99Us)}</td>
                  <td>
                    <Link href={searchHref({ service: name, operation: op.operation, order: 'DURATION_DESC' })}>slowest</Link>
                    {op.totals.errors > 0 && (
                      <>
                        {' · '}
                        <Link href={searchHref({ service: name, operation: op.operation, status: 'ERROR' })}>failed ({op.totals.errors})</Link>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function SortHeader({ label, keyName, sort, onSort }: { label: string; keyName: SortKey; sort: SortKey; onSort: (k: SortKey) => void }) {
  const active = sort === keyName;
  return (
    <th scope="col" aria-sort={active ? 'descending' : 'none'}>
      <button type="button" className="sort" onClick={() => onSort(keyName)} aria-pressed={active}>
        {label}
        {active ? ' ▼' : ''}
      </button>
    </th>
  );
}

/** Replaces the bucket with the same start, or appends a newer one and drops the oldest (the window slides). */
export function mergePoint(series: Point[], point: Point): Point[] {
  const at = series.findIndex((p) => p.start === point.start);
  if (at >= 0) return series.map((p, i) => (i === at ? point : p));
  const last = series[series.length - 1];
  if (last && (point.start ?? '') < (last.start ?? '')) return series;
  return [...series.slice(series.length > 0 ? 1 : 0), point];
}

function sortOperations(list: readonly Operation[], key: SortKey): Operation[] {
  const value = (op: Operation) => (key === 'calls' ? op.totals.calls : key === 'errorRate' ? op.totals.errorRate : (op.totals.p99Us ?? -1));
  return [...list].sort((a, b) => value(b) - value(a) || a.operation.localeCompare(b.operation));
}

function fmt(us: number | null | undefined): string {
  return us == null ? '–' : formatUs(us);
}

function msOrNull(us: number | null | undefined): number | null {
  return us == null ? null : us / 1000;
}
