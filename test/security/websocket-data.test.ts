/**
 * Hostile data on graphql-ws: malformed ids refused with BAD_USER_INPUT before the store, operator-looking filter
 * values matched literally, and a store error during a subscription masked (INTERNAL + request id, no leak).
 */
import { liveExtension } from '../../src/server';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from '../gateway/fixtures';
import { openRawWs, type RawWsClient, type WsMessage } from './helpers/ws';

const LEAKS = /mongo|\bspans\b|\btraces\b|dataJson|JSON|Unexpected token|\.(ts|js):\d+/i;

describe('hostile data over graphql-ws', () => {
  let gw: TestGateway;
  let client: RawWsClient;
  beforeAll(async () => {
    gw = await startTestGateway({ extensions: [liveExtension({ source: 'local', queueLimit: 1000 })] });
  });
  afterAll(async () => {
    await gw.stop();
  });
  beforeEach(async () => {
    client = await openRawWs(gw.url);
    expect((await client.next()).type).toBe('connection_ack');
  });
  afterEach(async () => {
    await client.close();
  });

  // Next message for `id` that is not a ping/pong.
  async function nextFor(id: string): Promise<WsMessage> {
    for (;;) {
      const message = await client.next();
      if (message.id === id) return message;
    }
  }

  it.each([
    ['not hex', 'not-a-trace-id'],
    ['an operator', '{"$gt": ""}'],
    ['too long', 'a'.repeat(1000)],
  ])('refuses a traceId that is %s with BAD_USER_INPUT and no store command', async (_label, traceId) => {
    const { count } = await gw.countCommands(async () => {
      client.send({ id: 'bad', type: 'subscribe', payload: { query: `subscription($id: ID!) { traceUpdated(traceId: $id, includeExisting: true) { spans { spanId } } }`, variables: { id: traceId } } });
      const reply = await nextFor('bad');
      const errors = reply.type === 'error' ? reply.payload : reply.payload.errors;
      expect(errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(errors[0].message).toMatch(/expected/);
    });
    expect(count).toBe(0);
  });

  it('matches "$" and "." in filter values literally', async () => {
    client.send({ id: 'f', type: 'subscribe', payload: { query: `subscription { spansReceived(filter: { service: "$ne.x" }) { spans { spanId service { name } } } }` } });
    client.send({ type: 'ping' });
    expect((await client.next()).type).toBe('pong'); // subscribed, no error
    const traceId = newTraceId();
    const res = await gw.gql(SUBMIT, { spans: [span({ traceId, n: 0, service: 'plain' }), span({ traceId, n: 1, service: '$ne.x' }), span({ traceId, n: 2, service: 'ne' })] });
    expect(res.data?.submitSpans.accepted).toBe(3);
    const batch = await nextFor('f');
    expect(batch.type).toBe('next');
    expect(batch.payload.data.spansReceived.spans).toEqual([{ spanId: span({ traceId, n: 1 }).spanId, service: { name: '$ne.x' } }]);
  });

  it('masks a store error during a subscription as INTERNAL with a request id', async () => {
    const traceId = newTraceId();
    expect((await gw.gql(SUBMIT, { spans: [{ ...span({ traceId, n: 0 }), result: { status: 'OK', data: { ok: 1 } } }] })).data?.submitSpans.accepted).toBe(1);
    const updated = await gw.withStoreDb((db) => db.collection('spans').updateOne({ traceId }, { $set: { 'result.dataJson': '{not json' } }));
    expect(updated.modifiedCount).toBe(1);
    client.send({
      id: 'x',
      type: 'subscribe',
      payload: { query: `subscription($id: ID!) { traceUpdated(traceId: $id, includeExisting: true) { spans { spanId result { data } } } }`, variables: { id: traceId } },
    });
    const reply = await nextFor('x');
    const errors = reply.type === 'error' ? reply.payload : reply.payload.errors;
    expect(errors[0].extensions.code).toBe('INTERNAL');
    expect(errors[0].extensions.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(errors.map((e: { message: string; extensions: unknown }) => [e.message, e.extensions]))).not.toMatch(LEAKS);
  });
});
