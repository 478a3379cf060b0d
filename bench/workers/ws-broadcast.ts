/**
 * Worker: the P6 baseline, a raw `ws` broadcast. Clients connect to ws://.../; a POST /broadcast with a JSON
 * payload is acknowledged first (as the gateway acknowledges a mutation once stored) and then sent to every
 * connected socket, each message stamped with a sequence number so the parent can match it.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { serveWorker } from './serve';

export interface WsBroadcastReady {
  wsUrl: string;
  httpUrl: string;
}

serveWorker(async () => {
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/broadcast') {
        res.writeHead(404).end();
        return;
      }
      const payload = Buffer.concat(chunks).toString('utf8');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      setImmediate(() => {
        for (const ws of wss.clients) ws.send(payload);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const info: WsBroadcastReady = { wsUrl: `ws://127.0.0.1:${port}/`, httpUrl: `http://127.0.0.1:${port}/broadcast` };
  return {
    info,
    stop: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
});
