/** parseDateTime reads well-formed date-times by a scan; it must accept and answer exactly what its pattern does. */
import { parseDateTime } from '../../src/domain';
import { parseDateTimeByPattern } from '../../src/domain/time';

describe('parseDateTime', () => {
  it('answers exactly what the pattern answers, on well-formed, malformed and impossible date-times', () => {
    const samples = [
      '2026-11-26T10:00:00Z', '2026-11-26t10:00:00z', '2026-11-26T10:00:00.1Z', '2026-11-26T10:00:00.123456Z',
      '2026-11-26T10:00:00.123456789Z', '2026-11-26T10:00:00.1234567891Z', '2026-11-26T10:00:00.Z', '2026-11-26T10:00:00.000037+01:00',
      '2026-11-26T10:00:00-02:30', '2026-11-26T10:00:00+23:59', '2026-11-26T10:00:00+24:00', '2026-11-26T10:00:00+01:60',
      '2026-11-26T10:00:00+0100', '2026-11-26T10:00:00', '2026-11-26 10:00:00Z', '2026-02-29T00:00:00Z', '2024-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-01T00:00:00Z',
      '2026-01-00T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T23:60:00Z', '2026-01-01T23:59:60Z', '0099-01-01T00:00:00Z',
      '0100-01-01T00:00:00Z', '1969-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999999-23:59', '2026-1-26T10:00:00Z',
      '2026-11-26T10:00:00ZZ', '2026-11-26T10:00:00.12a4Z', '+2026-11-26T10:00:00Z', '２026-11-26T10:00:00Z', '',
      '2026-11-26T10:00:00.000001Z ', ' 2026-11-26T10:00:00Z',
    ];
    // Random variations of a valid time: each character replaced by a digit, a separator or a letter.
    const base = '2026-11-26T10:59:58.123456+05:30';
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const alphabet = '0123456789-:.+TZtz x';
    for (let i = 0; i < 5000; i++) {
      const at = next(base.length);
      samples.push(base.slice(0, at) + alphabet[next(alphabet.length)]! + base.slice(at + (next(3) === 0 ? 0 : 1)));
    }
    for (const value of [...samples, ...samples.slice().reverse()]) expect([value, parseDateTime(value)]).toEqual([value, parseDateTimeByPattern(value)]);
    expect(parseDateTime('2026-11-26T11:00:00.000037+01:00')).toEqual({ ok: true, us: Date.UTC(2026, 10, 26, 10) * 1000 + 37 });
    expect(parseDateTime(12)).toEqual(parseDateTimeByPattern(12));
  });
});
