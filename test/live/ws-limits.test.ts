/**
 * The graphql-ws endpoint's limits and checks, over real sockets: connection_init timeout, subscriptions per
 * connection, message size, path, operation type, the shared query limits, and token auth on connection_init.
 */
import WebSocket from 'ws';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL } from 'graphql-ws';
import { connect, subscribe, wsUrl } from './helpers/ws-client';
import { startLiveGateway, type LiveGateway } from './helpers/live-gateway';
import { newTraceId } from './helpers/spans';
import { eventually } from '../helpers/eventually';

const SUB = `subscription($id: ID!) { traceUpdated(traceId: $id) { spans { spanId } } }`;

/** A raw socket speaking graphql-transport-ws by hand, for what the client library will not do. */
function rawSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(url), GRAPHQL_TRANSPORT_WS_PROTOCOL);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

function nextMessage(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)));
}

describe('graphql-ws endpoint limits', () => {
  let gw: LiveGateway;

  beforeAll(async () => {
    gw = await startLiveGateway({
      live: { source: 'local', ws: { connectionInitTimeoutMs: 300, maxSubscriptionsPerConnection: 2, maxMessageBytes: 64 * 1024 } },
    });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('closes a connection that sends no connection_init in time with 4408', async () => {
    const ws = await rawSocket(gw.url);
    const { code } = await closed(ws);
    expect(code).toBe(CloseCode.ConnectionInitialisationTimeout);
  });

  it('refuses a subscription over the per-connection cap with RATE_LIMITED; the others keep running', async () => {
    const client = connect(gw.url);
    try {
      const a = subscribe(client, SUB, { id: newTraceId() });
      const b = subscribe(client, SUB, { id: newTraceId() });
      const c = subscribe(client, SUB, { id: newTraceId() });
      await c.until((x) => x.error !== undefined, 'the third subscription refused').catch(() => undefined);
      const errors = c.error as { message: string; extensions?: { code?: string; limit?: number } }[];
      expect(errors[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 2 });
      expect(errors[0]?.message).toMatch(/expected at most 2 at once/);
      expect(a.error).toBeUndefined();
      expect(b.error).toBeUndefined();
      expect(gw.live.stats()?.ws.subscriptions).toBe(2);
    } finally {
      await client.dispose();
    }
  });

  it('closes a connection that sends a message over the size cap with 1009', async () => {
    const ws = await rawSocket(gw.url);
    const done = closed(ws);
    ws.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(100 * 1024) } }));
    expect((await done).code).toBe(1009);
  });

  it('takes WebSocket upgrades on /graphql only', async () => {
    const other = gw.url.replace(/\/graphql$/, '/elsewhere');
    await expect(rawSocket(other)).rejects.toThrow(/Unexpected server response: 404/);
  });

  it('serves subscriptions only: a query over WebSocket is refused with BAD_USER_INPUT', async () => {
    const client = connect(gw.url);
    try {
      const q = subscribe(client, '{ services { name } }');
      await q.until((x) => x.error !== undefined, 'the refusal').catch(() => undefined);
      const errors = q.error as { message: string; extensions?: { code?: string } }[];
      expect(errors[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(errors[0]?.message).toMatch(/Only subscriptions are served over WebSocket, received a query/);
    } finally {
      await client.dispose();
    }
  });

  it('applies the same query limits as HTTP: too deep is QUERY_TOO_COMPLEX', async () => {
    const client = connect(gw.url);
    try {
      const deep = `subscription($id: ID!) { traceUpdated(traceId: $id) { spans { ${'children { '.repeat(20)}spanId${' }'.repeat(20)} } } }`;
      const s = subscribe(client, deep, { id: newTraceId() });
      await s.until((x) => x.error !== undefined, 'the refusal').catch(() => undefined);
      const errors = s.error as { extensions?: { code?: string } }[];
      expect(errors[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    } finally {
      await client.dispose();
    }
  });

  it('answers an unknown field with a validation error, as HTTP does', async () => {
    const client = connect(gw.url);
    try {
      const s = subscribe(client, `subscription { nope }`);
      await s.until((x) => x.error !== undefined, 'the refusal').catch(() => undefined);
      const errors = s.error as { message: string; extensions?: { code?: string } }[];
      expect(errors[0]?.message).toMatch(/Cannot query field "nope" on type "Subscription"/);
      expect(errors[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    } finally {
      await client.dispose();
    }
  });
});

describe('graphql-ws authentication (tokens configured)', () => {
  let gw: LiveGateway;

  beforeAll(async () => {
    gw = await startLiveGateway({ live: { source: 'local' }, env: { TRACEGATE_TOKENS: 'screen:read:read-token-1,feeder:ingest:ingest-token-1' } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  async function initWith(payload: Record<string, unknown> | undefined): Promise<{ code: number; reason: string } | 'ack'> {
    const ws = await rawSocket(gw.url);
    const outcome = Promise.race([closed(ws), nextMessage(ws).then((m) => (m.type === 'connection_ack' ? ('ack' as const) : { code: -1, reason: JSON.stringify(m) }))]);
    ws.send(JSON.stringify({ type: 'connection_init', ...(payload ? { payload } : {}) }));
    const result = await outcome;
    ws.close();
    return result;
  }

  // Every refused connection closes with 4403; the reason says why.
  it('closes with 4403 without a token or with an unknown one', async () => {
    expect(await initWith(undefined)).toMatchObject({ code: CloseCode.Forbidden, reason: expect.stringMatching(/Authentication required/) });
    expect(await initWith({ authorization: 'Bearer wrong' })).toMatchObject({ code: CloseCode.Forbidden, reason: expect.stringMatching(/Unknown or malformed token/) });
  });

  it('closes with 4403 for a token without the read scope', async () => {
    expect(await initWith({ authorization: 'Bearer ingest-token-1' })).toMatchObject({ code: CloseCode.Forbidden, reason: expect.stringMatching(/lacks scope "read"/) });
  });

  it('acknowledges a token with the read scope, and its subscriptions work', async () => {
    expect(await initWith({ authorization: 'Bearer read-token-1' })).toBe('ack');
    const client = connect(gw.url, { connectionParams: { authorization: 'Bearer read-token-1' } });
    try {
      const traceId = newTraceId();
      const s = subscribe<{ traceUpdated: { spans: { spanId: string }[] } }>(client, SUB, { id: traceId });
      await eventually(() => gw.live.stats()?.hub.subscriptions === 1, 'the subscription to reach the hub');
      const { spanInput } = await import('./helpers/spans');
      const span = spanInput({ traceId });
      const res = await gw.gql(`mutation($s: [SpanInput!]!) { submitSpans(spans: $s) { accepted } }`, { s: [span] }, { authorization: 'Bearer ingest-token-1' });
      expect(res.data).toEqual({ submitSpans: { accepted: 1 } });
      await s.until((x) => x.results.length === 1, 'the span');
      expect(s.results[0]?.data?.traceUpdated.spans[0]?.spanId).toBe(span.spanId);
    } finally {
      await client.dispose();
    }
  });
});
