/**
 * The rollup collection: one document per service and minute, per service and hour, per edge and minute, and
 * per edge and hour (see rollup.ts for the keys).
 *
 * `k` tells the kind ('s' service per minute, 'S' per hour; 'e' edge per minute, 'E' per hour), `s` the service
 * (the source of an edge), `x` the edge's target, `m` the bucket's start (ms since the epoch). Figures of a
 * bucket: `c` calls, `e` errors, `d` summed duration (µs), `z` zero durations, `b` DDSketch bins
 * `{binIndex: count}`; extremes `lo`, `hi`. A service's minute document holds them per operation, under
 * `o.<operation field>` (rollup.ts `operationField`), and none of its own: its figures are its operations'
 * summed. `e` and `z` are written only once they count something (absent reads as 0). `expireAt` = last write +
 * TRACEGATE_STATS_RETENTION, rounded up to the whole minute (TTL index).
 *
 * Data directories written when each operation had a document of its own (`k` 'o', and service minutes with
 * figures of their own): `npm run stats:rebuild` rewrites them in this layout (until then operations of those
 * minutes are not listed).
 */
import type { IndexDescription } from 'mongodb';

export const ROLLUPS_COLLECTION = 'rollups';

export type RollupKindCode = 's' | 'e' | 'S' | 'E';

/** The figures of one bucket. */
export interface RollupFigures {
  c: number;
  e: number;
  d: number;
  z: number;
  lo: number;
  hi: number;
  b: Record<string, number>;
}

export interface RollupDoc extends Partial<RollupFigures> {
  _id: string;
  k: RollupKindCode;
  s: string;
  /** The target service of an edge document. */
  x?: string;
  m: number;
  /** A service minute's operations, by operation field. */
  o?: Record<string, Partial<RollupFigures>>;
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
 * `edge_waits`: one note per trace with children stored before their parent (`_id` = the trace id), listing
 * under `w.<parent span id>` the span ids of the stored children waiting for that parent. A parent's list is
 * removed once the call that stored the parent read it, a note left without lists is deleted, and otherwise
 * notes expire with the rollups.
 */
export const EDGE_WAITS_COLLECTION = 'edge_waits';

export interface WaitDoc {
  _id: string;
  w: Record<string, string[]>;
  expireAt: Date;
}

export const EDGE_WAITS_INDEXES: IndexDescription[] = [{ key: { expireAt: 1 }, name: 'retention_ttl', expireAfterSeconds: 0 }];
