/**
 * A gateway route held open until the test releases it: a request in flight for as long as the test wants
 * (admission holding body bytes, shutdown waiting for it). The route reads the whole body first, then
 * `entered` resolves; `release()` lets it answer 200 `done`.
 */
import type { GatewayExtension } from '../../../src/server';

export interface HeldRoute {
  extension: GatewayExtension;
  /** Resolves once a request reached the route and its body was read. */
  entered: Promise<void>;
  release(): void;
}

export function heldRoute(method: 'GET' | 'POST', path = '/held'): HeldRoute {
  let enter!: () => void;
  const entered = new Promise<void>((r) => (enter = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const extension: GatewayExtension = {
    name: 'held',
    routes: () => [
      {
        method,
        path,
        async handle(req, res) {
          for await (const _chunk of req) void _chunk;
          enter();
          await released;
          res.writeHead(200, { 'content-type': 'text/plain' }).end('done');
        },
      },
    ],
  };
  return { extension, entered, release };
}
