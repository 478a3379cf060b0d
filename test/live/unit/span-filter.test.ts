import { LiveSpanFilter } from '../../../src/live';
import { TracegateError } from '../../../src/errors';
import { span } from './spans';

describe('LiveSpanFilter', () => {
  it('an empty or null filter matches every span', () => {
    expect(new LiveSpanFilter(null).matches(span())).toBe(true);
    expect(new LiveSpanFilter({}).matches(span())).toBe(true);
  });

  it.each([
    ['service', { service: 'payment' }, { service: 'payment' }, { service: 'inventory' }],
    ['operation', { operation: 'charge' }, { operation: 'charge' }, { operation: 'refund' }],
    ['status', { status: 'ERROR' }, { status: 'ERROR' as const }, { status: 'OK' as const }],
    ['minDurationUs', { minDurationUs: 500 }, { durationUs: 500 }, { durationUs: 499 }],
  ])('filters on %s', (_name, filter, yes, no) => {
    const f = new LiveSpanFilter(filter);
    expect(f.matches(span(yes))).toBe(true);
    expect(f.matches(span(no))).toBe(false);
  });

  it('all fields together must all hold', () => {
    const f = new LiveSpanFilter({ service: 'payment', status: 'ERROR', minDurationUs: 10 });
    expect(f.matches(span({ service: 'payment', status: 'ERROR', durationUs: 10 }))).toBe(true);
    expect(f.matches(span({ service: 'payment', status: 'OK', durationUs: 10 }))).toBe(false);
  });

  it('equal filters have equal keys whatever the spelling of absent fields', () => {
    expect(new LiveSpanFilter({ service: 'a', operation: null }).key).toBe(new LiveSpanFilter({ service: 'a' }).key);
    expect(new LiveSpanFilter({ service: 'a' }).key).not.toBe(new LiveSpanFilter({ operation: 'a' }).key);
  });

  it('rejects bad values with BAD_USER_INPUT naming expected and received', () => {
    const bad = (input: object) => () => new LiveSpanFilter(input as never);
    expect(bad({ minDurationUs: -1 })).toThrow('filter.minDurationUs: expected a finite number >= 0, received -1');
    expect(bad({ status: 'RED' })).toThrow('filter.status: expected one of UNSET, OK, ERROR, received "RED"');
    try {
      new LiveSpanFilter({ minDurationUs: Number.NaN });
      throw new Error('expected a throw');
    } catch (err) {
      expect(err).toBeInstanceOf(TracegateError);
      expect((err as TracegateError).code).toBe('BAD_USER_INPUT');
    }
  });
});
