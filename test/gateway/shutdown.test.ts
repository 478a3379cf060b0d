import { startTestGateway } from '../helpers/gateway';
import { newTraceId, span, SUBMIT } from './fixtures';

describe('graceful shutdown', () => {
  it('finishes a request in flight when stop() is called, then refuses new connections', async () => {
    const gw = await startTestGateway();
    const traceId = newTraceId();
    const spans = Array.from({ length: 500 }, (_, n) => span({ traceId, n }));
    let stopped: Promise<void> | null = null;
    gw.gateway.httpServer.once('request', () => {
      stopped = gw.gateway.stop();
    });
    const res = await gw.gql(SUBMIT, { spans });
    expect(res.status).toBe(200);
    expect(res.data?.submitSpans).toEqual({ accepted: 500, duplicates: 0, rejected: [] });
    expect(stopped).not.toBeNull();
    await stopped;
    await expect(fetch(`${gw.origin}/healthz`)).rejects.toThrow();
    // what was acknowledged is stored
    const count = await gw.store.db.collection('spans').countDocuments({ traceId });
    expect(count).toBe(500);
    await gw.stop();
  });
});
