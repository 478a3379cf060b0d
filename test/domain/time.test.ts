import { formatMicros, parseDateTime } from '../../src/domain';

describe('DateTime <-> µs', () => {
  it('keeps microseconds and truncates nanoseconds', () => {
    const parsed = parseDateTime('2026-11-26T10:00:00.123456789Z');
    expect(parsed).toEqual({ ok: true, us: Date.UTC(2026, 10, 26, 10) * 1000 + 123456 });
    expect(formatMicros((parsed as { us: number }).us)).toBe('2026-11-26T10:00:00.123456Z');
  });

  it('applies offsets and outputs UTC with exactly 6 fraction digits', () => {
    const parsed = parseDateTime('2026-11-26T11:00:00.000037+01:00');
    expect(parsed.ok && formatMicros(parsed.us)).toBe('2026-11-26T10:00:00.000037Z');
    const noFraction = parseDateTime('2026-11-26T10:00:00-02:30');
    expect(noFraction.ok && formatMicros(noFraction.us)).toBe('2026-11-26T12:30:00.000000Z');
  });

  it('formats every value alike, whichever second the value before it fell in', () => {
    // The millisecond formatting of Date, with the three µs digits appended: what formatMicros must agree with.
    const reference = (us: number): string => {
      const ms = Math.floor(us / 1000);
      return `${new Date(ms).toISOString().slice(0, -1)}${String(us - ms * 1000).padStart(3, '0')}Z`;
    };
    const base = Date.UTC(2026, 11, 31, 23, 59, 59) * 1000;
    const values = [base, base + 999_999, base + 1_000_000, base + 5, base - 1, -1, 0, 999_999, 1_000_000, -1_000_001, Date.UTC(10000, 0, 1) * 1000 + 7, base + 1, base + 1];
    for (let i = 0; i < 200; i++) values.push(base + Math.floor(Math.sin(i) * 3_000_000), base + i * 123_457);
    for (const us of values) expect(formatMicros(us)).toBe(reference(us));
  });

  it('handles dates before the epoch', () => {
    const parsed = parseDateTime('1969-12-31T23:59:59.999999Z');
    expect(parsed).toEqual({ ok: true, us: -1 });
    expect(formatMicros(-1)).toBe('1969-12-31T23:59:59.999999Z');
  });

  it.each([
    ['2026-11-26 10:00:00Z', 'expected an ISO-8601'],
    ['2026-11-26T10:00:00', 'expected an ISO-8601'],
    ['2026-11-26T10:00:00.1234567890Z', 'expected an ISO-8601'],
    ['2026-02-30T10:00:00Z', 'real calendar date'],
    ['2026-11-26T24:00:00Z', 'real calendar date'],
    ['2026-11-26T10:00:00+25:00', 'offset'],
  ])('rejects %s', (text, reason) => {
    const parsed = parseDateTime(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });
});
