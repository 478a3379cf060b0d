/**
 * The gateway's metrics at the HTTP edge: `GET /metrics` (Prometheus text), request durations by route and by
 * GraphQL operation type, and the optional separate listener (`TRACEGATE_METRICS_ADDR`).
 *
 * On the gateway's own port `/metrics` needs the `read` scope when tokens are configured; on its own address it
 * is served without a token, for a scraper on an internal interface. With `TRACEGATE_METRICS=off` none of this is
 * installed (no route, no timing), which is the baseline of the benchmark's cost figure.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { enableProcessMetrics, histogram, METRICS_CONTENT_TYPE, metricsText, secondsSince } from '../metrics';
import { requireScope, Scope } from '../auth';
import type { Route } from './router';

export const METRICS_PATH = '/metrics';

const httpDuration = histogram('tracegate_http_request_duration_seconds', 'HTTP requests by route (path or "other"), method and status', ['route', 'method', 'status']);
const graphqlDuration = histogram('tracegate_graphql_request_duration_seconds', 'GraphQL requests over HTTP by operation type (query, mutation, or "invalid" when none was resolved)', [
  'operation_type',
]);

/** `GET /metrics` on the gateway's port, behind the read scope. */
export function metricsRoute(): Route {
  return {
    method: 'GET',
    path: METRICS_PATH,
    async handle(req, res, ctx) {
      requireScope(ctx.services.security.authenticateHttp(req), Scope.READ);
      await sendMetrics(res);
    },
  };
}

/** Times every response of the gateway's HTTP server, labelled by its route when it is one of `paths`. */
export function instrumentRequests(paths: ReadonlySet<string>): (req: IncomingMessage, res: ServerResponse) => void {
  enableProcessMetrics();
  return (req, res) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      httpDuration.observe({ route: paths.has(path) ? path : 'other', method: req.method ?? 'GET', status: String(res.statusCode) }, secondsSince(start));
    });
  };
}

/** Apollo plugin: the duration of each GraphQL request by its operation type. */
export function graphqlMetricsPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const start = process.hrtime.bigint();
      let operationType = 'invalid';
      return {
        async didResolveOperation({ operation }) {
          operationType = operation?.operation ?? 'invalid';
        },
        async willSendResponse() {
          // Timed here, recorded just after the response is written (the event loop's check phase, before it
          // polls for the next request), so that prom-client's bookkeeping is not on the response's path.
          const seconds = secondsSince(start);
          setImmediate(() => graphqlDuration.observe({ operation_type: operationType }, seconds));
        },
      };
    },
  };
}

/** A listener of its own serving only `GET /metrics`, without a token. */
export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

export async function listenMetrics(address: { host: string; port: number }): Promise<MetricsListener> {
  enableProcessMetrics();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== METRICS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`${path}: no such route; metrics are at ${METRICS_PATH}\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain; charset=utf-8' }).end(`${req.method} ${METRICS_PATH}: expected GET\n`);
      return;
    }
    sendMetrics(res).catch((error: unknown) => {
      res.destroy(error as Error);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return {
    url: `http://${host}:${port}${METRICS_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function sendMetrics(res: ServerResponse): Promise<void> {
  const text = await metricsText();
  res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
