/** Trace and span ids: lowercase hex of a fixed length, not all zero; uppercase input is normalised. */
import { parseSpanId, parseTraceId } from '../../src/domain';

describe('parseSpanId / parseTraceId', () => {
  it('accepts hex digits of the right length in either case, as lowercase', () => {
    expect(parseSpanId('0123456789abcdef')).toEqual({ ok: true, id: '0123456789abcdef' });
    expect(parseSpanId('0123456789ABCDEF')).toEqual({ ok: true, id: '0123456789abcdef' });
    expect(parseSpanId('000000000000000F')).toEqual({ ok: true, id: '000000000000000f' });
    expect(parseTraceId('0'.repeat(31) + '1')).toEqual({ ok: true, id: '0'.repeat(31) + '1' });
    expect(parseTraceId('AbCdEf0123456789'.repeat(2))).toEqual({ ok: true, id: 'abcdef0123456789'.repeat(2) });
  });

  it('refuses anything else with what was expected and what was received', () => {
    const expected = 'expected 16 hex digits, not all zero';
    expect(parseSpanId('0'.repeat(16))).toEqual({ ok: false, reason: `${expected}, received an all-zero id` });
    expect(parseSpanId('0123456789abcdeg')).toEqual({ ok: false, reason: `${expected}, received "0123456789abcdeg" (16 characters)` });
    expect(parseSpanId('0123456789abcde')).toEqual({ ok: false, reason: `${expected}, received "0123456789abcde" (15 characters)` });
    expect(parseSpanId('0123456789abcdef0')).toEqual({ ok: false, reason: `${expected}, received "0123456789abcdef0" (17 characters)` });
    expect(parseSpanId('0123456789abcde/')).toEqual({ ok: false, reason: `${expected}, received "0123456789abcde/" (16 characters)` });
    expect(parseSpanId('0123456789abcde:')).toMatchObject({ ok: false });
    expect(parseSpanId('0123456789abcde@')).toMatchObject({ ok: false });
    expect(parseSpanId('0123456789abcdeG')).toMatchObject({ ok: false });
    expect(parseSpanId('0123456789abcde`')).toMatchObject({ ok: false });
    expect(parseSpanId('0123456789abcdeｆ')).toMatchObject({ ok: false });
    expect(parseSpanId(' 123456789abcdef')).toMatchObject({ ok: false });
    expect(parseSpanId(12)).toEqual({ ok: false, reason: `${expected}, received number 12` });
    expect(parseSpanId(null)).toEqual({ ok: false, reason: `${expected}, received null` });
  });
});
