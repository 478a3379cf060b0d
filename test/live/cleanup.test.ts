/**
 * Clean-up: 1,000 subscribe/leave cycles over real WebSockets, half ended by `complete`, half by dropping the
 * connection, with spans flowing meanwhile; every count the live layer keeps (hub subscriptions, topics,
 * timers, queued spans, shared executions, sockets, graphql-ws subscriptions) returns to its baseline.
 */
import { connect, subscribe } from './helpers/ws-client';
import { startLiveGateway, type LiveGateway } from './helpers/live-gateway';
import { newTraceId, spanInput } from './helpers/spans';

const CYCLES = 1000;
const BATCH = 100;
const QUERIES = [
  { query: `subscription($id: ID!) { traceUpdated(traceId: $id) { spans { spanId } } }`, vars: (i: number, t: string) => ({ id: t, n: i }) },
  { query: `subscription($id: ID!) { traceUpdated(traceId: $id, includeExisting: true) { spans { spanId } } }`, vars: (_i: number, t: string) => ({ id: t }) },
  { query: `subscription($f: SpanFilter) { spansReceived(filter: $f) { spans { spanId } } }`, vars: (i: number) => ({ f: { service: `svc-${i % 5}` } }) },
];

async function until(check: () => boolean, what: string, describeState: () => unknown): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; state ${JSON.stringify(describeState())}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

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
      await until(() => stats().ws.subscriptions === BATCH, `${BATCH} live subscriptions`, stats);
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

    await until(
      () => JSON.stringify(stats()) === JSON.stringify(baseline),
      'the baseline',
      () => ({ now: stats(), baseline }),
    );
    expect(stats()).toEqual(baseline);
    expect(stats().ws).toEqual({ connections: 0, subscriptions: 0 });
    expect(stats().shared).toEqual({ groups: 0, subscribers: 0 });
  }, 180_000);
});
