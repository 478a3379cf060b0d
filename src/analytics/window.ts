/**
 * Query windows: validated once at the edge (BAD_USER_INPUT naming the argument, what was expected and what
 * was received), then aligned to whole buckets.
 */
import { parseDateTime } from '../domain';
import { ErrorCode, TracegateError } from '../errors';
import { MINUTE_MS } from './rollup';

/** The longest window a stats query may read. */
export const MAX_WINDOW_MS = 31 * 86_400_000;

export interface StatsWindow {
  /** Aligned down to a multiple of `stepMs` (ms since the epoch). */
  fromMs: number;
  /** Aligned up to a multiple of `stepMs`; exclusive. */
  toMs: number;
  stepMs: number;
}

export function statsWindow(from: string, to: string, stepSeconds: number | null | undefined = 60): StatsWindow {
  const step = stepSeconds ?? 60;
  if (!Number.isInteger(step) || step < 60 || step % 60 !== 0) {
    throw badInput(`stepSeconds: expected a positive multiple of 60 (rollups are per minute), received ${step}`);
  }
  const fromUs = time('from', from);
  const toUs = time('to', to);
  if (toUs <= fromUs) throw badInput(`to: expected a time after from (${from}), received ${to}`);
  if (toUs - fromUs > MAX_WINDOW_MS * 1000) {
    throw badInput(`to: expected at most 31 days after from, received ${((toUs - fromUs) / 86_400_000_000).toFixed(2)} days`);
  }
  const stepMs = step * 1000;
  const fromMs = Math.floor(fromUs / 1000 / stepMs) * stepMs;
  const toMs = Math.ceil(toUs / 1000 / stepMs) * stepMs;
  return { fromMs, toMs, stepMs };
}

/** The bucket of `stepSeconds` that holds `nowMs`. */
export function currentBucket(nowMs: number, stepSeconds: number | null | undefined = 60): StatsWindow {
  const step = stepSeconds ?? 60;
  if (!Number.isInteger(step) || step < 60 || step % 60 !== 0) {
    throw badInput(`stepSeconds: expected a positive multiple of 60 (rollups are per minute), received ${step}`);
  }
  const stepMs = step * 1000;
  const fromMs = Math.floor(nowMs / stepMs) * stepMs;
  return { fromMs, toMs: fromMs + stepMs, stepMs };
}

export { MINUTE_MS };

function time(name: string, value: string): number {
  const parsed = parseDateTime(value);
  if (!parsed.ok) throw badInput(`${name}: ${parsed.reason}`);
  return parsed.us;
}

function badInput(message: string): TracegateError {
  return new TracegateError(ErrorCode.BAD_USER_INPUT, message);
}
