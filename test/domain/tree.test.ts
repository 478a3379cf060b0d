import { assembleTrace, type SpanRecord } from '../../src/domain';

function rec(spanId: string, parentSpanId: string | null, startUs: number): SpanRecord {
  return {
    traceId: 't', spanId, parentSpanId, service: 's', operation: 'o', kind: 'INTERNAL', startUs, endUs: startUs + 1,
    durationUs: 1, startTime: startUs, endTime: startUs + 1, status: 'UNSET', result: null, attributes: [], metrics: [], events: [], links: [],
  };
}

describe('assembleTrace', () => {
  it('orders spans by start and links children, whatever the input order', () => {
    const tree = assembleTrace([rec('c', 'b', 30), rec('b', 'a', 20), rec('a', null, 10), rec('d', 'a', 15)]);
    expect(tree.spans.map((s) => s.spanId)).toEqual(['a', 'd', 'b', 'c']);
    expect(tree.root?.spanId).toBe('a');
    expect(tree.children('a').map((s) => s.spanId)).toEqual(['d', 'b']);
    expect(tree.span('c')?.parentSpanId).toBe('b');
  });

  it('picks the earliest parentless span when there are several roots', () => {
    expect(assembleTrace([rec('x', null, 50), rec('y', null, 40)]).root?.spanId).toBe('y');
  });

  it('falls back to the earliest orphan when no span is parentless', () => {
    const tree = assembleTrace([rec('b', 'missing1', 20), rec('a', 'missing2', 25), rec('c', 'b', 10)]);
    expect(tree.root?.spanId).toBe('b');
  });

  it('has no root for an empty trace', () => {
    expect(assembleTrace([]).root).toBeNull();
  });
});
