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
 *
 * With `streamDb` as well, POST /stream-broadcast prices the gateway's own path without its code: the same body,
 * the documents inserted with the raw driver into that database's `spans` collection (the gateway's own, which
 * the background traffic fills), and the message sent to every socket when this server's change stream on that
 * collection (the gateway's pipeline: inserts only, every event read back, as the gateway's is) reports the
 * insert; the request is acknowledged once the insert is. A hand-written store + change stream + `ws` server.
 * The change stream is open only while the parent says so (`openStream` / `closeStream`, around this side's own
 * runs): while open it reads back every insert, and that store and process work would otherwise land in the
 * other sides' figures.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EJSON } from 'bson';
import { MongoClient, type ChangeStream, type ChangeStreamDocument, type Document } from 'mongodb';
import { WebSocketServer } from 'ws';
import { INDEXES } from '../../src/store';
import { serveWorker } from './serve';

export interface WsBroadcastArgs {
  /** The store the gateway uses; absent: no /store-broadcast. */
  storeUri?: string;
  dbName?: string;
  /** The gateway's database: /stream-broadcast inserts into its `spans` collection and watches it. */
  streamDb?: string;
}

export interface WsBroadcastReady {
  wsUrl: string;
  httpUrl: string;
  /** POST here to insert, then broadcast; null without a store. */
  storeHttpUrl: string | null;
  /** POST here to insert into the gateway's spans and broadcast on the change event; null without `streamDb`. */
  streamHttpUrl: string | null;
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
  // The streamed side: span document _id -> the message its change event releases.
  const awaiting = new Map<string, string>();
  const watched = client && args.streamDb ? client.db(args.streamDb).collection<Document>('spans') : null;
  let stream: { changes: ChangeStream<Document>; pumping: Promise<void> } | null = null;
  const release = (change: ChangeStreamDocument | null): void => {
    if (change?.operationType !== 'insert') return;
    const id = String(change.documentKey._id);
    const message = awaiting.get(id);
    if (message === undefined) return;
    awaiting.delete(id);
    broadcast(message);
  };
  const openStream = async (): Promise<null> => {
    if (!watched) throw new Error('ws-broadcast: openStream needs streamDb');
    if (stream) return null;
    const changes = watched.watch([{ $match: { operationType: 'insert' } }]);
    // The first tryNext runs the aggregate: the stream is open before the first probe is sent.
    release(await changes.tryNext());
    const pumping = (async () => {
      while (!changes.closed) release(await changes.next());
    })().catch((err: unknown) => {
      if (!changes.closed) console.error('ws-broadcast: the change stream failed', err);
    });
    stream = { changes, pumping };
    return null;
  };
  const closeStream = async (): Promise<null> => {
    const open = stream;
    stream = null;
    if (open) {
      await open.changes.close();
      await open.pumping;
    }
    return null;
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
      if (req.method === 'POST' && req.url === '/stream-broadcast' && watched) {
        if (!stream) {
          res.writeHead(409, { 'content-type': 'text/plain' }).end('the change stream is not open: call openStream first');
          return;
        }
        const { docs, message } = EJSON.parse(body) as { docs: Document[]; message: string };
        for (const doc of docs) awaiting.set(String(doc._id), message);
        watched.insertMany(docs, { ordered: false }).then(
          () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
          (err: unknown) => {
            for (const doc of docs) awaiting.delete(String(doc._id));
            res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
          },
        );
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const info: WsBroadcastReady = { wsUrl: `ws://127.0.0.1:${port}/`, httpUrl: `${base}/broadcast`, storeHttpUrl: spans ? `${base}/store-broadcast` : null,
    streamHttpUrl: watched ? `${base}/stream-broadcast` : null,
  };
  return {
    info,
    handlers: { openStream, closeStream },
    stop: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await closeStream();
      await client?.close();
    },
  };
});
