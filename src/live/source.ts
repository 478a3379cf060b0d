import type { LiveSink, LiveSpan } from './types';

/** Where live spans come from: a change stream shared by every instance, or this process's own ingest. */
export type LiveSourceKind = 'changestream' | 'local';

/** The `TRACEGATE_LIVE_SOURCE` setting: `auto` tries the change stream and falls back to `local`. */
export type LiveSourceMode = 'auto' | LiveSourceKind;

/**
 * A live source delivers every span the store acknowledged after `open` resolved, exactly once, in store
 * order, to the one sink given to `open`.
 *
 * Contract:
 * - `open` resolves only once delivery is established; it rejects (and holds nothing) when the source cannot
 *   serve, e.g. a store that answers `$changeStream` with an error.
 * - After an interruption the source resumes on its own without losing or repeating a span; if it cannot
 *   (history lost), it logs that a gap occurred rather than hiding it.
 * - `close` releases everything and is idempotent; no sink call happens after it resolves.
 */
export interface LiveSource<S extends LiveSpan> {
  readonly kind: LiveSourceKind;
  open(sink: LiveSink<S>): Promise<void>;
  close(): Promise<void>;
}
