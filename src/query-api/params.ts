/**
 * Query-string parsing shared by the Zipkin and Jaeger query APIs. Every parser validates once, at the edge,
 * and throws `QueryParamError` (HTTP 400) with a message naming the parameter, what was expected and what came.
 */

/** A bad query parameter or path segment: HTTP 400, message safe to show. */
export class QueryParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryParamError';
  }
}

/** Largest `limit` either API accepts: the page size of a GraphQL `traces` query. */
export const MAX_TRACES_PER_QUERY = 100;

const HEX_TRACE_ID = /^(?:[0-9a-fA-F]{16}|[0-9a-fA-F]{32})$/;
const DECIMAL = /^-?\d{1,19}$/;

/** The single value of a parameter; repeated values are refused rather than silently picking one. */
export function single(params: URLSearchParams, name: string): string | undefined {
  const all = params.getAll(name);
  if (all.length > 1) throw new QueryParamError(`${name}: expected one value, got ${all.length}`);
  const v = all[0];
  return v === undefined || v === '' ? undefined : v;
}

export function required(params: URLSearchParams, name: string): string {
  const v = single(params, name);
  if (v === undefined) throw new QueryParamError(`${name}: required, got nothing`);
  return v;
}

/** A non-negative integer within [min, max]. */
export function integer(params: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const v = single(params, name);
  if (v === undefined) return undefined;
  const n = DECIMAL.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new QueryParamError(`${name}: expected an integer from ${min} to ${max}, got ${quote(v)}`);
  return n;
}

/** A trace id of 16 or 32 hex digits -> the stored form: 32 lowercase digits (a 64-bit id padded with zeros). */
export function traceIdOf(raw: string, name = 'traceId'): string {
  if (!HEX_TRACE_ID.test(raw)) throw new QueryParamError(`${name}: expected 16 or 32 hex digits, got ${quote(raw)}`);
  return raw.toLowerCase().padStart(32, '0');
}

/** Go's time.ParseDuration subset Jaeger accepts ("1.5s", "100ms", "2h45m", "10us", "10µs") -> microseconds. */
export function goDurationMicros(params: URLSearchParams, name: string): number | undefined {
  const v = single(params, name);
  if (v === undefined) return undefined;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/gy;
  const units: Record<string, number> = { ns: 0.001, us: 1, µs: 1, μs: 1, ms: 1_000, s: 1_000_000, m: 60_000_000, h: 3_600_000_000 };
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * units[m[2]!]!;
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== v.length) throw new QueryParamError(`${name}: expected a duration such as 100ms, 1.5s or 2m, got ${quote(v)}`);
  return Math.round(total);
}

export function quote(v: string): string {
  return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
}
