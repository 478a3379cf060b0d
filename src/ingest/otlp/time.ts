/**
 * Wire timestamps -> the `DateTime` input scalar. OTLP sends nanoseconds since the Unix epoch (fixed64), Zipkin
 * microseconds; both become ISO-8601 UTC with all 9 fraction digits, and the gateway's validation truncates them to
 * its microsecond precision, so no digit is dropped here.
 */
const NANOS_DIGITS = 9;

// Private: spans of one request mostly share their second; its ISO prefix is computed once.
let cachedSeconds = '';
let cachedPrefix = '';

export function nanosToIso(nanos: bigint): string {
  if (nanos < 0n) throw new RangeError(`expected nanoseconds since the epoch >= 0, got ${nanos}`);
  const digits = nanos.toString().padStart(NANOS_DIGITS + 1, '0');
  const seconds = digits.slice(0, -NANOS_DIGITS);
  if (seconds !== cachedSeconds) {
    // A uint64 of nanoseconds ends in the year 2554, well inside Date's range.
    cachedPrefix = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
    cachedSeconds = seconds;
  }
  return `${cachedPrefix}.${digits.slice(-NANOS_DIGITS)}Z`;
}

export function microsToNanos(micros: bigint): bigint {
  return micros * 1000n;
}
