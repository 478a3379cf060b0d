/** The demo's live progress line: rates over the last interval, totals since the start. */
import type { FeedStats } from './feeder';

export function progressLine(now: FeedStats, previous: FeedStats | undefined): string {
  const dt = (now.elapsedMs - (previous?.elapsedMs ?? 0)) / 1000 || 1;
  const tracesPerSec = (now.traces - (previous?.traces ?? 0)) / dt;
  const spansPerSec = (now.accepted + now.duplicates - (previous ? previous.accepted + previous.duplicates : 0)) / dt;
  const errors = now.rejected + now.failed + now.dropped;
  return (
    `${(now.elapsedMs / 1000).toFixed(0)} s  ${tracesPerSec.toFixed(1)} traces/s  ${spansPerSec.toFixed(0)} spans/s stored  ` +
    `total ${now.traces} traces, ${now.accepted} spans stored  errors ${errors} (rejected ${now.rejected}, failed ${now.failed}, dropped ${now.dropped})  ` +
    `retries ${now.retries}  in flight ${now.inFlight}, queued ${now.queued}`
  );
}
