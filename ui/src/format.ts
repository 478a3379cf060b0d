/** Display helpers: durations in µs, times, service colours. */

/** 37 µs, 1.25 ms, 2.5 s */
export function formatUs(us: number): string {
  if (!Number.isFinite(us)) return '–';
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${trim(us / 1000)} ms`;
  return `${trim(us / 1_000_000)} s`;
}

function trim(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** "10:00:00.000037" (UTC) from the API's "2026-11-26T10:00:00.000037Z". */
export function formatClock(iso: string): string {
  const t = iso.indexOf('T');
  return t < 0 ? iso : iso.slice(t + 1).replace(/Z$/, '');
}

/** "2026-11-26 10:00:00" (UTC) */
export function formatDateTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, '');
}

/** Microseconds since the epoch from the API's DateTime (exactly 6 fraction digits, UTC). */
export function isoToUs(iso: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return Date.parse(iso) * 1000;
  const fraction = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return Date.parse(`${m[1]}Z`) * 1000 + Number(fraction);
}

// Colour-blind-friendly hues (Okabe-Ito and Tol), dark enough for white text and distinct on white.
const PALETTE = ['#0b62a4', '#b35900', '#0a7d5a', '#a4307a', '#5e4fa2', '#7a6a00', '#00708a', '#9c3d2e', '#3f6e1f', '#6b4c9a'];

/** A stable colour per service name. */
export function serviceColor(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) | 0;
  return PALETTE[Math.abs(h) % PALETTE.length]!;
}
