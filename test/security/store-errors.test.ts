/**
 * Forced store errors reach clients masked: a store that went away (the TCP proxy severs every connection)
 * answers STORE_UNAVAILABLE, and a corrupt stored document (written straight through the driver) answers
 * INTERNAL; both with a request id equal to the response's x-request-id (the id the log line carries), and
 * never with driver messages, collection names or stack traces.
 */
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from '../gateway/fixtures';
import type { TcpProxy } from '../helpers/tcp-proxy';
import { eventually } from '../helpers/eventually';

// What a client must never see in an error's message or extensions: driver and socket text, collection and
// field names of the store, parser messages, stack frames.
const LEAKS = /mongo|ECONNREFUSED|127\.0\.0\.1|\bspans\b|\btraces\b|\bservices\b|dataJson|JSON|Unexpected token|\.(ts|js):\d+/i;

function shown(errors: { message: string; extensions?: Record<string, unknown> }[] | undefined): string {
  return JSON.stringify((errors ?? []).map(({ message, extensions }) => ({ message, extensions })));
}

describe('store errors are masked', () => {
  let proxy: TcpProxy;
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ proxy: true, env: { TRACEGATE_STORE_TIMEOUT: '500ms' } });
    proxy = gw.proxy!;
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('answers STORE_UNAVAILABLE with the request id when the store is gone, and recovers', async () => {
    const traceId = newTraceId();
    proxy.sever();
    for (const [query, variables] of [
      [`query($id: ID!) { trace(id: $id) { spanCount } }`, { id: traceId }],
      [SUBMIT, { spans: [span({ traceId, n: 0 })] }],
    ] as const) {
      const res = await gw.gql(query, variables);
      const error = res.errors?.[0];
      expect(error?.extensions?.code).toBe('STORE_UNAVAILABLE');
      expect(error?.extensions?.requestId).toBe(res.headers.get('x-request-id'));
      expect(shown(res.errors)).not.toMatch(LEAKS);
    }
    proxy.flow();
    // The driver reconnects on its own.
    let written: unknown;
    await eventually(
      async () => {
        written = (await gw.gql(SUBMIT, { spans: [span({ traceId, n: 0 })] })).data?.submitSpans;
        return Boolean(written);
      },
      'a write to succeed',
      { intervalMs: 250 },
    );
    expect(written).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });

  it('answers INTERNAL with the request id for a corrupt stored document', async () => {
    const traceId = newTraceId();
    expect((await gw.gql(SUBMIT, { spans: [{ ...span({ traceId, n: 0 }), result: { status: 'OK', data: { ok: true } } }] })).data?.submitSpans).toMatchObject({ accepted: 1 });
    // Corrupt it behind the gateway's back, straight through the driver (not through the proxy).
    const updated = await gw.withStoreDb((db) => db.collection('spans').updateOne({ traceId }, { $set: { 'result.dataJson': '{not json' } }));
    expect(updated.modifiedCount).toBe(1);
    const res = await gw.gql(`query($id: ID!) { trace(id: $id) { spans { spanId result { data } } } }`, { id: traceId });
    const error = res.errors?.[0];
    expect(error).toMatchObject({
      message: `Internal error. The server log has the details under request id ${res.headers.get('x-request-id')}.`,
      extensions: { code: 'INTERNAL', requestId: res.headers.get('x-request-id') },
    });
    expect(Object.keys(error!.extensions!).sort()).toEqual(['code', 'requestId']);
    expect(shown(res.errors)).not.toMatch(LEAKS);
  });
});
