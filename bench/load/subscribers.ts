/**
 * Many live subscribers: `count` graphql-ws connections (one subscription each, as one monitoring screen each)
 * or `count` raw `ws` sockets. Each records when the message carrying a probe id arrives.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Receipts {
  /** probe id -> arrival times (ms, `nowMs`), one per subscriber that got it. */
  readonly byProbe: Map<string, number[]>;
  close(): Promise<void>;
}

const CONNECT_CHUNK = 50;

/**
 * Milliseconds on a clock shared by every process of the machine (the subscribers live in their own workers):
 * `process.hrtime` reads the kernel's monotonic clock, which has no per-process origin and never steps.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function record(receipts: Map<string, number[]>, at: number, probeIds: readonly string[]): void {
  for (const id of probeIds) {
    const list = receipts.get(id);
    if (list) list.push(at);
    else receipts.set(id, [at]);
  }
}

/** graphql-ws subscribers of `traceUpdated(traceId)`; resolves once every connection is acknowledged. */
export async function graphqlWsSubscribers(url: string, traceId: string, count: number): Promise<Receipts> {
  const byProbe = new Map<string, number[]>();
  const clients: Client[] = [];
  const stops: (() => void)[] = [];
  const failures: string[] = [];
  const query = 'subscription Probe($id: ID!) { traceUpdated(traceId: $id) { spans { spanId } } }';
  for (let i = 0; i < count; i += CONNECT_CHUNK) {
    const chunk = Math.min(CONNECT_CHUNK, count - i);
    await Promise.all(
      Array.from({ length: chunk }, () => new Promise<void>((resolve, reject) => {
        const client = createClient({
          url,
          webSocketImpl: WebSocket,
          lazy: false,
          retryAttempts: 0,
          on: { connected: () => resolve(), closed: (e) => reject(new Error(`subscriber closed before connecting: ${JSON.stringify((e as { code?: number }).code)}`)) },
          onNonLazyError: (e) => reject(e instanceof Error ? e : new Error(String(e))),
        });
        clients.push(client);
        stops.push(
          client.subscribe<{ traceUpdated: { spans: { spanId: string }[] } }>(
            { query, variables: { id: traceId } },
            {
              next: (m) => record(byProbe, nowMs(), m.data?.traceUpdated.spans.map((s) => s.spanId) ?? []),
              error: (e) => failures.push(JSON.stringify(e).slice(0, 200)),
              complete: () => undefined,
            },
          ),
        );
      })),
    );
  }
  if (failures.length) throw new Error(`subscriptions failed: ${failures[0]}`);
  return {
    byProbe,
    close: async () => {
      for (const stop of stops) stop();
      await Promise.all(clients.map((c) => c.dispose()));
    },
  };
}

/** Raw `ws` sockets; every message is JSON with the probe id at `probe`. */
export async function rawWsSubscribers(url: string, count: number): Promise<Receipts> {
  const byProbe = new Map<string, number[]>();
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += CONNECT_CHUNK) {
    const chunk = Math.min(CONNECT_CHUNK, count - i);
    await Promise.all(
      Array.from({ length: chunk }, () => new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(url);
        sockets.push(ws);
        ws.on('message', (data) => {
          const at = nowMs();
          const probe = (JSON.parse(String(data)) as { probe: string }).probe;
          record(byProbe, at, [probe]);
        });
        ws.once('open', () => resolve());
        ws.once('error', reject);
      })),
    );
  }
  return {
    byProbe,
    close: async () => {
      await Promise.all(sockets.map((ws) => new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      })));
    },
  };
}
