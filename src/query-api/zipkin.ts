/**
 * The Zipkin v2 query API (zipkin2-api.yaml, basePath /api/v2) over the stored spans, as the Zipkin UI and
 * Grafana's Zipkin data source call it. Answers are the API's JSON (lists of names, `ListOfSpans`,
 * `ListOfTraces`, `DependencyLink`s); errors the gateway's JSON error shape. Conversions:
 * - a span: `id`/`parentId`/`traceId` (a 64-bit id stored padded is shown as its 16 digits), `name` = operation,
 *   `kind` (INTERNAL: absent), `timestamp`/`duration` in µs (a 0 duration absent, as Zipkin writes it),
 *   `localEndpoint` = service (+ `zipkin.localEndpoint`), `remoteEndpoint` from `zipkin.remoteEndpoint`,
 *   `annotations` = events, `tags` = attributes as strings (non-strings as JSON; resource attributes under their
 *   own keys, as OTel's Zipkin exporter writes them), plus `error` (the result message,
 *   or "true") on an ERROR span and `otel.status_code` when the status is set, as OTel's Zipkin exporter writes them;
 * - `traces`: `serviceName`, `spanName` and the time window are store filters; `annotationQuery` ("k=v and word"),
 *   `minDuration`/`maxDuration` hold when one span (of `serviceName`, with `spanName`, when given) matches all of
 *   them, as in Zipkin's QueryRequest;
 * - `dependencies`: see reads.ts (`dependencyLinks`).
 */
import { ErrorCode } from '../errors';
import type { StoredSpan } from '../store';
import { log } from '../log';
import { queryRoutes, type QueryApiRoute as Route, type QueryApiRouteContext as RouteContext, type QueryRouteSpec } from './edge';
import { integer, MAX_TRACES_PER_QUERY, QueryParamError, quote, required, single, traceIdOf } from './params';
import { attributeValue, dependencyLinks, findTraces, tracesByIds, type DependencySource, type LoadedTrace } from './reads';

export const ZIPKIN_API_PREFIX = '/api/v2';
export const DEFAULT_ZIPKIN_LIMIT = 10;
/** Recent traces of a service that `remoteServices` and `autocompleteValues` look at. */
export const RECENT_TRACES_SCANNED = 100;

const LOCAL_ENDPOINT = 'zipkin.localEndpoint';
const REMOTE_ENDPOINT = 'zipkin.remoteEndpoint';
const DEBUG = 'zipkin.debug';
const SHARED = 'zipkin.shared';
const PEER_SERVICE = 'peer.service';
const RESOURCE_PREFIX = 'resource.';
const RESOURCE_SERVICE_NAME = 'resource.service.name';
/** Bookkeeping attributes rendered as Zipkin fields rather than tags. */
const FIELD_ATTRIBUTES = new Set([LOCAL_ENDPOINT, REMOTE_ENDPOINT, DEBUG, SHARED]);

export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  timestamp: number;
  duration?: number;
  debug?: boolean;
  localEndpoint: Record<string, unknown>;
  remoteEndpoint?: Record<string, unknown>;
  annotations?: { timestamp: number; value: string }[];
  tags?: Record<string, string>;
}

export interface ZipkinApiOptions {
  /** Tag keys offered by /autocompleteKeys (Zipkin's AUTOCOMPLETE_KEYS); empty: none. */
  autocompleteKeys?: readonly string[];
  /** Where /dependencies reads the service graph; absent: counted from the stored spans (reads.ts). */
  dependencies?: DependencySource;
}

const logger = log.child('zipkin-api');

export function zipkinQueryRoutes(options: ZipkinApiOptions = {}): Route[] {
  const keys = [...new Set(options.autocompleteKeys ?? [])];
  const routes: QueryRouteSpec<unknown>[] = [
    ['/services', async (ctx) => ok((await ctx.services.store.listServices()).map((s) => s.name))],
    ['/spans', async (ctx, p) => ok(await operationsOf(ctx, required(p, 'serviceName')))],
    ['/remoteServices', async (ctx, p) => ok(await remoteServices(ctx, required(p, 'serviceName')))],
    ['/traces', async (ctx, p) => ok((await searchTraces(ctx, p)).map(toZipkinTrace))],
    ['/trace/', async (ctx, _p, rest) => getTrace(ctx, rest), true],
    ['/traceMany', async (ctx, p) => ok((await tracesByIds(ctx.services.store, traceIdList(p))).map(toZipkinTrace))],
    ['/dependencies', async (ctx, p) => ok(await dependencies(ctx, p, options.dependencies))],
    ['/autocompleteKeys', async () => ok(keys)],
    ['/autocompleteValues', async (ctx, p) => ok(await autocompleteValues(ctx, required(p, 'key'), keys))],
  ];
  // Errors in the gateway's JSON error shape.
  return queryRoutes(
    { prefix: ZIPKIN_API_PREFIX, logger, errorBody: (f, requestId) => ({ errors: [{ message: f.message, extensions: { code: f.code, requestId } }] }) },
    routes,
  );
}

function ok(body: unknown): { status: number; body: unknown } {
  return { status: 200, body };
}

async function operationsOf(ctx: RouteContext, service: string): Promise<string[]> {
  const found = await ctx.services.store.servicesByNames([service]);
  return found.get(service)?.operations ?? [];
}

async function getTrace(ctx: RouteContext, rest: string): Promise<{ status: number; body: unknown }> {
  if (rest === '' || rest.includes('/')) throw new QueryParamError(`traceId: expected /api/v2/trace/{16 or 32 hex digits}, got ${quote(rest)}`);
  const traceId = traceIdOf(decodeURIComponent(rest));
  const [trace] = await tracesByIds(ctx.services.store, [traceId]);
  if (!trace) return { status: 404, body: { errors: [{ message: `trace ${rest} not found`, extensions: { code: ErrorCode.BAD_USER_INPUT, requestId: ctx.requestId } }] } };
  return ok(toZipkinTrace(trace));
}

function traceIdList(p: URLSearchParams): string[] {
  const raw = required(p, 'traceIds');
  const ids = raw.split(',').map((s) => s.trim());
  if (ids.some((id) => id === '')) throw new QueryParamError(`traceIds: expected a comma-separated list of trace ids, got ${quote(raw)}`);
  if (ids.length > MAX_TRACES_PER_QUERY) throw new QueryParamError(`traceIds: expected at most ${MAX_TRACES_PER_QUERY} ids, got ${ids.length}`);
  return ids.map((id) => traceIdOf(id, 'traceIds'));
}

/** endTs / lookback in epoch milliseconds -> an inclusive µs window. */
function windowOf(p: URLSearchParams, endTsRequired: boolean): { fromUs: number; toUs: number } {
  const endTs = endTsRequired ? integer(p, 'endTs', 1, Number.MAX_SAFE_INTEGER) ?? missing('endTs') : integer(p, 'endTs', 1, Number.MAX_SAFE_INTEGER) ?? Date.now();
  const lookback = integer(p, 'lookback', 1, Number.MAX_SAFE_INTEGER) ?? endTs;
  return { fromUs: Math.max(0, endTs - lookback) * 1000, toUs: endTs * 1000 + 999 };
}

function missing(name: string): never {
  throw new QueryParamError(`${name}: required, got nothing`);
}

async function searchTraces(ctx: RouteContext, p: URLSearchParams): Promise<LoadedTrace[]> {
  const serviceName = single(p, 'serviceName');
  const rawSpanName = single(p, 'spanName');
  const spanName = rawSpanName === 'all' ? undefined : rawSpanName;
  const limit = integer(p, 'limit', 1, MAX_TRACES_PER_QUERY) ?? DEFAULT_ZIPKIN_LIMIT;
  const minDuration = integer(p, 'minDuration', 1, Number.MAX_SAFE_INTEGER);
  const maxDuration = integer(p, 'maxDuration', 1, Number.MAX_SAFE_INTEGER);
  if (maxDuration !== undefined && minDuration === undefined) throw new QueryParamError('maxDuration: only valid with minDuration');
  if (maxDuration !== undefined && minDuration !== undefined && maxDuration < minDuration) {
    throw new QueryParamError(`maxDuration: expected at least minDuration (${minDuration}), got ${maxDuration}`);
  }
  const terms = annotationTerms(single(p, 'annotationQuery'));
  const { fromUs, toUs } = windowOf(p, false);

  const spanMatches = (s: StoredSpan): boolean =>
    (serviceName === undefined || s.service === serviceName) &&
    (spanName === undefined || s.operation === spanName) &&
    (minDuration === undefined || s.durationUs >= minDuration) &&
    (maxDuration === undefined || s.durationUs <= maxDuration) &&
    terms.every((t) => matchesTerm(s, t));
  const needsSpanFilter = terms.length > 0 || minDuration !== undefined;
  return findTraces(
    ctx.services.store,
    { ...(serviceName !== undefined ? { service: serviceName } : {}), ...(spanName !== undefined ? { operation: spanName } : {}), startFromUs: fromUs, startToUs: toUs },
    limit,
    needsSpanFilter ? (spans) => spans.some(spanMatches) : undefined,
  );
}

type Term = { key: string; value: string } | { word: string };

/** "http.uri=/foo and retried" -> [{key, value}, {word}] (Zipkin splits on " and "). */
function annotationTerms(query: string | undefined): Term[] {
  if (query === undefined) return [];
  return query.split(' and ').map((raw) => {
    const t = raw.trim();
    if (t === '') throw new QueryParamError(`annotationQuery: expected "key=value" or "word" terms joined by " and ", got ${quote(query)}`);
    const eq = t.indexOf('=');
    return eq > 0 ? { key: t.slice(0, eq), value: t.slice(eq + 1) } : { word: t };
  });
}

function matchesTerm(span: StoredSpan, term: Term): boolean {
  if ('word' in term) return span.events.some((e) => e.name === term.word) || span.attributes.some((a) => a.key === term.word);
  const v = attributeValue(span, term.key);
  return v !== undefined && tagString(v) === term.value;
}

async function remoteServices(ctx: RouteContext, service: string): Promise<string[]> {
  const traces = await findTraces(ctx.services.store, { service }, RECENT_TRACES_SCANNED);
  const out = new Set<string>();
  for (const { spans } of traces) {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const s of spans) {
      const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
      if (parent?.service === service && s.service !== service) out.add(s.service);
      if (s.service !== service || (s.kind !== 'CLIENT' && s.kind !== 'PRODUCER')) continue;
      const remote = attributeValue(s, REMOTE_ENDPOINT) as { serviceName?: unknown } | undefined;
      if (typeof remote?.serviceName === 'string') out.add(remote.serviceName);
      const peer = attributeValue(s, PEER_SERVICE);
      if (typeof peer === 'string') out.add(peer);
    }
  }
  return [...out].sort();
}

async function dependencies(
  ctx: RouteContext,
  p: URLSearchParams,
  source: DependencySource | undefined,
): Promise<{ parent: string; child: string; callCount: number; errorCount?: number }[]> {
  const { fromUs, toUs } = windowOf(p, true);
  const links = await dependencyLinks(ctx.services.store, fromUs, toUs, source);
  return links.map((l) => ({ parent: l.parent, child: l.child, callCount: l.callCount, ...(l.errorCount > 0 ? { errorCount: l.errorCount } : {}) }));
}

async function autocompleteValues(ctx: RouteContext, key: string, keys: readonly string[]): Promise<string[]> {
  if (!keys.includes(key)) return [];
  const traces = await findTraces(ctx.services.store, {}, RECENT_TRACES_SCANNED);
  const out = new Set<string>();
  for (const { spans } of traces) {
    for (const s of spans) {
      const v = attributeValue(s, key);
      if (v !== undefined) out.add(tagString(v));
    }
  }
  return [...out].sort();
}

export function toZipkinTrace(trace: LoadedTrace): ZipkinSpan[] {
  return trace.spans.map(toZipkinSpan);
}

export function toZipkinSpan(s: StoredSpan): ZipkinSpan {
  const out: ZipkinSpan = {
    traceId: s.traceId.startsWith('0000000000000000') ? s.traceId.slice(16) : s.traceId,
    id: s.spanId,
    name: s.operation,
    timestamp: s.startUs,
    localEndpoint: { serviceName: s.service, ...endpointOf(attributeValue(s, LOCAL_ENDPOINT)) },
  };
  if (s.parentSpanId) out.parentId = s.parentSpanId;
  if (s.kind !== 'INTERNAL') out.kind = s.kind;
  if (s.durationUs > 0) out.duration = s.durationUs;
  if (attributeValue(s, DEBUG) === true) out.debug = true;
  const remote = endpointOf(attributeValue(s, REMOTE_ENDPOINT));
  if (Object.keys(remote).length > 0) out.remoteEndpoint = remote;
  if (s.events.length > 0) {
    // Zipkin's annotations are a set (uniqueItems): one per distinct (timestamp, value).
    const seen = new Set<string>();
    out.annotations = s.events.flatMap((e) => {
      const key = `${e.timeUs}\u0000${e.name}`;
      if (seen.has(key)) return [];
      seen.add(key);
      return [{ timestamp: e.timeUs, value: e.name }];
    });
  }
  const tags: Record<string, string> = {};
  for (const a of s.attributes) {
    if (FIELD_ATTRIBUTES.has(a.key) || a.key.startsWith(RESOURCE_PREFIX)) continue;
    tags[a.key] = tagString(a.value);
  }
  // Resource attributes as tags under their own keys, as OTel's Zipkin exporter writes them (a span attribute of
  // the same key wins); service.name is the local endpoint already.
  for (const a of s.attributes) {
    const key = a.key.slice(RESOURCE_PREFIX.length);
    if (a.key.startsWith(RESOURCE_PREFIX) && a.key !== RESOURCE_SERVICE_NAME && tags[key] === undefined) tags[key] = tagString(a.value);
  }
  if (s.status !== 'UNSET' && tags['otel.status_code'] === undefined) tags['otel.status_code'] = s.status;
  if (s.status === 'ERROR' && tags.error === undefined) tags.error = s.result?.message ?? 'true';
  if (Object.keys(tags).length > 0) out.tags = tags;
  return out;
}

/** A tag value: strings as they are, everything else as JSON ("200", "true", "[1,2]"). */
export function tagString(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function endpointOf(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
  const out: Record<string, unknown> = {};
  for (const key of ['serviceName', 'ipv4', 'ipv6', 'port'] as const) {
    const x = (v as Record<string, unknown>)[key];
    if (x !== undefined && x !== null) out[key] = x;
  }
  return out;
}
