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
  if (typeof value === 'string') {
    const us = scanMicros(value);
    if (us !== null) return { ok: true, us };
  }
  return parseDateTimeByPattern(value);
}

// Private: the date of the last value scanned and its ms since the epoch at midnight UTC (the times of one batch
// mostly share their day, so its calendar check runs once per day met).
let scannedDay: string | null = null;
let scannedDayMs = 0;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * µs since the epoch of a well-formed date-time, read character by character without allocating (the ingest path
 * parses two or more per span); null for anything else, which `parseDateTimeByPattern` then parses or refuses
 * with its reason. Accepts exactly what the pattern accepts, with the same result.
 */
function scanMicros(v: string): number | null {
  const n = v.length;
  if (n < 20 || n > 35) return null;
  const t = v.charCodeAt(10);
  if (v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || (t !== 84 && t !== 116) || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) return null;
  let dayMs: number;
  if (scannedDay !== null && v.startsWith(scannedDay)) dayMs = scannedDayMs;
  else {
    const year = digitsAt(v, 0, 4);
    const month = digitsAt(v, 5, 2);
    const day = digitsAt(v, 8, 2);
    // Years below 100 are left to the pattern (Date.UTC reads them as 19xx, which it refuses).
    if (year < 100 || month < 1 || month > 12 || day < 1) return null;
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return null;
    dayMs = Date.UTC(year, month - 1, day);
    scannedDay = v.slice(0, 10);
    scannedDayMs = dayMs;
  }
  const hour = digitsAt(v, 11, 2);
  const minute = digitsAt(v, 14, 2);
  const second = digitsAt(v, 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  // What Date.UTC(year, month - 1, day, hour, minute, second) gives for these in-range fields.
  const ms = dayMs + ((hour * 60 + minute) * 60 + second) * 1000;
  let at = 19;
  let micros = 0;
  if (v.charCodeAt(19) === 46) {
    let count = 0;
    for (at = 20; at < n; at++) {
      const d = v.charCodeAt(at) - 48;
      if (d < 0 || d > 9) break;
      if (count < 6) micros = micros * 10 + d;
      count++;
    }
    if (count === 0 || count > 9) return null;
    for (; count < 6; count++) micros *= 10;
  }
  const sign = v.charCodeAt(at);
  let offsetMinutes = 0;
  if (sign === 90 || sign === 122) {
    if (at + 1 !== n) return null;
  } else if (sign === 43 || sign === 45) {
    if (at + 6 !== n || v.charCodeAt(at + 3) !== 58) return null;
    const oh = digitsAt(v, at + 1, 2);
    const om = digitsAt(v, at + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return null;
    offsetMinutes = (sign === 45 ? -1 : 1) * (oh * 60 + om);
  } else return null;
  return (ms - offsetMinutes * 60_000) * 1000 + micros;
}

// Private: the decimal number of `count` ASCII digits at `at`, or -1.
function digitsAt(v: string, at: number, count: number): number {
  let out = 0;
  for (let i = at; i < at + count; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    out = out * 10 + d;
  }
  return out;
}

/** `parseDateTime` by its regular expression: the reference the scan is tested against, and every refusal's reason. */
export function parseDateTimeByPattern(value: unknown): TimeParse {
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
