/**
 * Wire timestamps -> the `DateTime` input scalar. OTLP sends nanoseconds since the Unix epoch (fixed64), Zipkin
 * microseconds; both become ISO-8601 UTC with all 9 fraction digits, and the gateway's validation rounds them to
 * its microsecond precision, so no digit is dropped here.
 */
const NANOS_PER_SECOND = 1_000_000_000n;

export function nanosToIso(nanos: bigint): string {
  if (nanos < 0n) throw new RangeError(`expected nanoseconds since the epoch >= 0, got ${nanos}`);
  // A uint64 of nanoseconds ends in the year 2554, well inside Date's range.
  const wholeSeconds = new Date(Number((nanos / NANOS_PER_SECOND) * 1000n)).toISOString().slice(0, 19);
  const fraction = (nanos % NANOS_PER_SECOND).toString().padStart(9, '0');
  return `${wholeSeconds}.${fraction}Z`;
}

export function microsToNanos(micros: bigint): bigint {
  return micros * 1000n;
}

