import { randomBytes } from 'node:crypto';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded-mongo';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from './fixtures';
import { eventually } from '../helpers/eventually';

describe('store unreachable', () => {
  let gw: TestGateway;
  let revived: EmbeddedMongo | null = null;
  let port: number;

  beforeAll(async () => {
    // A store that existed and is gone: its port is known and closed.
    const gone = await startEmbeddedMongo({ port: 0 });
    port = gone.port;
    const uri = gone.uri;
    await gone.stop();
    const mongo = { uri, dbName: `tg_test_${randomBytes(4).toString('hex')}`, embedded: true, stop: async () => {} };
    gw = await startTestGateway({ mongo, env: { TRACEGATE_STORE_TIMEOUT: '500ms' } });
  });
  afterAll(async () => {
    await gw.stop();
    await revived?.stop();
  });

  it('answers STORE_UNAVAILABLE (not a hang, not a driver message), /readyz 503, /healthz 200', async () => {
    const read = await gw.gql(`{ traces { nodes { id } } }`);
    expect(read.errors?.[0]?.extensions?.code).toBe('STORE_UNAVAILABLE');
    expect(read.errors?.[0]?.message).not.toMatch(/mongo|ECONNREFUSED|127\.0\.0\.1/i);

    const write = await gw.gql(SUBMIT, { spans: [span({ traceId: newTraceId(), n: 0 })] });
    expect(write.errors?.[0]?.extensions?.code).toBe('STORE_UNAVAILABLE');

    const ready = await fetch(`${gw.origin}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', code: 'STORE_UNAVAILABLE' });
    expect((await fetch(`${gw.origin}/healthz`)).status).toBe(200);
  });

  it('recovers by itself when a store comes back on that address', async () => {
    revived = await startEmbeddedMongo({ port });
    await eventually(async () => (await fetch(`${gw.origin}/readyz`)).status === 200, '/readyz 200', { intervalMs: 250 });
    const traceId = newTraceId();
    const write = await gw.gql(SUBMIT, { spans: [span({ traceId, n: 0 })] });
    expect(write.data?.submitSpans).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const read = await gw.gql(`query($id: ID!) { trace(id: $id) { spanCount } }`, { id: traceId });
    expect(read.data?.trace).toEqual({ spanCount: 1 });
  });

  it('fails fast again when a connected store goes away, and recovers when it returns', async () => {
    await revived!.stop();
    const read = await gw.gql(`{ services { name } }`);
    expect(read.errors?.[0]?.extensions?.code).toBe('STORE_UNAVAILABLE');
    expect((await fetch(`${gw.origin}/readyz`)).status).toBe(503);
    revived = await startEmbeddedMongo({ port });
    await eventually(async () => (await fetch(`${gw.origin}/readyz`)).status === 200, '/readyz 200', { intervalMs: 250 });
    // the embedded store is in-memory: the revived one starts empty, and answers
    expect((await gw.gql(`{ services { name } }`)).data).toEqual({ services: [] });
  });
});

describe('store stops answering (connected, then silent)', () => {
  it('fails requests with STORE_UNAVAILABLE instead of hanging, and recovers', async () => {
    const gw = await startTestGateway({ proxy: true, env: { TRACEGATE_STORE_TIMEOUT: '1000ms', TRACEGATE_STORE_SOCKET_TIMEOUT: '1000ms' } });
    const proxy = gw.proxy;
    try {
      expect((await gw.gql(`{ services { name } }`)).data).toEqual({ services: [] });
      proxy.stall();
      const stalled = await gw.gql(`{ services { name } }`);
      expect(stalled.errors?.[0]?.extensions?.code).toBe('STORE_UNAVAILABLE');
      proxy.flow();
      await eventually(async () => (await gw.gql(`{ services { name } }`)).data?.services !== undefined, 'a read to succeed', { intervalMs: 250 });
    } finally {
      await gw.stop();
    }
  });
});
