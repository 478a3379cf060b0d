/**
 * Clean-up: subscribe/leave cycles over real WebSockets (200 by default; TRACEGATE_TEST_FULL=1 runs 1,000), half ended by `complete`, half by dropping the
 * connection, with spans flowing meanwhile; every count the live layer keeps (hub subscriptions, topics,
 * timers, queued spans, shared executions, sockets, graphql-ws subscriptions) returns to its baseline.
 */
import { connect, subscribe } from './helpers/ws-client';
import { startLiveGateway, type LiveGateway } from './helpers/live-gateway';
import { newTraceId, spanInput } from './helpers/spans';
import { eventually } from '../helpers/eventually';

const CYCLES = process.env.TRACEGATE_TEST_FULL === '1' ? 1000 : 200;
const BATCH = 100;
const QUERIES = [
  { query: `subscription($id: ID!) { traceUpdated(traceId: $id) { spans { spanId } } }`, vars: (i: number, t: string) => ({ id: t, n: i }) },
  { query: `subscription($id: ID!) { traceUpdated(traceId: $id, includeExisting: true) { spans { spanId } } }`, vars: (_i: number, t: string) => ({ id: t }) },
  { query: `subscription($f: SpanFilter) { spansReceived(filter: $f) { spans { spanId } } }`, vars: (i: number) => ({ f: { service: `svc-${i % 5}` } }) },
];


describe('clean-up after subscribers leave', () => {
  let gw: LiveGateway;

  beforeAll(async () => {
    gw = await startLiveGateway({ live: { source: 'changestream', ws: { maxSubscriptionsPerConnection: 10 } } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it(`returns every count to baseline after ${CYCLES} subscribe/leave cycles`, async () => {
    const stats = () => gw.live.stats()!;
    const baseline = stats();
    expect(baseline.hub).toMatchObject({ subscriptions: 0, traceTopics: 0, filterTopics: 0, scheduledFlushes: 0, queuedSpans: 0 });
    const traceId = newTraceId();
    await gw.submit([spanInput({ traceId })]);

    for (let done = 0; done < CYCLES; done += BATCH) {
      const clients = Array.from({ length: BATCH }, () => connect(gw.url));
      const subs = clients.map((client, i) => {
        const q = QUERIES[(done + i) % QUERIES.length]!;
        return subscribe(client, q.query, q.vars(done + i, traceId));
      });
      await eventually(() => stats().ws.subscriptions === BATCH, `${BATCH} live subscriptions`, { state: stats });
      // Spans flow while they are subscribed, so queues, coalescing timers and shared executions are all in use.
      await gw.submit([spanInput({ traceId, service: `svc-${done % 5}` }), spanInput({ traceId, service: `svc-${(done + 1) % 5}` })]);
      await Promise.all(
        clients.map(async (client, i) => {
          if (i % 2 === 0) subs[i]!.unsubscribe();
          else await client.dispose();
        }),
      );
      await Promise.all(clients.map((c) => c.dispose()));
      expect(subs.every((s) => s.error === undefined)).toBe(true);
    }

    await eventually(
      () => JSON.stringify(stats()) === JSON.stringify(baseline),
      'the baseline',
      { state: () => ({ now: stats(), baseline }) },
    );
    expect(stats()).toEqual(baseline);
    expect(stats().ws).toEqual({ connections: 0, subscriptions: 0 });
    expect(stats().shared).toEqual({ groups: 0, subscribers: 0 });
  }, 180_000);
});
