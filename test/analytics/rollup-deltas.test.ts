/** rollupDeltas: one delta per touched bucket, each holding the sums of exactly the spans (or edge calls) in it. */
import { bucketId, bucketPlace, operationField, operationOfField, rollupDeltas, type EdgeCall } from '../../src/analytics/rollup';
import { binOf } from '../../src/analytics/sketch';
import type { SpanRecord } from '../../src/domain';

const MINUTE_US = 60_000_000;
const base = Date.UTC(2026, 10, 20, 10) * 1000;

function rec(n: number, service: string, operation: string, startUs: number, durationUs: number, status: SpanRecord['status'] = 'OK'): SpanRecord {
  return {
    traceId: 'ab'.repeat(16), spanId: (n + 1).toString(16).padStart(16, '0'), parentSpanId: null, service, operation, kind: 'SERVER',
    startUs, endUs: startUs + durationUs, durationUs, startTime: startUs, endTime: startUs + durationUs, status, result: null, attributes: [], metrics: [], events: [], links: [],
  };
}

describe('rollupDeltas', () => {
  it('merges spans per operation and edge bucket per minute, and per service and edge bucket per hour', () => {
    const spans = [
      rec(0, 'a', 'x', base + 10, 100),
      rec(1, 'a', 'y', base + 20, 300, 'ERROR'),
      rec(2, 'a', 'x', base + MINUTE_US + 5, 0),
      rec(3, 'b', 'x', base + 61 * MINUTE_US, 50),
    ];
    const edges: EdgeCall[] = [{ source: 'a', child: spans[3]! }, { source: 'a', child: spans[3]! }];
    const deltas = new Map(rollupDeltas(spans, edges).map((d) => [bucketId(d.key), d]));
    const minute = (us: number) => Math.floor(us / MINUTE_US) * 60_000;
    const hour = (us: number) => Math.floor(us / (60 * MINUTE_US)) * 3_600_000;
    const expect1 = (id: string, calls: number, errors: number, sumUs: number, minUs: number, maxUs: number, zeros: number, bins: [number, number][]) => {
      const d = deltas.get(id);
      expect(d && { calls: d.calls, errors: d.errors, sumUs: d.sumUs, minUs: d.minUs, maxUs: d.maxUs, zeros: d.zeros, bins: [...d.bins].sort((p, q) => p[0] - q[0]) }).toEqual({
        calls, errors, sumUs, minUs, maxUs, zeros, bins: bins.sort((p, q) => p[0] - q[0]),
      });
    };
    const b100 = binOf(100)!;
    const b300 = binOf(300)!;
    const b50 = binOf(50)!;
    expect1(JSON.stringify(['o', 'a', 'x', minute(base)]), 1, 0, 100, 100, 100, 0, [[b100, 1]]);
    expect1(JSON.stringify(['o', 'a', 'y', minute(base)]), 1, 1, 300, 300, 300, 0, [[b300, 1]]);
    expect1(JSON.stringify(['o', 'a', 'x', minute(base + MINUTE_US)]), 1, 0, 0, 0, 0, 1, []);
    expect1(JSON.stringify(['S', 'a', hour(base)]), 3, 1, 400, 0, 300, 1, [[b100, 1], [b300, 1]]);
    expect1(JSON.stringify(['o', 'b', 'x', minute(base + 61 * MINUTE_US)]), 1, 0, 50, 50, 50, 0, [[b50, 1]]);
    expect1(JSON.stringify(['S', 'b', hour(base + 61 * MINUTE_US)]), 1, 0, 50, 50, 50, 0, [[b50, 1]]);
    expect1(JSON.stringify(['e', 'a', 'b', minute(base + 61 * MINUTE_US)]), 2, 0, 100, 50, 50, 0, [[b50, 2]]);
    expect1(JSON.stringify(['E', 'a', 'b', hour(base + 61 * MINUTE_US)]), 2, 0, 100, 50, 50, 0, [[b50, 2]]);
    expect(deltas.size).toBe(8);
    // An operation's bucket lives in its service's minute document; the others are documents of their own.
    expect(bucketPlace(deltas.get(JSON.stringify(['o', 'a', 'y', minute(base)]))!.key)).toEqual({ docId: JSON.stringify(['s', 'a', minute(base)]), prefix: 'o.y.' });
    expect(bucketPlace(deltas.get(JSON.stringify(['E', 'a', 'b', hour(base + 61 * MINUTE_US)]))!.key)).toEqual({ docId: JSON.stringify(['E', 'a', 'b', hour(base + 61 * MINUTE_US)]), prefix: '' });
  });

  it('writes any operation name as a field name an update path can address, and reads it back', () => {
    const names = ['GET /a.b', '$where', 'a.$.b', '100%', '%2E', 'nul\u0000x', '', '%', '0', 'plain_name-1', 'ünïcødé ✓'];
    for (const name of names) {
      const field = operationField(name);
      expect(field).not.toMatch(/[.$\u0000]/);
      expect(field).not.toBe('');
      expect(operationOfField(field)).toBe(name);
    }
    expect(new Set(names.map(operationField)).size).toBe(names.length);
    expect(operationField('GET /a.b')).toBe('GET /a%2Eb');
  });
});
