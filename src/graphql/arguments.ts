/**
 * Query arguments validated once, at the edge, into store types; each message names the argument, what
 * was expected and what was received (BAD_USER_INPUT).
 */
import { ErrorCode, TracegateError } from '../errors';
import { parseDateTime, parseSpanId, parseTraceId } from '../domain';
import type { TraceFilter } from '../generated/graphql';
import type { TraceQuery } from '../store';

/** The largest page a client may ask for. */
export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined, defaultSize = 20): number {
  const size = first ?? defaultSize;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badInput(`first: expected an integer from 1 to ${MAX_PAGE_SIZE}, received ${size}`);
  }
  return size;
}

export function traceIdArg(name: string, value: string): string {
  const parsed = parseTraceId(value);
  if (!parsed.ok) throw badInput(`${name}: ${parsed.reason}`);
  return parsed.id;
}

export function spanIdArg(name: string, value: string): string {
  const parsed = parseSpanId(value);
  if (!parsed.ok) throw badInput(`${name}: ${parsed.reason}`);
  return parsed.id;
}

/** Hashes a clear value as the redaction `hash` action stores it (src/privacy Redactor). */
export interface ValueHasher {
  readonly canHash: boolean;
  hashValue(value: unknown): string;
}

export function traceQuery(filter: TraceFilter | null | undefined, hasher?: ValueHasher): TraceQuery {
  const query: TraceQuery = {};
  if (!filter) return query;
  if (filter.service != null) query.service = filter.service;
  if (filter.operation != null) query.operation = filter.operation;
  if (filter.status != null) {
    if (filter.status === 'UNSET') throw badInput('filter.status: expected OK or ERROR (a trace is ERROR when any span is ERROR, else OK), received UNSET');
    query.status = filter.status;
  }
  if (filter.minDurationUs != null) query.minDurationUs = nonNegative('filter.minDurationUs', filter.minDurationUs);
  if (filter.maxDurationUs != null) query.maxDurationUs = nonNegative('filter.maxDurationUs', filter.maxDurationUs);
  if (query.minDurationUs !== undefined && query.maxDurationUs !== undefined && query.maxDurationUs < query.minDurationUs) {
    throw badInput(`filter: expected maxDurationUs >= minDurationUs, received ${query.maxDurationUs} < ${query.minDurationUs}`);
  }
  if (filter.startTimeFrom != null) query.startFromUs = time('filter.startTimeFrom', filter.startTimeFrom);
  if (filter.startTimeTo != null) query.startToUs = time('filter.startTimeTo', filter.startTimeTo);
  if (query.startFromUs !== undefined && query.startToUs !== undefined && query.startToUs < query.startFromUs) {
    throw badInput('filter: expected startTimeTo at or after startTimeFrom');
  }
  if (filter.attributes != null) {
    query.attributes = filter.attributes.map((a, i) => {
      if (a.value === null || a.value === undefined) throw badInput(`filter.attributes[${i}].value: expected a JSON value, received null`);
      return { key: a.key, value: a.value };
    });
  }
  if (filter.hashedAttributes != null) {
    if (!hasher?.canHash) {
      throw badInput('filter.hashedAttributes: expected a gateway with TRACEGATE_REDACTION_KEY set (values are hashed with it), received a query on a gateway without one');
    }
    const hashed = filter.hashedAttributes.map((a, i) => {
      if (a.value === null || a.value === undefined) throw badInput(`filter.hashedAttributes[${i}].value: expected a JSON value, received null`);
      return { key: a.key, value: hasher.hashValue(a.value) };
    });
    query.attributes = [...(query.attributes ?? []), ...hashed];
  }
  return query;
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0)) throw badInput(`${name}: expected a number >= 0, received ${value}`);
  return value;
}

function time(name: string, value: string): number {
  const parsed = parseDateTime(value);
  if (!parsed.ok) throw badInput(`${name}: ${parsed.reason}`);
  return parsed.us;
}

export function badInput(message: string): TracegateError {
  return new TracegateError(ErrorCode.BAD_USER_INPUT, message);
}
