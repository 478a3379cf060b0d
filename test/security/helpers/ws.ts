/**
 * A raw graphql-transport-ws client (graphql-ws's PROTOCOL.md) over a real `ws` socket, so tests can see close
 * codes and error messages exactly as a client receives them. Every wait is bounded.
 */
import WebSocket from 'ws';

export const GRAPHQL_TRANSPORT_WS = 'graphql-transport-ws';
const WAIT_MS = 5_000;

export interface WsMessage {
  type: string;
  id?: string;
  payload?: any;
}

export interface RawWsClient {
  /** The next message from the server (bounded wait). */
  next(): Promise<WsMessage>;
  /** Resolves with the close code and reason once the socket closed. */
  closed: Promise<{ code: number; reason: string }>;
  send(message: WsMessage): void;
  /** Subscribe and collect messages for `id` until `complete` or `error` (bounded). */
  run(id: string, query: string, variables?: Record<string, unknown>): Promise<WsMessage[]>;
  close(): Promise<void>;
}

/** Opens a socket to `httpUrl` (http://... /graphql) and sends `connection_init` with `payload`. */
export async function openRawWs(httpUrl: string, payload?: Record<string, unknown>): Promise<RawWsClient> {
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), GRAPHQL_TRANSPORT_WS);
  const queue: WsMessage[] = [];
  const waiters: Array<(m: WsMessage) => void> = [];
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as WsMessage;
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  socket.on('error', () => {
    // surfaced through `closed`
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init', ...(payload ? { payload } : {}) }));

  const next = (): Promise<WsMessage> => {
    const queued = queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise<WsMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message from the server within ${WAIT_MS} ms`)), WAIT_MS);
      waiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  };
  const send = (message: WsMessage): void => socket.send(JSON.stringify(message));
  return {
    next,
    closed,
    send,
    async run(id, query, variables) {
      send({ id, type: 'subscribe', payload: { query, variables } });
      const out: WsMessage[] = [];
      for (;;) {
        const message = await next();
        if (message.id !== id) continue;
        out.push(message);
        if (message.type === 'complete' || message.type === 'error') return out;
      }
    },
    async close() {
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(1000);
      const timer = setTimeout(() => socket.terminate(), WAIT_MS);
      await closed;
      clearTimeout(timer);
    },
  };
}
