/**
 * A subscriber whose socket stops reading: its queue overflows, it gets SLOW_CONSUMER and is completed, while a
 * subscriber of the very same subscription (same shared execution) receives everything. Real sockets: the slow
 * one is a raw graphql-transport-ws client whose TCP socket is paused, so the server's writes back up for real.
 */
import WebSocket from 'ws';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from 'graphql-ws';
import { connect, subscribe, wsUrl } from './helpers/ws-client';
import { startLiveGateway, type LiveGateway } from './helpers/live-gateway';
import { newTraceId, spanInput } from './helpers/spans';
import { eventually } from '../helpers/eventually';

const QUERY = `subscription($f: SpanFilter) { spansReceived(filter: $f) { spans { spanId result { data } } } }`;
const QUEUE_LIMIT = 200;
/** ~60 KB of result data per span: a few submissions fill the kernel's socket buffers of the paused reader. */
const BIG = 'x'.repeat(60 * 1024);


describe('slow consumer', () => {
  let gw: LiveGateway;

  beforeAll(async () => {
    gw = await startLiveGateway({ live: { source: 'local', queueLimit: QUEUE_LIMIT } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('the one that stops reading gets SLOW_CONSUMER and is completed; the other gets every span', async () => {
    const service = `slow-${newTraceId().slice(0, 8)}`;
    const variables = { f: { service } };

    const fastClient = connect(gw.url);
    const fast = subscribe<{ spansReceived: { spans: { spanId: string }[] } }>(fastClient, QUERY, variables);

    const slow = new WebSocket(wsUrl(gw.url), GRAPHQL_TRANSPORT_WS_PROTOCOL);
    const received: { type: string; id?: string; payload?: { errors?: { extensions?: { code?: string } }[] } }[] = [];
    slow.on('message', (data) => received.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => slow.once('open', resolve).once('error', reject));
    slow.send(JSON.stringify({ type: 'connection_init' }));
    await eventually(() => received.some((m) => m.type === 'connection_ack'), 'connection_ack');
    slow.send(JSON.stringify({ id: 'slow-1', type: 'subscribe', payload: { query: QUERY, variables } }));
    await eventually(() => gw.live.stats()?.shared.subscribers === 2, 'both subscribers in one shared execution');
    expect(gw.live.stats()?.shared.groups).toBe(1);

    // Stop reading: from here the server's writes to this socket fill the kernel buffers and then wait.
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();

    const sent: string[] = [];
    for (let round = 0; round < 30 && gw.live.stats()?.shared.subscribers !== 1; round += 1) {
      const spans = Array.from({ length: 40 }, () => ({ ...spanInput({ service }), result: { status: 'OK' as const, data: BIG } }));
      sent.push(...spans.map((s) => s.spanId));
      await gw.submit(spans);
      await new Promise((r) => setTimeout(r, 20));
    }
    await eventually(() => gw.live.stats()?.shared.subscribers === 1, 'the slow subscriber dropped');
    const ids = (c: typeof fast) => c.results.flatMap((r) => r.data?.spansReceived.spans.map((s) => s.spanId) ?? []);
    await fast.until((c) => ids(c).length === sent.length, `all ${sent.length} spans on the fast subscriber`, 30_000);
    expect(ids(fast)).toEqual(sent);
    expect(fast.results.every((r) => r.errors === undefined)).toBe(true);
    expect(fast.completed).toBe(false);

    // Read again: the backlog, then the SLOW_CONSUMER error, then complete.
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    await eventually(() => received.some((m) => m.type === 'complete' && m.id === 'slow-1'), 'complete on the slow subscription', { timeoutMs: 30_000 });
    const nexts = received.filter((m) => m.type === 'next');
    const last = nexts.at(-1);
    expect(last?.payload?.errors?.[0]?.extensions?.code).toBe('SLOW_CONSUMER');
    expect(nexts.slice(0, -1).every((m) => m.payload?.errors === undefined)).toBe(true);
    // Its memory was released at the overflow: nothing is queued for anyone now.
    expect(gw.live.stats()?.hub.queuedSpans).toBe(0);

    slow.close();
    await fastClient.dispose();
  }, 120_000);
});
