/**
 * Times are integers of microseconds since the Unix epoch (a double holds them exactly up to year ~287,000).
 * Input: ISO-8601 / RFC 3339 date-time with an offset and up to 9 fraction digits; digits beyond the
 * microsecond are truncated. Output: UTC with exactly 6 fraction digits.
 */
export type Micros = number;

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

export const DATE_TIME_EXPECTED = 'an ISO-8601 date-time with an offset and at most 9 fraction digits, e.g. "2026-11-26T10:00:00.000037Z"';

export type TimeParse = { ok: true; us: Micros } | { ok: false; reason: string };

export function parseDateTime(value: unknown): TimeParse {
  if (typeof value !== 'string') return { ok: false, reason: `expected ${DATE_TIME_EXPECTED}, received ${typeof value}` };
  const m = DATE_TIME.exec(value);
  if (!m) return { ok: false, reason: `expected ${DATE_TIME_EXPECTED}, received ${JSON.stringify(value.slice(0, 64))}` };
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = (m[7] ?? '').padEnd(9, '0');
  const offset = m[8]!;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  // Date.UTC rolls 2026-02-30 over to March; a real calendar date round-trips unchanged.
  if (
    month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 ||
    check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day
  ) {
    return { ok: false, reason: `expected a real calendar date and time, received ${JSON.stringify(value)}` };
  }
  let offsetMinutes = 0;
  if (offset !== 'Z' && offset !== 'z') {
    const sign = offset[0] === '-' ? -1 : 1;
    const oh = Number(offset.slice(1, 3));
    const om = Number(offset.slice(4, 6));
    if (oh > 23 || om > 59) return { ok: false, reason: `expected an offset within ±23:59, received ${offset}` };
    offsetMinutes = sign * (oh * 60 + om);
  }
  const us = (ms - offsetMinutes * 60_000) * 1000 + Number(fraction.slice(0, 6));
  return { ok: true, us };
}

/** UTC, exactly 6 fraction digits: "2026-11-26T10:00:00.000037Z". */
export function formatMicros(us: Micros): string {
  const second = Math.floor(us / 1_000_000);
  const micro = us - second * 1_000_000;
  if (!Number.isInteger(micro)) return formatFractionalMicros(us);
  // A trace's times fall in few seconds (a span's start and end mostly in one): the date and time up to the
  // second are formatted once per second met, not once per value.
  if (second !== lastSecond) {
    const iso = new Date(second * 1000).toISOString(); // "...:00.000Z"
    lastPrefix = iso.slice(0, -4);
    lastSecond = second;
  }
  return `${lastPrefix}${String(micro).padStart(6, '0')}Z`;
}

let lastSecond = Number.NaN;
let lastPrefix = '';

// Private: a time that is not a whole number of µs (never stored, which holds integers) keeps its fraction digits.
function formatFractionalMicros(us: Micros): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, -1)}${String(us - ms * 1000).padStart(3, '0')}Z`;
}

export function microsFromDate(date: Date): Micros {
  return date.getTime() * 1000;
}
