/**
 * The one gateway fixture of the integration tests: a gateway on an ephemeral loopback port over a fresh test
 * store (MONGODB_URI or embedded), plus a small HTTP GraphQL client. `const gw = await startTestGateway(); ...
 * await gw.stop();`. Options cover what tests vary: features (`extensions`), settings (`env`), one store shared by
 * several gateways (`mongo`), a store that can be made slow or gone (`proxy`), driver options (`clientOptions`).
 * Area helpers (test/live/helpers/live-gateway.ts, test/ingest/http/helpers.ts, ...) only choose extensions.
 */
import { MongoClient, type CommandStartedEvent, type Db, type MongoClientOptions } from 'mongodb';
import { loadConfig, type Config } from '../../src/config';
import { MongoTraceStore } from '../../src/store';
import { startGateway, type Gateway, type GatewayExtension } from '../../src/server';
import { startTestMongo, type TestMongo } from './mongo';
import { hostPortOf, startTcpProxy, throughProxy, type TcpProxy } from './tcp-proxy';
import type { QueryLimits } from '../../src/server/limits';

export interface GqlResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
  /** The raw body when it was not JSON. */
  text: string;
}

export interface TestGateway {
  gateway: Gateway;
  /** e.g. http://127.0.0.1:40123/graphql */
  url: string;
  /** http://127.0.0.1:40123 */
  origin: string;
  config: Config;
  /** The store as the test reaches it directly (not through `proxy`). */
  mongo: TestMongo;
  store: MongoTraceStore;
  /** With `proxy: true`: the loopback TCP proxy between the gateway and its store (stall, sever, flow). */
  proxy?: TcpProxy;
  /** POST a GraphQL operation as JSON. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GqlResponse<T>>;
  /** Store commands started while `fn` runs (driver `commandStarted` events; handshakes, pings, session ends and the one-time index creation excluded). */
  countCommands(fn: () => Promise<unknown>): Promise<{ count: number; commands: string[] }>;
  /** Runs `fn` on the store's database through a driver client of its own (not the gateway's, not through `proxy`), closed after. */
  withStoreDb<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

export interface TestGatewayOptions {
  /** Env-style overrides, e.g. { TRACEGATE_MAX_SPANS_PER_REQUEST: '10' }. */
  env?: Record<string, string>;
  extensions?: GatewayExtension[];
  /** Query limits other than the defaults (see src/server/limits). */
  queryLimits?: QueryLimits;
  /** Reuse a store (e.g. two gateways on one store); otherwise a fresh one, stopped with the gateway. */
  mongo?: TestMongo;
  /** Reach the store through a loopback TCP proxy (`gw.proxy`), to make it slow or gone honestly; closed with the gateway. */
  proxy?: boolean;
  /** Driver options of the gateway's store client (e.g. a short `heartbeatFrequencyMS`). */
  clientOptions?: MongoClientOptions;
}

/** A gateway started with `proxy: true`. */
export interface ProxiedTestGateway extends TestGateway {
  proxy: TcpProxy;
}

const IGNORED_COMMANDS = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'endSessions', 'saslStart', 'saslContinue', 'createIndexes']);

export async function startTestGateway(options: TestGatewayOptions & { proxy: true }): Promise<ProxiedTestGateway>;
export async function startTestGateway(options?: TestGatewayOptions): Promise<TestGateway>;
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const ownsMongo = !options.mongo;
  const mongo = options.mongo ?? (await startTestMongo());
  const proxy = options.proxy ? await startTcpProxy(hostPortOf(mongo.uri)) : undefined;
  const reached = proxy ? throughProxy(mongo, proxy) : mongo;
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', MONGODB_URI: reached.uri, MONGODB_DB: reached.dbName, ...options.env }, []);
  const store = new MongoTraceStore({
    uri: reached.uri,
    dbName: reached.dbName,
    retentionMs: config.retentionMs,
    serverSelectionTimeoutMs: config.storeTimeoutMs,
    socketTimeoutMs: config.storeSocketTimeoutMs,
    ...(options.clientOptions ? { clientOptions: options.clientOptions } : {}),
  });
  const gateway = await startGateway(config, { store, extensions: options.extensions ?? [], ...(options.queryLimits ? { queryLimits: options.queryLimits } : {}) });
  const origin = new URL(gateway.url).origin;

  const gql = async <T,>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GqlResponse<T>> => {
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    let body: { data?: T | null; errors?: GqlResponse<T>['errors'] } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // not JSON: callers look at status and text
    }
    return { status: res.status, headers: res.headers, data: body.data, errors: body.errors, text };
  };

  const countCommands = async (fn: () => Promise<unknown>) => {
    const commands: string[] = [];
    const listener = (event: CommandStartedEvent) => {
      if (!IGNORED_COMMANDS.has(event.commandName)) commands.push(event.commandName);
    };
    store.client.on('commandStarted', listener);
    try {
      await fn();
    } finally {
      store.client.off('commandStarted', listener);
    }
    return { count: commands.length, commands };
  };

  const withStoreDb = async <T,>(fn: (db: Db) => Promise<T>): Promise<T> => {
    const client = new MongoClient(mongo.uri);
    try {
      return await fn(client.db(mongo.dbName));
    } finally {
      await client.close();
    }
  };

  return {
    gateway,
    url: gateway.url,
    origin,
    config,
    mongo,
    store,
    ...(proxy ? { proxy } : {}),
    gql,
    countCommands,
    withStoreDb,
    async stop() {
      // A stalled proxy would hold the gateway's stop: let what it holds through first.
      proxy?.flow();
      await gateway.stop();
      await store.close();
      await proxy?.close();
      if (ownsMongo) await mongo.stop();
    },
  };
}
