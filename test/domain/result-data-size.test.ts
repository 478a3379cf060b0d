/**
 * The cap on `result.data` (bytes of its JSON text) is exact, although most values are accepted on a bound of
 * their size without being serialised: at the cap a value is kept, one byte over it refused with its exact size;
 * values that cannot be serialised are refused as such.
 */
import { DEFAULT_INGEST_LIMITS, RejectionCode, validateSpans, type SpanInputShape } from '../../src/domain';

const NOW_US = Date.UTC(2026, 10, 26, 12) * 1000;

function withData(data: unknown): SpanInputShape {
  return {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    service: 'checkout',
    operation: 'pay',
    startTime: '2026-11-26T10:00:00Z',
    endTime: '2026-11-26T10:00:01Z',
    result: { status: 'OK', data },
  };
}

function outcome(data: unknown, maxResultDataBytes: number) {
  return validateSpans([withData(data)], { ...DEFAULT_INGEST_LIMITS, maxResultDataBytes }, NOW_US);
}

const VALUES: [string, unknown][] = [
  ['a number', 5],
  ['a long number', -2.2250738585072014e-308],
  ['a small object', { reserved: 5 }],
  ['escapes and unicode', { 'quote"\\': 'tab\t\u0001 nul\u0000 é ✓ 𝄞 \ud800', nested: [true, false, null, 1.5, { deep: ['x'] }] }],
  ['an array', [1, 'two', { three: 3 }, [], {}]],
  ['a string', 'plain text'],
  ['a value with a non-finite number and an undefined member', { n: Number.NaN, u: undefined, keep: 'yes' }],
  ['an object with toJSON', { toJSON: () => ({ replaced: 'value' }) }],
  ['a date', new Date(0)],
];

describe('result.data size cap', () => {
  it.each(VALUES)('keeps %s at the cap and refuses it one byte over, with its exact size', (_name, data) => {
    const exact = Buffer.byteLength(JSON.stringify(data));
    const at = outcome(data, exact);
    expect(at.rejected).toEqual([]);
    expect(at.valid).toHaveLength(1);
    const over = outcome(data, exact - 1);
    expect(over.valid).toEqual([]);
    expect(over.rejected).toEqual([
      { index: 0, code: RejectionCode.TOO_LARGE, message: `result.data: expected at most ${exact - 1} bytes of JSON, received ${exact}` },
    ]);
  });

  it('refuses a value JSON cannot write: a cycle, a BigInt', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    for (const data of [cyclic, { big: 10n }]) {
      expect(outcome(data, DEFAULT_INGEST_LIMITS.maxResultDataBytes).rejected).toEqual([
        { index: 0, code: RejectionCode.INVALID_FIELD, message: 'result.data: expected a JSON value, received a value that cannot be serialised' },
      ]);
    }
  });
});
