/**
 * The gateway: a plain node:http server with a route table (/graphql, /healthz, /readyz, the web UI), Apollo behind
 * /graphql, and the extensions' routes, plugins and attachments. `startGateway` resolves once it listens.
 *
 * Lifecycle (explicit phase): starting -> listening -> stopping -> stopped. `stop()` stops accepting
 * connections, lets in-flight requests finish (up to the configured grace), then closes extensions, Apollo
 * and the store it opened.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config';
import { ErrorCode, TracegateError } from '../errors';
import { createSchema } from '../graphql';
import { IngestService } from '../ingest/service';
import { log } from '../log';
import { MongoTraceStore, type TraceStore } from '../store';
import { createApollo } from './apollo';
import type { GatewayExtension } from './extensions';
import { currentRequestId, requestIdOf, runInRequestScope, sendError, STATUS_BY_CODE } from './http';
import { requireAuthenticated } from './auth';
import { retryAfterOf } from './overload';
import { createSecurity, type Security } from './security';
import type { QueryLimits } from './limits';
import type { GraphQLContext } from '../graphql';
import { INTERNAL_MESSAGE } from './errors';
import { Router, type GatewayServices } from './router';
import { graphqlRoutes, healthRoutes, uiRoutes } from './routes';

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
    currentRequestId,
    maxInflightIngestSpans: config.maxInflightIngestSpans,
  });
  const ingest = new IngestService(store, config.limits, Date.now, security.ingestLimiter);
  const services: GatewayServices = { config, store, ingest, security };
  const extensions = deps.extensions ?? [];

  const schema = createSchema({ extraResolvers: extensions.flatMap((e) => e.resolvers?.(services) ?? []) });
  const apollo = createApollo({
    schema,
    production,
    plugins: [...security.apolloPlugins<GraphQLContext>(), ...extensions.flatMap((e) => e.plugins?.(services) ?? [])],
    validationRules: [...security.validationRules(), ...extensions.flatMap((e) => e.validationRules?.(services) ?? [])],
    formatError: security.masker.formatError,
    parseOptions: security.parseOptions(),
  });
  await apollo.start();

  const router = new Router();
  for (const route of [...graphqlRoutes(apollo), ...healthRoutes, ...uiRoutes({ production, ...(deps.uiDir ? { dir: deps.uiDir } : {}) }), ...extensions.flatMap((e) => e.routes?.(services) ?? [])]) {
    router.add(route);
  }

  let inFlight = 0;
  let drained: (() => void) | null = null;
  const httpServer = createServer((req, res) => {
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
    void handle(router, services, req, res);
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
    await apollo.stop();
    if (ownsStore) await store.close();
    throw error;
  }
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/graphql`;

  let phase: Phase = 'listening';
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    if (!stopping) {
      stopping = (async () => {
        phase = 'stopping';
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        if (inFlight > 0) {
          const grace = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref());
          await Promise.race([new Promise<void>((resolve) => (drained = resolve)), grace]);
        }
        httpServer.closeAllConnections();
        for (const s of stops.reverse()) await s().catch((error: unknown) => logger.error('extension stop failed', { error: error as Error }));
        await closed;
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
  return { url, port, httpServer, store, ingest, security, stop };
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
  });
}

// Private: one request through the route table; thrown errors become JSON error bodies.
async function handle(router: Router, services: GatewayServices, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = requestIdOf(req);
  res.setHeader('x-request-id', requestId);
  await runInRequestScope(requestId, async () => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      const match = router.match(req.method ?? 'GET', url.pathname);
      switch (match.kind) {
        case 'found':
          // Before the body is read: without a known token a client costs no more than this check.
          if (!match.route.public) requireAuthenticated(services.security.authenticateHttp(req));
          await match.route.handle(req, res, { requestId, url, services });
          return;
        case 'wrong-method':
          sendError(res, 405, ErrorCode.BAD_USER_INPUT, `${req.method} ${url.pathname}: expected one of ${match.allowed.join(', ')}`, requestId, { allow: match.allowed.join(', ') });
          return;
        case 'not-found':
          sendError(res, 404, ErrorCode.BAD_USER_INPUT, `${url.pathname}: no such route`, requestId);
          return;
      }
    } catch (error) {
      if (error instanceof TracegateError) {
        // After a refused body the rest of it is not read: close the connection instead of draining it.
        const headers: Record<string, string> = error.code === ErrorCode.PAYLOAD_TOO_LARGE ? { connection: 'close' } : {};
        if (error.code === ErrorCode.UNAUTHENTICATED) headers['www-authenticate'] = 'Bearer';
        const retryAfter = retryAfterOf(error);
        if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
        sendError(res, STATUS_BY_CODE[error.code], error.code, error.message, requestId, headers);
        return;
      }
      logger.error('unexpected error', { requestId, error: error as Error });
      sendError(res, 500, ErrorCode.INTERNAL, INTERNAL_MESSAGE, requestId);
    }
  });
}
