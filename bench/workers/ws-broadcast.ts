/**
 * Worker: the P6 baselines, a raw `ws` broadcast. Clients connect to ws://.../; a POST /broadcast with a JSON
 * payload is acknowledged first (as the gateway acknowledges a mutation once stored) and then sent to every
 * connected socket, each message stamped with a sequence number so the parent can match it.
 *
 * With a store (`storeUri`), POST /store-broadcast also prices the store write the gateway makes before any
 * subscriber hears of a span: its body is `{ "docs": [...], "message": "..." }` (EJSON, so dates stay dates);
 * the documents are inserted with the raw driver (`insertMany`, unordered, the driver's default write concern,
 * as the gateway inserts spans) into a collection with the gateway's span indexes; once the store acknowledged
 * them the message goes to every socket, then the request is acknowledged.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EJSON } from 'bson';
import { MongoClient, type Document } from 'mongodb';
import { WebSocketServer } from 'ws';
import { INDEXES } from '../../src/store';
import { serveWorker } from './serve';

export interface WsBroadcastArgs {
  /** The store the gateway uses; absent: no /store-broadcast. */
  storeUri?: string;
  dbName?: string;
}

export interface WsBroadcastReady {
  wsUrl: string;
  httpUrl: string;
  /** POST here to insert, then broadcast; null without a store. */
  storeHttpUrl: string | null;
}

serveWorker(async (raw) => {
  const args = raw as WsBroadcastArgs;
  const client = args.storeUri ? new MongoClient(args.storeUri) : null;
  const spans = client ? client.db(args.dbName ?? 'bench_p6_raw').collection<Document>('spans') : null;
  if (client && spans) {
    await client.connect();
    await spans.createIndexes(INDEXES.spans);
  }
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  const broadcast = (payload: string): void => {
    for (const ws of wss.clients) ws.send(payload);
  };
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'POST' && req.url === '/broadcast') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        setImmediate(() => broadcast(body));
        return;
      }
      if (req.method === 'POST' && req.url === '/store-broadcast' && spans) {
        const { docs, message } = EJSON.parse(body) as { docs: Document[]; message: string };
        spans.insertMany(docs, { ordered: false }).then(
          () => {
            broadcast(message);
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
          },
          (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
        );
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const info: WsBroadcastReady = { wsUrl: `ws://127.0.0.1:${port}/`, httpUrl: `${base}/broadcast`, storeHttpUrl: spans ? `${base}/store-broadcast` : null };
  return {
    info,
    stop: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await client?.close();
    },
  };
});
