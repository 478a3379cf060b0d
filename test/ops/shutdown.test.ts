/**
 * Shutdown with kept-alive HTTP connections and WebSockets: from the moment stop() begins, /readyz is 503 on
 * every connection, new requests on reused connections get 503 SHUTTING_DOWN (an answer, not a reset), the
 * request in flight finishes with `Connection: close`, WebSockets close 1001; and stop() returns within the grace
 * even when a request never finishes.
 */
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { liveExtension } from '../../src/server';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { heldRoute } from './helpers/held-route';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  reusedSocket: boolean;
}

function send(agent: Agent, origin: string, method: string, path: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, origin), { method, agent, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text, reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('shutdown', () => {
  let gw: TestGateway;
  const agents: Agent[] = [];
  const keepAlive = () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  };
  afterEach(async () => {
    for (const a of agents.splice(0)) a.destroy();
    await gw?.stop();
  });

  it('answers every connection at once and lets the request in flight finish', async () => {
    const held = heldRoute('GET');
    gw = await startTestGateway({ extensions: [held.extension, liveExtension({ source: 'local' })], env: { TRACEGATE_SHUTDOWN_GRACE: '30s' } });
    const probe = keepAlive();
    const client = keepAlive();
    expect((await send(probe, gw.origin, 'GET', '/readyz')).status).toBe(200);
    expect((await send(client, gw.origin, 'POST', '/graphql', JSON.stringify({ query: '{ services { name } }' }))).status).toBe(200);

    const ws = new WebSocket(gw.url.replace('http', 'ws'), 'graphql-transport-ws');
    const wsClosed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'connection_ack') resolve();
      });
    });

    const inFlight = send(keepAlive(), gw.origin, 'GET', '/held');
    await held.entered;
    const stopped = gw.gateway.stop();

    const ready = await send(probe, gw.origin, 'GET', '/readyz');
    expect(ready.reusedSocket).toBe(true);
    expect(ready.status).toBe(503);
    expect(ready.headers.connection).toBe('close');
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'shutting down', code: 'SHUTTING_DOWN' });

    const refused = await send(client, gw.origin, 'POST', '/graphql', JSON.stringify({ query: '{ services { name } }' }));
    expect(refused.reusedSocket).toBe(true);
    expect(refused.status).toBe(503);
    expect(refused.headers.connection).toBe('close');
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body).errors[0].extensions.code).toBe('SHUTTING_DOWN');

    expect(await wsClosed).toBe(1001);

    held.release();
    const finished = await inFlight;
    expect(finished.status).toBe(200);
    expect(finished.body).toBe('done');
    expect(finished.headers.connection).toBe('close');
    await stopped;
    await expect(send(new Agent(), gw.origin, 'GET', '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('returns within the grace when a request never finishes, closing its connection', async () => {
    const held = heldRoute('GET');
    gw = await startTestGateway({ extensions: [held.extension], env: { TRACEGATE_SHUTDOWN_GRACE: '500ms' } });
    const inFlight = send(keepAlive(), gw.origin, 'GET', '/held');
    await held.entered;
    await gw.gateway.stop();
    await expect(inFlight).rejects.toThrow(/socket hang up|ECONNRESET/);
    held.release();
  });
});
