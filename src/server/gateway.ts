/**
 * The gateway: a plain node:http server with a route table (/graphql, /healthz, /readyz, /metrics, the web UI), Apollo
 * behind /graphql, and the extensions' routes, plugins and attachments: WebSocket subscriptions, OTLP, Zipkin,
 * the query APIs and OTLP/gRPC are features listed in extension-list.ts. `startGateway` resolves once it listens.
 *
 * Lifecycle (explicit phase): listening -> stopping -> stopped (before `startGateway` resolves there is no gateway). `stop()` stops accepting
 * connections, lets in-flight requests finish (up to the configured grace), then closes extensions, Apollo
 * and the store it opened.
 */
import { getHeapStatistics } from 'node:v8';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
import type { Config } from '../config';
import { ErrorCode, type TracegateError } from '../errors';
import { createSchema } from '../graphql';
import { IngestService } from '../ingest';
import { log } from '../log';
import { describePolicy, Redactor } from '../privacy';
import { MongoTraceStore, type TraceStore } from '../store';
import { createApollo } from './apollo';
import type { GatewayExtension } from './extensions';
import type { PreparedQueries } from './prepared-queries';
import { requestIdOf, sendError, sendJson } from '../http';
import { requireAuthenticated } from '../auth';
import { defaultMaxInflightBytes } from './overload';
import { createSecurity, type Security } from './security';
import type { QueryLimits } from './limits';
import type { GraphQLContext } from '../graphql';
import { failureOf, httpOf } from '../error-edge';
import { Router, type GatewayServices, type Route, type RouteContext } from './router';
import { graphqlRoutes, healthRoutes, uiRoutes } from './routes';
import { graphqlMetricsPlugin, instrumentRequests, listenMetrics, metricsRoute, type MetricsListener } from './metrics';
import { readGauge } from '../metrics';

export interface GatewayDeps {
  /** Use this store instead of opening one from config.mongoUri; the caller then closes it. */
  store?: TraceStore;
  extensions?: readonly GatewayExtension[];
  /** Query limits other than config.queryLimits (src/server/limits), e.g. for a test that needs a costly query. */
  queryLimits?: QueryLimits;
  /** The built web UI to serve (default: this package's `dist/ui`). */
  uiDir?: string;
}

export interface Gateway {
  /** e.g. http://127.0.0.1:43123/graphql */
  url: string;
  port: number;
  httpServer: Server;
  store: TraceStore;
  ingest: IngestService;
  /** Tokens, limits, masking and the ingest in-flight cap of this gateway (tests read the cap's stats). */
  security: Security;
  /** Where `GET /metrics` is served (null: metrics off). */
  metricsUrl: string | null;
  /** Repeated queries answered without Apollo's request machinery (prepared-queries.ts); tests read its stats. */
  prepared: PreparedQueries<GraphQLContext>;
  stop(): Promise<void>;
}

type Phase = 'listening' | 'stopping' | 'stopped';

const logger = log.child('gateway');

export async function startGateway(config: Config, deps: GatewayDeps = {}): Promise<Gateway> {
  const ownsStore = !deps.store;
  const store = deps.store ?? openStore(config);
  const production = config.nodeEnv === 'production';
  const security = createSecurity({
    queryLimits: deps.queryLimits ?? config.queryLimits,
    tokens: config.tokens,
    production,
    log: log.child('security'),
    maxInflightIngestSpans: config.maxInflightIngestSpans,
    maxInflightBytes: config.maxInflightBytes ?? defaultMaxInflightBytes(getHeapStatistics().heap_size_limit),
    maxBodyBytes: config.limits.maxBodyBytes,
  });
  const ingest = new IngestService(store, config.limits, Date.now, security.ingestLimiter, new Redactor(config.redaction));
  const services: GatewayServices = { config, store, ingest, security };
  const extensions = deps.extensions ?? [];

  const schema = createSchema({ extraResolvers: extensions.flatMap((e) => e.resolvers?.(services) ?? []) });
  const { apollo, prepared } = createApollo({
    schema,
    production,
    plugins: [...security.apolloPlugins<GraphQLContext>(), ...(config.metrics ? [graphqlMetricsPlugin<GraphQLContext>()] : []), ...extensions.flatMap((e) => e.plugins?.(services) ?? [])],
    validationRules: [...security.validationRules(), ...extensions.flatMap((e) => e.validationRules?.(services) ?? [])],
    formatError: security.masker.formatError,
    parseOptions: security.parseOptions(),
  });
  await apollo.start();

  const router = new Router();
  const targets = new RequestTargets();
  const routes = [
    ...graphqlRoutes(apollo, undefined, prepared),
    ...healthRoutes,
    ...uiRoutes({ production, ...(deps.uiDir ? { dir: deps.uiDir } : {}) }),
    ...extensions.flatMap((e) => e.routes?.(services) ?? []),
  ];
  if (config.metrics && !config.metricsAddr) routes.push(metricsRoute());
  for (const route of routes) router.add(route);
  const instrument = config.metrics ? instrumentRequests(new Set(routes.map((r) => r.path))) : null;
  const unprovide = config.metrics ? provideGatewayGauges(security) : [];

  let phase: Phase = 'listening';
  let inFlight = 0;
  let drained: (() => void) | null = null;
  const open = new Set<ServerResponse>();
  const httpServer = createServer((req, res) => {
    instrument?.(req, res);
    if (phase !== 'listening') {
      refuseWhileStopping(req, res);
      return;
    }
    let release: () => void;
    try {
      release = security.bodyAdmission.admit(security.bodyAdmission.weigh(req.headers));
    } catch (error) {
      refuseBody(req, res, error as TracegateError);
      return;
    }
    inFlight += 1;
    open.add(res);
    res.once('close', () => {
      release();
      inFlight -= 1;
      open.delete(res);
      if (inFlight === 0) drained?.();
    });
    void handle(router, services, targets, req, res);
  });

  const stops: (() => Promise<void>)[] = [];
  for (const extension of extensions) {
    const stop = await extension.attach?.({ httpServer, schema, services });
    if (stop) stops.push(stop);
  }

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // e.g. EADDRINUSE: release what was started so a failed start leaves nothing running.
    for (const s of stops.reverse()) await s().catch(() => undefined);
    for (const remove of unprovide) remove();
    await apollo.stop();
    if (ownsStore) await store.close();
    throw error;
  }
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/graphql`;
  let metricsListener: MetricsListener | null = null;
  if (config.metrics && config.metricsAddr) {
    try {
      metricsListener = await listenMetrics(config.metricsAddr);
    } catch (error) {
      httpServer.close();
      for (const s of stops.reverse()) await s().catch(() => undefined);
      for (const remove of unprovide) remove();
      await apollo.stop();
      if (ownsStore) await store.close();
      throw error;
    }
  }
  const metricsUrl = !config.metrics ? null : (metricsListener?.url ?? `${new URL(url).origin}/metrics`);

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    if (!stopping) {
      stopping = (async () => {
        // From here every new request, on any connection, is answered 503 (refuseWhileStopping) and every
        // response in flight closes its connection when it is done.
        phase = 'stopping';
        for (const res of open) if (!res.headersSent) res.setHeader('connection', 'close');
        for (const extension of extensions) {
          try {
            extension.drain?.();
          } catch (error) {
            logger.error('extension drain failed', { extension: extension.name, error: error as Error });
          }
        }
        // Stop listening, but keep idle kept-alive connections open while requests are in flight: a client (or
        // a load balancer's probe) that reuses one gets the 503 above instead of a reset. http.Server#close
        // would close them at once, so the listening socket is closed as a plain net.Server.
        const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(httpServer, () => resolve()));
        if (inFlight > 0) {
          // In-flight requests get the grace less a reserve for closing everything else, so the whole stop
          // fits in the grace.
          const budget = Math.max(0, config.shutdownGraceMs - Math.min(1000, config.shutdownGraceMs / 5));
          const grace = new Promise<void>((resolve) => setTimeout(resolve, budget).unref());
          await Promise.race([new Promise<void>((resolve) => (drained = resolve)), grace]);
          if (inFlight > 0) logger.warn('shutdown grace over; closing connections with requests in flight', { inFlight });
        }
        httpServer.closeAllConnections();
        for (const s of stops.reverse()) await s().catch((error: unknown) => logger.error('extension stop failed', { error: error as Error }));
        await closed;
        await metricsListener?.close();
        for (const remove of unprovide) remove();
        await apollo.stop();
        if (ownsStore) await store.close();
        phase = 'stopped';
        logger.info('stopped', { phase });
      })();
    }
    return stopping;
  };
  logger.debug('listening', { url, phase });
  logger.info(security.authenticator.describe());
  if (config.redaction.enabled) logger.info(describePolicy(config.redaction));
  else logger.warn(describePolicy(config.redaction));
  return { url, port, httpServer, store, ingest, security, metricsUrl, prepared, stop };
}

const ingestInflightSpans = readGauge('tracegate_ingest_inflight_spans', 'spans being validated and written now, across every ingest route');
const ingestInflightBytes = readGauge('tracegate_http_inflight_body_bytes', 'request body bytes admitted and held now (declared, or the body cap for gzip and chunked bodies)');
const ingestInflightRequests = readGauge('tracegate_ingest_inflight_requests', 'ingest requests holding the in-flight cap now');

// Private: this gateway's share of the process-wide read gauges; the returned removals run on stop.
function provideGatewayGauges(security: Security): (() => void)[] {
  const limiter = security.ingestLimiter;
  const bodies = security.bodyAdmission;
  return [
    ingestInflightSpans.provide(() => limiter.stats().inFlightSpans),
    ingestInflightRequests.provide(() => limiter.stats().inFlightRequests),
    ingestInflightBytes.provide(() => bodies.stats().inFlightBytes),
  ];
}

function openStore(config: Config): MongoTraceStore {
  if (!config.mongoUri) throw new Error('startGateway: config.mongoUri is required (main.ts starts the embedded store when MONGODB_URI is unset)');
  return new MongoTraceStore({
    uri: config.mongoUri,
    dbName: config.mongoDb,
    retentionMs: config.retentionMs,
    serverSelectionTimeoutMs: config.storeTimeoutMs,
    socketTimeoutMs: config.storeSocketTimeoutMs,
    // Nothing in the gateway listens to command events, and with monitoring on the driver decodes every reply
    // a second time (whole, for the CommandSucceededEvent) besides the cursor's own decode. Tests and the
    // benchmark that count commands construct their own store, where monitoring stays on by default.
    clientOptions: { monitorCommands: false },
    metrics: config.metrics,
  });
}

// Private: a body over the in-flight byte bound, refused before any of it is kept: what the client sends is
// read and discarded first, so a client still uploading gets the 429 rather than a broken pipe.
function refuseBody(req: IncomingMessage, res: ServerResponse, error: TracegateError): void {
  const requestId = requestIdOf(req);
  res.setHeader('x-request-id', requestId);
  const { status, headers } = httpOf(error.code, error.details);
  afterDiscardingBody(req, () => sendError(res, status, error.code, error.message, requestId, headers));
}

// Private: a request that arrived after stop() began (on a kept-alive connection): answered as soon as its body
// was discarded, and its connection closed. /healthz still says the process is alive; everything else, /readyz
// included, is 503.
function refuseWhileStopping(req: IncomingMessage, res: ServerResponse): void {
  const requestId = requestIdOf(req);
  const path = (req.url ?? '/').split('?')[0];
  const headers = { connection: 'close', 'x-request-id': requestId };
  afterDiscardingBody(req, () => {
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' }, headers);
      return;
    }
    if (path === '/readyz') {
      sendJson(res, 503, { status: 'shutting down', code: ErrorCode.SHUTTING_DOWN, requestId }, { ...headers, 'retry-after': '1' });
      return;
    }
    sendError(res, 503, ErrorCode.SHUTTING_DOWN, 'This gateway instance is shutting down; nothing of this request was processed. Retry (another instance will answer).', requestId, {
      ...headers,
      'retry-after': '1',
    });
  });
}

function afterDiscardingBody(req: IncomingMessage, respond: () => void): void {
  if (req.complete) {
    respond();
    return;
  }
  req.once('end', respond);
  req.once('error', () => req.socket.destroy());
  req.resume();
}

function isPublic(route: Route, req: IncomingMessage): boolean {
  return typeof route.public === 'function' ? route.public(req) : route.public === true;
}

/** A request target as the router reads it: its path, and its URL (parsed once, when first asked for). */
interface RequestTarget {
  pathname: string;
  url(): URL;
}

/**
 * Request targets of one gateway. A target that is a plain path (letters, digits, `-`, `_` and `/`, not starting
 * with `//`: characters URL leaves as they are) on a Host header already seen to parse is its own pathname, and
 * its URL is parsed only when a route reads `ctx.url`. Any other target is parsed at once, so a target or Host
 * that does not parse fails where it always did.
 */
class RequestTargets {
  private parsedHost: string | undefined;

  parse(req: IncomingMessage): RequestTarget {
    const path = req.url ?? '/';
    const base = `http://${req.headers.host ?? 'localhost'}`;
    if (base === this.parsedHost && PLAIN_PATH.test(path)) {
      let url: URL | undefined;
      return { pathname: path, url: () => (url ??= new URL(path, base)) };
    }
    const url = new URL(path, base);
    this.parsedHost = base;
    return { pathname: url.pathname, url: () => url };
  }
}

const PLAIN_PATH = /^\/(?!\/)[\w/-]*$/;

// Private: one request through the route table; what a route throws goes through the error edge.
async function handle(router: Router, services: GatewayServices, targets: RequestTargets, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = requestIdOf(req);
  res.setHeader('x-request-id', requestId);
  let found: { route: Route; ctx: RouteContext } | undefined;
  try {
    const target = targets.parse(req);
    const pathname = target.pathname;
    const match = router.match(req.method ?? 'GET', pathname);
    switch (match.kind) {
      case 'found':
        found = {
          route: match.route,
          ctx: {
            requestId,
            services,
            get url() {
              return target.url();
            },
          },
        };
        // Before the body is read: without a known token a client costs no more than this check.
        if (!isPublic(match.route, req)) requireAuthenticated(services.security.authenticateHttp(req));
        await match.route.handle(req, res, found.ctx);
        return;
      case 'wrong-method':
        sendError(res, 405, ErrorCode.BAD_USER_INPUT, `${req.method} ${pathname}: expected one of ${match.allowed.join(', ')}`, requestId, { allow: match.allowed.join(', ') });
        return;
      case 'not-found':
        sendError(res, 404, ErrorCode.BAD_USER_INPUT, `${pathname}: no such route`, requestId);
        return;
    }
  } catch (error) {
    const failure = failureOf(error, { requestId, logger, storeRetryAfterSeconds: found?.route.storeRetryAfterSeconds });
    if (found?.route.sendFailure) found.route.sendFailure(req, res, failure, found.ctx);
    else sendError(res, failure.status, failure.code, failure.message, requestId, failure.headers);
  }
}
