import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from './fixtures';

// A service summary is written just after its spans, and a live update can read the trace in between.
// The window is reproduced honestly by removing the summaries through the driver after a submit.
describe('Trace.services while service summaries lag their spans', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('describes a service without a summary from the trace spans instead of leaving it out', async () => {
    const traceId = newTraceId();
    const spans = [
      span({ traceId, n: 0, service: 'order', operation: 'checkout', startUs: 0, durationUs: 500 }),
      span({ traceId, n: 1, parent: 0, service: 'payment', operation: 'charge', startUs: 100, durationUs: 37 }),
      span({ traceId, n: 2, parent: 0, service: 'payment', operation: 'refund', startUs: 200, durationUs: 10 }),
    ];
    expect((await gw.gql(SUBMIT, { spans })).data).toEqual({ submitSpans: { accepted: 3, duplicates: 0, rejected: [] } });
    await gw.store.db.collection('services').deleteOne({ _id: 'payment' as never });

    const res = await gw.gql(`query($id: ID!) { trace(id: $id) { services { name operations spanCount firstSeen lastSeen } } }`, { id: traceId });
    expect(res.errors).toBeUndefined();
    expect(res.data!.trace.services).toEqual([
      { name: 'order', operations: ['checkout'], spanCount: 1, firstSeen: '2026-11-20T10:00:00.000000Z', lastSeen: '2026-11-20T10:00:00.000500Z' },
      { name: 'payment', operations: ['charge', 'refund'], spanCount: 2, firstSeen: '2026-11-20T10:00:00.000100Z', lastSeen: '2026-11-20T10:00:00.000210Z' },
    ]);
  });
});
