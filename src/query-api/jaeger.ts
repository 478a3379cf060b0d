/**
 * The Jaeger query service's HTTP API (the one the Jaeger UI and Grafana's Jaeger data source call:
 * jaeger cmd/query/app/http_handler.go) over the stored spans. Every answer is Jaeger's envelope
 * `{ data, total, limit, offset, errors }`; traces are Jaeger's JSON model (model/json/model.go):
 * - a trace: `traceID` (a 64-bit id stored padded is shown as its 16 digits, as Jaeger prints it), `spans`,
 *   `processes` keyed p1, p2, ... (one per distinct service + resource attributes), `warnings`;
 * - a span: `spanID`, `operationName`, `references` (CHILD_OF the parent, FOLLOWS_FROM each OTLP link), `startTime`
 *   and `duration` in µs, `tags` typed (string, bool, int64, float64; arrays and objects as JSON strings) with
 *   `span.kind`, `otel.status_code`, `otel.status_description` and `error: true` as Jaeger's OTLP translator adds
 *   them, `logs` = events (`event` field + their attributes), `processID`;
 * - resource attributes (`resource.<key>`) become process tags, not span tags.
 * Search (`/api/traces`): `service` (required unless `traceID` is given), `operation` and the `start`/`end` window
 * (µs; default the last 48 h) are store filters; `tags`, `tag`, `minDuration`, `maxDuration` hold when one span of
 * the service (with the operation, when given) matches them all, as in Jaeger's own span matching.
 */
import type { StoredSpan } from '../store';
import { log } from '../log';
import { queryRoutes, type QueryApiRoute as Route, type QueryApiRouteContext as RouteContext, type QueryRouteSpec } from './edge';
import { goDurationMicros, integer, MAX_TRACES_PER_QUERY, QueryParamError, quote, required, single, traceIdOf } from './params';
import { dependencyLinks, findTraces, tracesByIds, type DependencySource, type LoadedTrace } from './reads';
import { LEGACY_LINKS_ATTRIBUTE, linksOf } from './links';
import { tagString } from './zipkin';

export const JAEGER_API_PREFIX = '/api';
export const DEFAULT_JAEGER_LIMIT = 100;
/** Jaeger's default search window when `start` is absent. */
export const DEFAULT_JAEGER_LOOKBACK_US = 48 * 3600 * 1_000_000;
/** Jaeger's default `/api/dependencies` lookback. */
export const DEFAULT_DEPENDENCIES_LOOKBACK_MS = 24 * 3600 * 1000;

const RESOURCE_PREFIX = 'resource.';
const SERVICE_NAME = 'resource.service.name';

export type JaegerValueType = 'string' | 'bool' | 'int64' | 'float64';

export interface JaegerKeyValue {
  key: string;
  type: JaegerValueType;
  value: string | boolean | number;
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
  startTime: number;
  duration: number;
  tags: JaegerKeyValue[];
  logs: { timestamp: number; fields: JaegerKeyValue[] }[];
  processID: string;
  warnings: string[] | null;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerKeyValue[] }>;
  warnings: string[] | null;
}

interface Envelope {
  data: unknown;
  total: number;
  limit: number;
  offset: number;
  errors: { code: number; msg: string; traceID?: string }[] | null;
}

const logger = log.child('jaeger-api');

export interface JaegerApiOptions {
  /** Where /api/dependencies reads the service graph; absent: counted from the stored spans (reads.ts). */
  dependencies?: DependencySource;
}

export function jaegerQueryRoutes(options: JaegerApiOptions = {}): Route[] {
  const routes: QueryRouteSpec<Envelope>[] = [
    ['/services', async (ctx) => list((await ctx.services.store.listServices()).map((s) => s.name))],
    ['/services/', async (ctx, _p, rest) => list(await operationsOf(ctx, serviceOfOperationsPath(rest))), true],
    ['/operations', async (ctx, p) => list((await operationsOf(ctx, required(p, 'service'))).map((name) => ({ name, spanKind: '' })))],
    ['/traces', async (ctx, p) => list((await searchTraces(ctx, p)).map(toJaegerTrace))],
    ['/traces/', async (ctx, _p, rest) => getTrace(rest, ctx), true],
    ['/dependencies', async (ctx, p) => list(await dependencies(ctx, p, options.dependencies))],
  ];
  // Errors in the envelope's `errors`.
  return queryRoutes(
    {
      prefix: JAEGER_API_PREFIX,
      logger,
      errorBody: (f, requestId) => failure(f.status, `${f.code}: ${f.message}${f.status >= 500 ? ` (request id ${requestId})` : ''}`),
    },
    routes,
  );
}

function list(data: unknown[]): { status: number; body: Envelope } {
  return { status: 200, body: { data, total: data.length, limit: 0, offset: 0, errors: null } };
}

function failure(code: number, msg: string): Envelope {
  return { data: null, total: 0, limit: 0, offset: 0, errors: [{ code, msg }] };
}

/** "/{service}/operations" (after /api/services) -> the service name. */
function serviceOfOperationsPath(rest: string): string {
  const m = /^([^/]+)\/operations$/.exec(rest);
  if (!m) throw new QueryParamError(`expected /api/services/{service}/operations, got ${quote(`/api/services/${rest}`)}`);
  return decodeURIComponent(m[1]!);
}

async function operationsOf(ctx: RouteContext, service: string): Promise<string[]> {
  return (await ctx.services.store.servicesByNames([service])).get(service)?.operations ?? [];
}

async function getTrace(rest: string, ctx: RouteContext): Promise<{ status: number; body: Envelope }> {
  if (rest === '' || rest.includes('/')) throw new QueryParamError(`traceID: expected /api/traces/{16 or 32 hex digits}, got ${quote(`/api/traces/${rest}`)}`);
  const [trace] = await tracesByIds(ctx.services.store, [traceIdOf(decodeURIComponent(rest), 'traceID')]);
  if (!trace) return { status: 404, body: failure(404, 'trace not found') };
  return list([toJaegerTrace(trace)]);
}

async function searchTraces(ctx: RouteContext, p: URLSearchParams): Promise<LoadedTrace[]> {
  const ids = p.getAll('traceID').filter((id) => id !== '');
  if (ids.length > MAX_TRACES_PER_QUERY) throw new QueryParamError(`traceID: expected at most ${MAX_TRACES_PER_QUERY} ids, got ${ids.length}`);
  if (ids.length > 0) return tracesByIds(ctx.services.store, ids.map((id) => traceIdOf(id, 'traceID')));

  const service = single(p, 'service');
  if (service === undefined) throw new QueryParamError("service: required (or traceID), got nothing");
  const operation = single(p, 'operation');
  const limit = integer(p, 'limit', 1, MAX_TRACES_PER_QUERY) ?? DEFAULT_JAEGER_LIMIT;
  const endUs = integer(p, 'end', 0, Number.MAX_SAFE_INTEGER) ?? Date.now() * 1000;
  const startUs = integer(p, 'start', 0, Number.MAX_SAFE_INTEGER) ?? Math.max(0, endUs - DEFAULT_JAEGER_LOOKBACK_US);
  if (startUs > endUs) throw new QueryParamError(`start: expected at most end (${endUs}), got ${startUs}`);
  const minDuration = goDurationMicros(p, 'minDuration');
  const maxDuration = goDurationMicros(p, 'maxDuration');
  if (minDuration !== undefined && maxDuration !== undefined && maxDuration < minDuration) {
    throw new QueryParamError(`maxDuration: expected at least minDuration, got ${single(p, 'maxDuration')} < ${single(p, 'minDuration')}`);
  }
  const tags = tagFilters(p);

  const spanMatches = (s: StoredSpan): boolean =>
    s.service === service &&
    (operation === undefined || s.operation === operation) &&
    (minDuration === undefined || s.durationUs >= minDuration) &&
    (maxDuration === undefined || s.durationUs <= maxDuration) &&
    tags.every(([k, v]) => spanHasTag(s, k, v));
  const needsSpanFilter = tags.length > 0 || minDuration !== undefined || maxDuration !== undefined;
  return findTraces(
    ctx.services.store,
    { service, ...(operation !== undefined ? { operation } : {}), startFromUs: startUs, startToUs: endUs },
    limit,
    needsSpanFilter ? (spans) => spans.some(spanMatches) : undefined,
  );
}

/** `tags={"k":"v"}` (JSON object of strings) and `tag=k:v` (repeatable), as Jaeger's query parser reads them. */
function tagFilters(p: URLSearchParams): [string, string][] {
  const out: [string, string][] = [];
  // Empty values are what a search form sends for an empty field: no filter.
  for (const t of p.getAll('tag').filter((x) => x !== '')) {
    const i = t.indexOf(':');
    if (i < 1) throw new QueryParamError(`tag: expected key:value, got ${quote(t)}`);
    out.push([t.slice(0, i), t.slice(i + 1)]);
  }
  for (const raw of p.getAll('tags').filter((x) => x !== '')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new QueryParamError(`tags: expected a JSON object of strings such as {"http.status_code":"500"}, got ${quote(raw)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new QueryParamError(`tags: expected a JSON object of strings such as {"http.status_code":"500"}, got ${quote(raw)}`);
    }
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v !== 'string') throw new QueryParamError(`tags.${k}: expected a string, got ${JSON.stringify(v)}`);
      out.push([k, v]);
    }
  }
  return out;
}

/** A tag as Jaeger matches it: span tags (with the translator's own), process tags, or a log field. */
function spanHasTag(s: StoredSpan, key: string, value: string): boolean {
  const { tags, process } = tagsOf(s);
  const fields = s.events.flatMap((e) => e.attributes.map((a) => ({ key: a.key, value: tagString(a.value) })));
  return [...tags, ...process].some((t) => t.key === key && String(t.value) === value) || fields.some((f) => f.key === key && f.value === value);
}

async function dependencies(ctx: RouteContext, p: URLSearchParams, source: DependencySource | undefined): Promise<{ parent: string; child: string; callCount: number }[]> {
  const endTs = integer(p, 'endTs', 0, Number.MAX_SAFE_INTEGER) ?? Date.now();
  const lookback = integer(p, 'lookback', 1, Number.MAX_SAFE_INTEGER) ?? DEFAULT_DEPENDENCIES_LOOKBACK_MS;
  const links = await dependencyLinks(ctx.services.store, Math.max(0, endTs - lookback) * 1000, endTs * 1000 + 999, source);
  return links.map((l) => ({ parent: l.parent, child: l.child, callCount: l.callCount }));
}

/** A trace id as Jaeger prints it: 16 digits when the high 64 bits are zero, else 32. */
export function jaegerTraceId(traceId: string): string {
  return traceId.startsWith('0000000000000000') ? traceId.slice(16) : traceId;
}

export function toJaegerTrace(trace: LoadedTrace): JaegerTrace {
  const processes: JaegerTrace['processes'] = {};
  const processIds = new Map<string, string>();
  const spans = trace.spans.map((s) => {
    const { tags, process } = tagsOf(s);
    const key = JSON.stringify([s.service, process]);
    let processID = processIds.get(key);
    if (!processID) {
      processID = `p${processIds.size + 1}`;
      processIds.set(key, processID);
      processes[processID] = { serviceName: s.service, tags: process };
    }
    const references: JaegerSpan['references'] = [];
    if (s.parentSpanId) references.push({ refType: 'CHILD_OF', traceID: jaegerTraceId(s.traceId), spanID: s.parentSpanId });
    for (const l of linksOf(s)) references.push({ refType: 'FOLLOWS_FROM', traceID: jaegerTraceId(l.traceId), spanID: l.spanId });
    const span: JaegerSpan = {
      traceID: jaegerTraceId(s.traceId),
      spanID: s.spanId,
      operationName: s.operation,
      references,
      startTime: s.startUs,
      duration: s.durationUs,
      tags,
      logs: s.events.map((e) => ({ timestamp: e.timeUs, fields: [{ key: 'event', type: 'string', value: e.name }, ...e.attributes.map((a) => typed(a.key, a.value))] })),
      processID,
      warnings: null,
    };
    return span;
  });
  return { traceID: jaegerTraceId(trace.traceId), spans, processes, warnings: null };
}

// Private: span tags (own attributes + the translator's) and process tags (resource attributes, unprefixed).
function tagsOf(s: StoredSpan): { tags: JaegerKeyValue[]; process: JaegerKeyValue[] } {
  const tags: JaegerKeyValue[] = [];
  const process: JaegerKeyValue[] = [];
  for (const a of s.attributes) {
    if (a.key === SERVICE_NAME || a.key === LEGACY_LINKS_ATTRIBUTE) continue;
    if (a.key.startsWith(RESOURCE_PREFIX)) process.push(typed(a.key.slice(RESOURCE_PREFIX.length), a.value));
    else tags.push(typed(a.key, a.value));
  }
  const has = (key: string) => tags.some((t) => t.key === key);
  if (!has('span.kind')) tags.push({ key: 'span.kind', type: 'string', value: s.kind.toLowerCase() });
  if (s.status !== 'UNSET' && !has('otel.status_code')) tags.push({ key: 'otel.status_code', type: 'string', value: s.status });
  if (s.status === 'ERROR') {
    if (s.result?.message && !has('otel.status_description')) tags.push({ key: 'otel.status_description', type: 'string', value: s.result.message });
    if (!has('error')) tags.push({ key: 'error', type: 'bool', value: true });
  }
  return { tags, process };
}

/** An attribute as a typed Jaeger KeyValue. */
export function typed(key: string, value: unknown): JaegerKeyValue {
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  if (typeof value === 'number') return Number.isInteger(value) ? { key, type: 'int64', value } : { key, type: 'float64', value };
  if (typeof value === 'string') return { key, type: 'string', value };
  return { key, type: 'string', value: JSON.stringify(value) };
}

