/**
 * A TCP proxy on loopback between the gateway and the store, to make the store slow or gone honestly (no
 * driver mocks): `stall()` stops forwarding bytes in both directions (requests wait, as with a store that
 * hangs), `flow()` lets them through again, `sever()` drops every connection and refuses new ones (as with
 * a store that went away).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { TestMongo } from './mongo';

export type ProxyState = 'flowing' | 'stalled' | 'severed';

export interface TcpProxy {
  /** `mongodb://127.0.0.1:<port>/?directConnection=true` style: host:port of the proxy. */
  readonly hostPort: string;
  state(): ProxyState;
  stall(): void;
  flow(): void;
  sever(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let state: ProxyState = 'flowing';
  const links = new Set<Link>();

  const server: Server = createServer((client) => {
    if (state === 'severed') {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const link: Link = { client, upstream, held: [] };
    links.add(link);
    // Bytes are forwarded by hand, not piped: while stalled they are held here, so nothing can resume the flow.
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (state === 'stalled') link.held.push([to, chunk]);
      else if (state === 'flowing') to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      links.delete(link);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy: expected a TCP address');

  const set = (next: ProxyState): void => {
    state = next;
    for (const link of links) {
      if (state === 'severed') {
        link.client.destroy();
        link.upstream.destroy();
      } else if (state === 'flowing') {
        for (const [to, chunk] of link.held.splice(0)) to.write(chunk);
      }
    }
  };
  return {
    hostPort: `127.0.0.1:${address.port}`,
    state: () => state,
    stall: () => set('stalled'),
    flow: () => set('flowing'),
    sever: () => set('severed'),
    close: async () => {
      set('severed');
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Private: one proxied connection and the bytes held while stalled, in arrival order.
interface Link {
  client: Socket;
  upstream: Socket;
  held: Array<[Socket, Buffer]>;
}

/** The same MongoDB URI pointed at `hostPort` (the proxy) instead of its own host and port. */
export function viaProxy(uri: string, hostPort: string): string {
  return uri.replace(/^mongodb:\/\/[^/?]+/, `mongodb://${hostPort}`);
}

/** The test store as the gateway should see it, through the proxy; its stop() stops nothing (the caller stops the store). */
export function throughProxy(mongo: TestMongo, proxy: TcpProxy): TestMongo {
  return { ...mongo, uri: viaProxy(mongo.uri, proxy.hostPort), stop: async () => {} };
}

/** host and port of a `mongodb://host:port/...` URI. */
export function hostPortOf(uri: string): { host: string; port: number } {
  const match = /^mongodb:\/\/([^/:?]+):(\d+)/.exec(uri);
  if (!match) throw new Error(`expected mongodb://host:port..., received ${uri}`);
  return { host: match[1]!, port: Number(match[2]) };
}
