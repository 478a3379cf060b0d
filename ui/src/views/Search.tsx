/**
 * Search: every TraceFilter field, ordering and cursor pagination. The whole search lives in the URL
 * (`/search?service=…&status=ERROR&order=DURATION_DESC&after=…`), so a search can be shared and the browser's
 * back button walks back through pages.
 */
import { useMemo, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useQuery } from 'urql';
import { Link, useLocation, useSearch } from 'wouter';
import { graphql } from '../gql';
import type { TraceFilter, TraceOrder, StatusCode } from '../gql/graphql';
import { formatDateTime, formatUs } from '../format';
import { ServiceChip } from '../components/ServiceChip';
import { ServiceSelect, StatusSelect } from '../components/FilterSelects';
import { ServiceNames } from './Live';

const SearchTraces = graphql(`
  query SearchTraces($filter: TraceFilter, $orderBy: TraceOrder, $first: Int, $after: String) {
    traces(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      edges {
        cursor
        node {
          id startTime durationUs spanCount errorCount status
          services { name }
          rootSpan { service { name } operation }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

const ORDERS: { value: TraceOrder; label: string }[] = [
  { value: 'START_TIME_DESC', label: 'Newest first' },
  { value: 'START_TIME_ASC', label: 'Oldest first' },
  { value: 'DURATION_DESC', label: 'Longest first' },
];
const PAGE_SIZE = 20;

/** The search as it appears in the URL (all strings, as typed). */
export interface SearchParams {
  service: string;
  operation: string;
  status: '' | StatusCode;
  minMs: string;
  maxMs: string;
  from: string;
  to: string;
  /** `key=value` lines; a value that parses as JSON is sent as that JSON, otherwise as a string. */
  attrs: string;
  /** The same, matched after hashing with the gateway's redaction key (`hashedAttributes`). */
  hashedAttrs: string;
  order: TraceOrder;
  after: string;
  page: number;
}

export function parseSearch(search: string): SearchParams {
  const q = new URLSearchParams(search);
  const order = q.get('order');
  return {
    service: q.get('service') ?? '',
    operation: q.get('operation') ?? '',
    status: (['OK', 'ERROR', 'UNSET'].includes(q.get('status') ?? '') ? q.get('status') : '') as SearchParams['status'],
    minMs: q.get('minMs') ?? '',
    maxMs: q.get('maxMs') ?? '',
    from: q.get('from') ?? '',
    to: q.get('to') ?? '',
    attrs: q.getAll('attr').join('\n'),
    hashedAttrs: q.getAll('hattr').join('\n'),
    order: ORDERS.some((o) => o.value === order) ? (order as TraceOrder) : 'START_TIME_DESC',
    after: q.get('after') ?? '',
    page: Math.max(1, Number(q.get('page') ?? '1') || 1),
  };
}

export function searchHref(p: Partial<SearchParams>): string {
  const q = new URLSearchParams();
  const put = (key: string, value: string | undefined) => {
    if (value) q.set(key, value);
  };
  put('service', p.service);
  put('operation', p.operation);
  put('status', p.status);
  put('minMs', p.minMs);
  put('maxMs', p.maxMs);
  put('from', p.from);
  put('to', p.to);
  for (const line of (p.attrs ?? '').split('\n')) if (line.trim()) q.append('attr', line.trim());
  for (const line of (p.hashedAttrs ?? '').split('\n')) if (line.trim()) q.append('hattr', line.trim());
  if (p.order && p.order !== 'START_TIME_DESC') q.set('order', p.order);
  put('after', p.after);
  if (p.page && p.page > 1) q.set('page', String(p.page));
  const text = q.toString();
  return text ? `/search?${text}` : '/search';
}

function toFilter(p: SearchParams): { filter: TraceFilter; problems: string[] } {
  const filter: TraceFilter = {};
  const problems: string[] = [];
  if (p.service) filter.service = p.service;
  if (p.operation) filter.operation = p.operation;
  if (p.status) filter.status = p.status;
  const ms = (text: string, name: string): number | undefined => {
    if (text.trim() === '') return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) {
      problems.push(`${name}: expected a number of milliseconds ≥ 0, received "${text}"`);
      return undefined;
    }
    return Math.round(n * 1000);
  };
  const min = ms(p.minMs, 'Min duration');
  const max = ms(p.maxMs, 'Max duration');
  if (min !== undefined) filter.minDurationUs = min;
  if (max !== undefined) filter.maxDurationUs = max;
  const time = (text: string, name: string): string | undefined => {
    if (text.trim() === '') return undefined;
    // datetime-local gives no offset: the form's times are UTC, like every time on these pages.
    const iso = /[zZ]|[+-]\d\d:\d\d$/.test(text) ? text : `${text.length === 16 ? `${text}:00` : text}Z`;
    if (Number.isNaN(Date.parse(iso))) {
      problems.push(`${name}: expected a date and time, received "${text}"`);
      return undefined;
    }
    return iso;
  };
  const from = time(p.from, 'From');
  const to = time(p.to, 'To');
  if (from) filter.startTimeFrom = from;
  if (to) filter.startTimeTo = to;
  const pairs = (text: string, name: string) => {
    const out: { key: string; value: unknown }[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const eq = line.indexOf('=');
      if (eq <= 0) {
        problems.push(`${name}: expected key=value, received "${line}"`);
        continue;
      }
      const raw = line.slice(eq + 1).trim();
      let value: unknown = raw;
      try {
        value = JSON.parse(raw);
      } catch {
        // a plain string
      }
      out.push({ key: line.slice(0, eq).trim(), value });
    }
    return out;
  };
  const attributes = pairs(p.attrs, 'Attribute');
  if (attributes.length > 0) filter.attributes = attributes;
  const hashed = pairs(p.hashedAttrs, 'Hashed attribute');
  if (hashed.length > 0) filter.hashedAttributes = hashed;
  return { filter, problems };
}

export function SearchView() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const params = useMemo(() => parseSearch(search), [search]);
  const { filter, problems } = useMemo(() => toFilter(params), [params]);
  const [result] = useQuery({
    query: SearchTraces,
    variables: { filter, orderBy: params.order, first: PAGE_SIZE, after: params.after || null },
    pause: problems.length > 0,
  });
  const edges = result.data?.traces.edges ?? [];
  const pageInfo = result.data?.traces.pageInfo;

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search traces</h1>
      <SearchForm key={search} initial={params} onSearch={(p) => navigate(searchHref({ ...p, after: '', page: 1 }))} />
      {problems.map((p) => (
        <p key={p} className="error" role="alert">
          {p}
        </p>
      ))}
      {result.error && (
        <p className="error" role="alert">
          {result.error.graphQLErrors[0]?.message ?? result.error.message}
        </p>
      )}
      <div className="results-head">
        <span>
          Page {params.page}
          {result.fetching ? ' · loading…' : ` · ${edges.length} trace${edges.length === 1 ? '' : 's'}`}
        </span>
        <span className="pager">
          {params.page > 1 && (
            <>
              <Link href={searchHref({ ...params, after: '', page: 1 })}>First page</Link>
              <button type="button" className="link" onClick={() => history.back()}>
                Previous page
              </button>
            </>
          )}
          {pageInfo?.hasNextPage && pageInfo.endCursor && (
            <Link href={searchHref({ ...params, after: pageInfo.endCursor, page: params.page + 1 })} data-testid="next-page">
              Next page
            </Link>
          )}
        </span>
      </div>
      {!result.fetching && edges.length === 0 && problems.length === 0 && !result.error && <p className="muted">No trace matches.</p>}
      <ol className="results" aria-label="Matching traces (arrow keys move between results)" onKeyDown={moveFocus}>
        {edges.map(({ node }) => (
          <li key={node.id} className="result">
            <Link href={`/trace/${node.id}`} className="result-link" data-trace-id={node.id} data-duration-us={node.durationUs}>
              <span className="result-title">
                {node.rootSpan ? `${node.rootSpan.service.name} · ${node.rootSpan.operation}` : `trace ${node.id.slice(0, 12)}…`}
              </span>
              {node.errorCount > 0 && <span className="badge error">{node.errorCount} error{node.errorCount > 1 ? 's' : ''}</span>}
              <span className="num" data-testid="duration">
                {formatUs(node.durationUs)}
              </span>
              <span className="num">{node.spanCount} spans</span>
              <span className="muted mono">{formatDateTime(node.startTime)}</span>
            </Link>
            <span className="result-services" data-testid="result-services">
              {node.services.map((s) => (
                <ServiceChip key={s.name} name={s.name} />
              ))}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

// Private: ArrowUp/ArrowDown/Home/End move the focus between the result links.
function moveFocus(event: KeyboardEvent<HTMLOListElement>) {
  const links = [...event.currentTarget.querySelectorAll<HTMLAnchorElement>('a.result-link')];
  const at = links.indexOf(document.activeElement as HTMLAnchorElement);
  let next: number;
  switch (event.key) {
    case 'ArrowDown':
      next = Math.min(links.length - 1, at + 1);
      break;
    case 'ArrowUp':
      next = Math.max(0, at - 1);
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = links.length - 1;
      break;
    default:
      return;
  }
  event.preventDefault();
  links[next]?.focus();
}

function SearchForm({ initial, onSearch }: { initial: SearchParams; onSearch: (p: SearchParams) => void }) {
  const [p, setP] = useState(initial);
  const [services] = useQuery({ query: ServiceNames });
  const set = (patch: Partial<SearchParams>) => setP((old) => ({ ...old, ...patch }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch(p);
  };
  const all = services.data?.services ?? [];
  const operations = p.service ? (all.find((s) => s.name === p.service)?.operations ?? []) : [...new Set(all.flatMap((s) => s.operations))].sort();
  return (
    <form className="filters search-form" onSubmit={submit} aria-label="Trace filter">
      <ServiceSelect name="service" value={p.service} services={all} onChange={(service) => set({ service, operation: '' })} />
      <label>
        Operation{' '}
        <select name="operation" value={p.operation} onChange={(e) => set({ operation: e.target.value })}>
          <option value="">any</option>
          {operations.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      </label>
      <StatusSelect name="status" value={p.status} onChange={(status) => set({ status })} />
      <label>
        Min duration (ms) <input name="minMs" type="number" min="0" step="any" value={p.minMs} onChange={(e) => set({ minMs: e.target.value })} style={{ width: '7em' }} />
      </label>
      <label>
        Max duration (ms) <input name="maxMs" type="number" min="0" step="any" value={p.maxMs} onChange={(e) => set({ maxMs: e.target.value })} style={{ width: '7em' }} />
      </label>
      <label>
        From (UTC) <input name="from" type="datetime-local" step="1" value={p.from} onChange={(e) => set({ from: e.target.value })} />
      </label>
      <label>
        To (UTC) <input name="to" type="datetime-local" step="1" value={p.to} onChange={(e) => set({ to: e.target.value })} />
      </label>
      <label className="wide">
        Attributes (key=value, one a line){' '}
        <textarea name="attrs" rows={1} value={p.attrs} onChange={(e) => set({ attrs: e.target.value })} placeholder="order.id=A-1001" />
      </label>
      <label className="wide">
        Hashed attributes (key=value){' '}
        <textarea name="hashedAttrs" rows={1} value={p.hashedAttrs} onChange={(e) => set({ hashedAttrs: e.target.value })} placeholder="customer.email=a@example.com" />
      </label>
      <label>
        Order{' '}
        <select name="order" value={p.order} onChange={(e) => set({ order: e.target.value as TraceOrder })}>
          {ORDERS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Search</button>
    </form>
  );
}
