/**
 * The same refusals on graphql-ws as on HTTP: tokens in `connection_init` (missing/unknown/wrong scope close
 * with 4403), every query limit, introspection in production; each refused without a store command.
 */
import { liveExtension } from '../../src/server';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { openRawWs } from './helpers/ws';
import {
  SUBSCRIPTION_FAN_OUT,
  SUBSCRIPTION_TOKEN_FLOOD,
  subscriptionAliasFlood,
  subscriptionChain,
  subscriptionDirectiveFlood,
} from './helpers/queries';

const TOKENS = 'shop:ingest:ingest-secret-1,ui:read:read-secret-2';
const DEEP_FRAGMENTS = `subscription Deep { traceUpdated(traceId: "0af7651916cd43dd8448eb211c80319c") { trace { rootSpan { ...L1 } } } }
fragment L1 on Span { children { ... on Span { ...L2 } } }
fragment L2 on Span { children { children { children { children { children { children { children { children { children { children { children { children { spanId } } } } } } } } } } } } }`;

describe('graphql-ws with tokens', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { TRACEGATE_TOKENS: TOKENS }, extensions: [liveExtension({ source: 'local', queueLimit: 1000 })] });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it.each([
    ['no payload', undefined],
    ['no token', {}],
    ['an unknown token', { authorization: 'Bearer not-a-token' }],
    ['a malformed header', { authorization: 'read-secret-2' }],
    ['a token without read', { authorization: 'Bearer ingest-secret-1' }],
  ])('closes a connection with %s with 4403, before any store command', async (_label, payload) => {
    const { count } = await gw.countCommands(async () => {
      const client = await openRawWs(gw.url, payload);
      const closed = await client.closed;
      expect(closed.code).toBe(4403);
      expect(closed.reason).not.toMatch(/secret/);
    });
    expect(count).toBe(0);
  });

  it('acknowledges a read token and serves its subscription', async () => {
    const client = await openRawWs(gw.url, { authorization: 'Bearer read-secret-2' });
    try {
      expect((await client.next()).type).toBe('connection_ack');
      client.send({ id: 's1', type: 'subscribe', payload: { query: `subscription { spansReceived { spans { spanId } } }` } });
      client.send({ id: 's1', type: 'complete' });
      client.send({ type: 'ping' });
      expect((await client.next()).type).toBe('pong'); // still open and answering after the subscribe
    } finally {
      await client.close();
    }
  });
});

describe('graphql-ws query limits', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { NODE_ENV: 'production' }, extensions: [liveExtension({ source: 'local', queueLimit: 1000 })] });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it.each([
    ['a deep subscription', subscriptionChain(13), 'depth'],
    ['a deep subscription through fragments', DEEP_FRAGMENTS, 'depth'],
    ['an alias flood', subscriptionAliasFlood(16), 'aliases'],
    ['a directive flood', subscriptionDirectiveFlood(11), 'directives'],
    ['fan-out within the depth limit', SUBSCRIPTION_FAN_OUT, 'cost'],
    ['an over-long document', SUBSCRIPTION_TOKEN_FLOOD, 'tokens'],
  ])('refuses %s with QUERY_TOO_COMPLEX and no store command', async (_label, query, limit) => {
    const client = await openRawWs(gw.url);
    try {
      expect((await client.next()).type).toBe('connection_ack');
      const { count } = await gw.countCommands(async () => {
        const messages = await client.run('q1', query);
        expect(messages).toHaveLength(1);
        expect(messages[0]!.type).toBe('error');
        expect(messages[0]!.payload[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit });
      });
      expect(count).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('closes a connection that sends an oversize message (1009) before parsing it', async () => {
    const client = await openRawWs(gw.url);
    expect((await client.next()).type).toBe('connection_ack');
    const { count } = await gw.countCommands(async () => {
      client.send({ id: 'big', type: 'subscribe', payload: { query: `subscription { spansReceived { spans { spanId } } }`, variables: { pad: 'x'.repeat(2 * 1024 * 1024) } } });
      expect((await client.closed).code).toBe(1009);
    });
    expect(count).toBe(0);
  });

  it('allows 12 levels of children on a subscription, like HTTP', async () => {
    const client = await openRawWs(gw.url);
    try {
      expect((await client.next()).type).toBe('connection_ack');
      client.send({ id: 'ok', type: 'subscribe', payload: { query: subscriptionChain(12) } });
      client.send({ type: 'ping' });
      const reply = await client.next();
      expect(reply.type).toBe('pong'); // no error message came first
      client.send({ id: 'ok', type: 'complete' });
    } finally {
      await client.close();
    }
  });

  it('refuses introspection in production, without suggestions', async () => {
    const client = await openRawWs(gw.url);
    try {
      expect((await client.next()).type).toBe('connection_ack');
      // A subscription cannot select __schema at its root (graphql-js rule), so introspection would come as a query:
      // refused by the same production rule as on HTTP, before the transport's subscriptions-only check.
      const intro = await client.run('i1', `query Q { __schema { types { name } } }`);
      expect(intro[0]!.type).toBe('error');
      expect(JSON.stringify(intro[0]!.payload)).toMatch(/introspection/i);
      const typo = await client.run('t1', `subscription { spansReceivd { spans { spanId } } }`);
      expect(typo[0]!.type).toBe('error');
      expect(typo[0]!.payload[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(typo[0]!.payload)).not.toMatch(/Did you mean/);
    } finally {
      await client.close();
    }
  });
});
