/**
 * A gateway on an ephemeral loopback port over a fresh test store (MONGODB_URI or embedded), plus a small
 * HTTP GraphQL client. Reuse it: `const gw = await startTestGateway(); ... await gw.stop();`
 */
import type { CommandStartedEvent } from 'mongodb';
import { loadConfig, type Config } from '../../src/config';
import { MongoTraceStore } from '../../src/store';
import { startGateway, type Gateway, type GatewayExtension } from '../../src/server';
import { startTestMongo, type TestMongo } from './mongo';
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
  mongo: TestMongo;
  store: MongoTraceStore;
  /** POST a GraphQL operation as JSON. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GqlResponse<T>>;
  /** Store commands started while `fn` runs (driver `commandStarted` events; handshakes, pings, session ends and the one-time index creation excluded). */
  countCommands(fn: () => Promise<unknown>): Promise<{ count: number; commands: string[] }>;
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
}

const IGNORED_COMMANDS = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'endSessions', 'saslStart', 'saslContinue', 'createIndexes']);

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const ownsMongo = !options.mongo;
  const mongo = options.mongo ?? (await startTestMongo());
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', MONGODB_URI: mongo.uri, MONGODB_DB: mongo.dbName, ...options.env }, []);
  const store = new MongoTraceStore({ uri: mongo.uri, dbName: mongo.dbName, retentionMs: config.retentionMs, serverSelectionTimeoutMs: config.storeTimeoutMs, socketTimeoutMs: config.storeSocketTimeoutMs });
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

  return {
    gateway,
    url: gateway.url,
    origin,
    config,
    mongo,
    store,
    gql,
    countCommands,
    async stop() {
      await gateway.stop();
      await store.close();
      if (ownsMongo) await mongo.stop();
    },
  };
}
