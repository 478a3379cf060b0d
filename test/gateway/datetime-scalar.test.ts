import { DateTimeScalar } from '../../src/graphql';

describe('DateTime output', () => {
  it('formats integer µs since the epoch as UTC with exactly 6 fraction digits', () => {
    expect(DateTimeScalar.serialize(Date.UTC(2026, 10, 26, 10) * 1000 + 37)).toBe('2026-11-26T10:00:00.000037Z');
    expect(DateTimeScalar.serialize(0)).toBe('1970-01-01T00:00:00.000000Z');
  });

  it('passes a well-formed DateTime string through and refuses anything else', () => {
    expect(DateTimeScalar.serialize('2026-11-26T10:00:00.000037Z')).toBe('2026-11-26T10:00:00.000037Z');
    expect(() => DateTimeScalar.serialize('yesterday')).toThrow('DateTime cannot represent');
    expect(() => DateTimeScalar.serialize(1.5)).toThrow('DateTime cannot represent');
    expect(() => DateTimeScalar.serialize(Number.NaN)).toThrow('DateTime cannot represent');
    expect(() => DateTimeScalar.serialize(null)).toThrow('DateTime cannot represent');
  });
});
