/**
 * Rollup deltas: what a set of spans adds to (or, negated, removes from) the buckets, and the document each
 * delta is written to.
 *
 * Deltas (one per touched bucket):
 * - operation bucket: (service, operation, minute)
 * - service bucket per hour: (service, hour)
 * - edge bucket:      (source service, target service, minute)  and per hour (source, target, hour)
 * where `minute` / `hour` is the span's start time floored to the minute / hour (ms since the epoch); for an
 * edge, the start of the child span. Every field is a sum or an extreme: calls, errors (status ERROR), summed
 * duration, a bin count per DDSketch bin and a count of zero durations, all `$inc`; min and max duration `$min`
 * / `$max`. Deltas of one batch are merged per bucket first.
 *
 * Documents (`_id` = the JSON array of the kind's code and the key):
 * - ['s', service, minute]: one per service and minute, holding each operation's bucket under `o.<operation>`
 *   (the name encoded by `operationField`); the service's minute is the sum of its operations, added up when
 *   read. A batch costs one update per service and minute for all its operations.
 * - ['S', service, hour]: the service's sums per hour (a long window's service graph reads 24 a day instead of
 *   1440 minutes).
 * - ['e', source, target, minute] and ['E', source, target, hour]: an edge's sums.
 */
import type { SpanCore } from '../domain';
import type { RollupDoc } from './documents';
import { binOf } from './sketch';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** Minute buckets of operations and edges, and hour buckets of services and edges (the service graph of long windows reads those). */
export type RollupKind = 'operation' | 'edge' | 'serviceHour' | 'edgeHour';

/** The `k` field of the document each kind is written to (an operation's bucket lives in its service's minute document). */
export const KIND_CODE = { operation: 's', edge: 'e', serviceHour: 'S', edgeHour: 'E' } as const satisfies Record<RollupKind, string>;

export interface BucketKey {
  kind: RollupKind;
  service: string;
  /** Operation for an operation bucket; the target service for an edge bucket; null for a service bucket. */
  second: string | null;
  /** Start of the bucket (a minute, or an hour for the hour kinds), ms since the epoch. */
  minuteMs: number;
}

/** Sums of one bucket for one batch. */
export interface BucketDelta {
  key: BucketKey;
  calls: number;
  errors: number;
  sumUs: number;
  minUs: number;
  maxUs: number;
  zeros: number;
  bins: Map<number, number>;
}

/** The cross-service call a child span makes its parent's service: source = parent's service. */
export interface EdgeCall {
  source: string;
  child: SpanCore;
}

/** A bucket's own key, unique among the buckets of every kind (an operation's bucket: ['o', service, operation, minute]). */
export function bucketId(key: BucketKey): string {
  const code = key.kind === 'operation' ? 'o' : KIND_CODE[key.kind];
  return key.second === null ? JSON.stringify([code, key.service, key.minuteMs]) : JSON.stringify([code, key.service, key.second, key.minuteMs]);
}

/** Where a bucket is stored: its document's `_id`, and the prefix of its fields in that document ('' or `o.<field>.`). */
export interface BucketPlace {
  docId: string;
  prefix: string;
}

export function bucketPlace(key: BucketKey): BucketPlace {
  if (key.kind === 'operation') return { docId: JSON.stringify(['s', key.service, key.minuteMs]), prefix: `o.${operationField(key.second ?? '')}.` };
  return { docId: bucketId(key), prefix: '' };
}

/** The fields that name the document a bucket is stored in: its kind, service, start and, for an edge, target. */
export function documentHead(key: BucketKey): Pick<RollupDoc, 'k' | 's' | 'm' | 'x'> {
  const head: Pick<RollupDoc, 'k' | 's' | 'm' | 'x'> = { k: KIND_CODE[key.kind], s: key.service, m: key.minuteMs };
  if (key.kind === 'edge' || key.kind === 'edgeHour') head.x = key.second ?? '';
  return head;
}

/**
 * An operation name as a field name: `%`, `.`, `$` and NUL written as `%` and two hex digits (a field name may
 * hold none of the last three where an update path names it), the empty name as `%`.
 */
export function operationField(operation: string): string {
  if (operation === '') return '%';
  return operation.replace(/[%.$\u0000]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}

/** The operation name a field name stands for (the inverse of operationField). */
export function operationOfField(field: string): string {
  if (field === '%') return '';
  return field.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export function hourOf(us: number): number {
  return Math.floor(us / 1000 / HOUR_MS) * HOUR_MS;
}

export function minuteOf(us: number): number {
  return Math.floor(us / 1000 / MINUTE_MS) * MINUTE_MS;
}

/** Deltas of spans (operation and service-hour buckets) and of counted edge calls (edge buckets), merged per key. */
export function rollupDeltas(spans: readonly SpanCore[], edges: readonly EdgeCall[]): BucketDelta[] {
  const out: BucketDelta[] = [];
  // Buckets found through nested maps (service or edge source, then operation or target, then the bucket's
  // start): a span adds to three buckets and an edge call to two without building a key string for any of them.
  // The loops are functions of their own, and so are the lookups (no closure made per call): each is optimized
  // once and stays so from one call to the next.
  addSpans(new Map(), spans, out);
  addEdgeCalls(new Map(), edges, out);
  return out;
}

// Private: the operation and service-hour buckets of `spans`, found or added (to `out` too) under `services`.
function addSpans(services: Map<string, Series>, spans: readonly SpanCore[], out: BucketDelta[]): void {
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    const bin = binOf(span.durationUs);
    const service = seriesOf(services, span.service);
    const operation = seriesOf(service.seconds, span.operation);
    add(bucketOf(operation.minutes, 'operation', span.service, span.operation, minuteOf(span.startUs), out), span, bin);
    add(bucketOf(service.hours, 'serviceHour', span.service, null, hourOf(span.startUs), out), span, bin);
  }
}

// Private: the edge buckets (minute and hour) of the counted calls, found or added (to `out` too) under `sources`.
function addEdgeCalls(sources: Map<string, Series>, edges: readonly EdgeCall[], out: BucketDelta[]): void {
  for (let i = 0; i < edges.length; i++) {
    const edge = edges[i]!;
    const child = edge.child;
    const bin = binOf(child.durationUs);
    const target = seriesOf(seriesOf(sources, edge.source).seconds, child.service);
    add(bucketOf(target.minutes, 'edge', edge.source, child.service, minuteOf(child.startUs), out), child, bin);
    add(bucketOf(target.hours, 'edgeHour', edge.source, child.service, hourOf(child.startUs), out), child, bin);
  }
}

/** Buckets of one series by start (minutes, hours), and the series one level down (operations, edge targets). */
interface Series {
  minutes: Map<number, BucketDelta>;
  hours: Map<number, BucketDelta>;
  seconds: Map<string, Series>;
}

// Private: the series of `name` under `of`, added when new.
function seriesOf(of: Map<string, Series>, name: string): Series {
  let found = of.get(name);
  if (!found) {
    found = { minutes: new Map(), hours: new Map(), seconds: new Map() };
    of.set(name, found);
  }
  return found;
}

// Private: the bucket starting at `minuteMs` in `at`, added (to `at` and `out`) when new.
function bucketOf(at: Map<number, BucketDelta>, kind: RollupKind, service: string, second: string | null, minuteMs: number, out: BucketDelta[]): BucketDelta {
  let delta = at.get(minuteMs);
  if (!delta) {
    delta = { key: { kind, service, second, minuteMs }, calls: 0, errors: 0, sumUs: 0, minUs: Infinity, maxUs: -Infinity, zeros: 0, bins: new Map() };
    at.set(minuteMs, delta);
    out.push(delta);
  }
  return delta;
}

// Private: one span (or the child of an edge call) counted into a bucket.
function add(delta: BucketDelta, span: SpanCore, bin: number | null): void {
  delta.calls += 1;
  if (span.status === 'ERROR') delta.errors += 1;
  delta.sumUs += span.durationUs;
  if (span.durationUs < delta.minUs) delta.minUs = span.durationUs;
  if (span.durationUs > delta.maxUs) delta.maxUs = span.durationUs;
  if (bin === null) delta.zeros += 1;
  else delta.bins.set(bin, (delta.bins.get(bin) ?? 0) + 1);
}
