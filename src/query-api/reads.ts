/**
 * The store reads behind both query APIs, through the same `TraceStore` the GraphQL resolvers use: one trace
 * search (paged with its opaque cursors) and one batched `spansByTraceIds` per page, never a read per trace.
 * - `findTraces`: traces matching a store query, newest first, optionally post-filtered on their spans (what the
 *   store query cannot say, e.g. "one span has all these tags"); pages until `limit` traces passed or the
 *   search is exhausted, reading at most `MAX_SCANNED_TRACES` candidates.
 * - `dependencyLinks`: caller -> callee service pairs of a window, from the gateway's service graph when it has one
 *   (`DependencySource`: service analytics' rollups, which read buckets, never spans); otherwise counted over the
 *   traces that started in the window: each span whose parent is in the trace and belongs to another service is
 *   one call (an error when the child is ERROR), over at most `MAX_DEPENDENCY_TRACES` traces.
 */
import type { Attribute } from '../domain';
import type { StoredSpan, TraceQuery, TraceStore } from '../store';

/** Candidate traces one search may read when spans are post-filtered. */
export const MAX_SCANNED_TRACES = 1000;
/** Traces of the window the dependency links are counted over. */
export const MAX_DEPENDENCY_TRACES = 2000;
const PAGE = 100;

export interface LoadedTrace {
  traceId: string;
  /** Ordered by start time, then spanId. */
  spans: StoredSpan[];
}

export interface DependencyLink {
  parent: string;
  child: string;
  callCount: number;
  errorCount: number;
}

export async function findTraces(
  store: TraceStore,
  query: TraceQuery,
  limit: number,
  keep?: (spans: readonly StoredSpan[]) => boolean,
  maxScanned = MAX_SCANNED_TRACES,
): Promise<LoadedTrace[]> {
  const out: LoadedTrace[] = [];
  let after: string | null = null;
  let scanned = 0;
  while (out.length < limit && scanned < maxScanned) {
    const page = await store.searchTraces({ query, order: 'START_TIME_DESC', first: Math.min(PAGE, maxScanned - scanned, keep ? PAGE : limit - out.length), after });
    const ids = page.items.map((i) => i.trace.traceId);
    scanned += ids.length;
    const spans = await store.spansByTraceIds(ids);
    for (const id of ids) {
      const s = spans.get(id);
      if (s && s.length > 0 && (!keep || keep(s))) out.push({ traceId: id, spans: s });
      if (out.length === limit) break;
    }
    if (!page.hasNextPage || page.items.length === 0) break;
    after = page.items[page.items.length - 1]!.cursor;
  }
  return out;
}

/** The stored traces among `ids` (one batched read), in the order asked; absent ids are left out. */
export async function tracesByIds(store: TraceStore, ids: readonly string[]): Promise<LoadedTrace[]> {
  const unique = [...new Set(ids)];
  const spans = await store.spansByTraceIds(unique);
  return unique.flatMap((id) => {
    const s = spans.get(id);
    return s && s.length > 0 ? [{ traceId: id, spans: s }] : [];
  });
}

/**
 * Caller -> callee links of the window [fromUs, toUs] from a service graph kept elsewhere (service analytics);
 * declared here, supplied by the gateway's wiring. Resolves null when it has nothing to say (not running).
 */
export type DependencySource = (fromUs: number, toUs: number) => Promise<DependencyLink[] | null>;

export async function dependencyLinks(store: TraceStore, startFromUs: number, startToUs: number, source?: DependencySource): Promise<DependencyLink[]> {
  const fromGraph = source ? await source(startFromUs, startToUs) : null;
  if (fromGraph) return [...fromGraph].sort((a, b) => a.parent.localeCompare(b.parent) || a.child.localeCompare(b.child));
  const links = new Map<string, DependencyLink>();
  const countLinks = (spans: readonly StoredSpan[]): boolean => {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const span of spans) {
      const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
      if (!parent || parent.service === span.service) continue;
      const key = `${parent.service}\u0000${span.service}`;
      let link = links.get(key);
      if (!link) links.set(key, (link = { parent: parent.service, child: span.service, callCount: 0, errorCount: 0 }));
      link.callCount += 1;
      if (span.status === 'ERROR') link.errorCount += 1;
    }
    return false;
  };
  await findTraces(store, { startFromUs, startToUs }, MAX_DEPENDENCY_TRACES, countLinks, MAX_DEPENDENCY_TRACES);
  return [...links.values()].sort((a, b) => a.parent.localeCompare(b.parent) || a.child.localeCompare(b.child));
}

/** Value of an attribute, or undefined. */
export function attributeValue(span: StoredSpan, key: string): unknown {
  return span.attributes.find((a: Attribute) => a.key === key)?.value;
}
