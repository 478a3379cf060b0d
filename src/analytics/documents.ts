/**
 * The rollup collection: one document per bucket (see rollup.ts for the keys).
 *
 * `k` tells the kind ('s' service, 'o' operation, 'e' edge per minute; 'S' service, 'E' edge per hour), `s` the service (the source of an edge), `x` the
 * operation or the edge's target, `m` the bucket's start (ms since the epoch). Counters: `c` calls, `e`
 * errors, `d` summed duration (µs), `z` zero durations, `b` DDSketch bins `{binIndex: count}`; extremes `lo`,
 * `hi`. `expireAt` = last write + TRACEGATE_STATS_RETENTION (TTL index).
 */
import type { IndexDescription } from 'mongodb';

export const ROLLUPS_COLLECTION = 'rollups';

export type RollupKindCode = 's' | 'o' | 'e' | 'S' | 'E';

export interface RollupDoc {
  _id: string;
  k: RollupKindCode;
  s: string;
  x: string | null;
  m: number;
  c: number;
  e: number;
  d: number;
  z: number;
  lo: number;
  hi: number;
  b: Record<string, number>;
  expireAt: Date;
}

export const ROLLUP_INDEXES: IndexDescription[] = [
  { key: { k: 1, m: 1 }, name: 'kind_minute' },
  { key: { k: 1, s: 1, m: 1 }, name: 'kind_service_minute' },
  { key: { expireAt: 1 }, name: 'retention_ttl', expireAfterSeconds: 0 },
];

/**
 * The span-document field that marks a child span whose cross-service edge was counted by a call that did not
 * store both spans of the pair: the token of the call that won the conditional update.
 */
export const EDGE_COUNTED_FIELD = 'ec';

/**
 * `edge_waits`: one document per awaited parent span (`_id` = the parent's span document id), listing the span
 * ids of stored children whose parent was not stored yet (`c`); deleted once the parent's call read it, else
 * expired with the rollups.
 */
export const EDGE_WAITS_COLLECTION = 'edge_waits';

export interface WaitDoc {
  _id: string;
  c: string[];
  expireAt: Date;
}

export const EDGE_WAITS_INDEXES: IndexDescription[] = [{ key: { expireAt: 1 }, name: 'retention_ttl', expireAfterSeconds: 0 }];
