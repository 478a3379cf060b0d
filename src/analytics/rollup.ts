/**
 * Rollup deltas: what a set of spans adds to (or, negated, removes from) the per-minute buckets.
 *
 * Keys (one document each, `_id` = the JSON array of the key):
 * - service bucket:   [service, minute]
 * - operation bucket: [service, operation, minute]
 * - edge bucket:      [source service, target service, minute]
 * where `minute` is the span's start time floored to the minute (ms since the epoch); for an edge, the start of
 * the child span. Every field is a sum or an extreme: calls, errors (status ERROR), summed duration, a bin count
 * per DDSketch bin and a count of zero durations, all `$inc`; min and max duration `$min` / `$max`. Deltas of
 * one batch are merged per key first, so a batch costs one update per touched bucket.
 */
import type { SpanRecord } from '../domain';
import { binOf } from './sketch';

export const MINUTE_MS = 60_000;

export type RollupKind = 'service' | 'operation' | 'edge';

export interface BucketKey {
  kind: RollupKind;
  service: string;
  /** Operation for an operation bucket; the target service for an edge bucket; null for a service bucket. */
  second: string | null;
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
  child: SpanRecord;
}

export function bucketId(key: BucketKey): string {
  return key.kind === 'service' ? JSON.stringify([key.service, key.minuteMs]) : JSON.stringify([key.service, key.second, key.minuteMs]);
}

export function minuteOf(us: number): number {
  return Math.floor(us / 1000 / MINUTE_MS) * MINUTE_MS;
}

/** Deltas of spans (service and operation buckets) and of counted edge calls (edge buckets), merged per key. */
export function rollupDeltas(spans: readonly SpanRecord[], edges: readonly EdgeCall[]): BucketDelta[] {
  const out = new Map<string, BucketDelta>();
  const add = (key: BucketKey, span: SpanRecord): void => {
    const id = `${key.kind}:${bucketId(key)}`;
    let delta = out.get(id);
    if (!delta) {
      delta = { key, calls: 0, errors: 0, sumUs: 0, minUs: Infinity, maxUs: -Infinity, zeros: 0, bins: new Map() };
      out.set(id, delta);
    }
    delta.calls += 1;
    if (span.status === 'ERROR') delta.errors += 1;
    delta.sumUs += span.durationUs;
    delta.minUs = Math.min(delta.minUs, span.durationUs);
    delta.maxUs = Math.max(delta.maxUs, span.durationUs);
    const bin = binOf(span.durationUs);
    if (bin === null) delta.zeros += 1;
    else delta.bins.set(bin, (delta.bins.get(bin) ?? 0) + 1);
  };
  for (const span of spans) {
    const minuteMs = minuteOf(span.startUs);
    add({ kind: 'service', service: span.service, second: null, minuteMs }, span);
    add({ kind: 'operation', service: span.service, second: span.operation, minuteMs }, span);
  }
  for (const edge of edges) add({ kind: 'edge', service: edge.source, second: edge.child.service, minuteMs: minuteOf(edge.child.startUs) }, edge.child);
  return [...out.values()];
}
