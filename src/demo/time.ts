/**
 * Span times travel as ISO-8601 UTC with exactly six fraction digits (the schema's DateTime output form),
 * so the generator keeps every instant as integer microseconds since the epoch.
 */
export type EpochMicros = number;

export function toIsoMicros(us: EpochMicros): string {
  if (!Number.isSafeInteger(us) || us < 0) {
    throw new RangeError(`toIsoMicros expects a non-negative integer count of microseconds, but got: ${us}`);
  }
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // 2026-11-26T10:00:00.123Z
  const micros = String(us % 1000).padStart(3, '0');
  return `${iso.slice(0, 23)}${micros}Z`;
}

export function fromIsoMicros(iso: string): EpochMicros {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(iso);
  if (!m) throw new RangeError(`fromIsoMicros expects UTC ISO-8601 ending in Z, but got: ${JSON.stringify(iso)}`);
  const whole = Date.parse(`${m[1]}Z`);
  const fraction = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return whole * 1000 + Number(fraction);
}

export function nowMicros(): EpochMicros {
  return Date.now() * 1000;
}
