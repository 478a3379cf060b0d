/**
 * Worker: the gateway as `npm start` wires it (same extensions), connected to a store given by URI (the store
 * runs in its own worker, so the gateway's CPU figures are its own).
 */
import { loadConfig } from '../../src/config';
import { startGateway } from '../../src/server';
import { DEFAULT_QUERY_LIMITS } from '../../src/server/limits';
import { gatewayExtensions } from '../../src/server/extension-list';
import { serveWorker } from './serve';

export interface GatewayArgs {
  storeUri: string;
  dbName: string;
  /** Env-style settings, e.g. limits the scenario needs. */
  env?: Record<string, string>;
  /** Raises the query cost limit (the nested benchmark queries exceed the default). */
  maxCost?: number;
}

export interface GatewayReady {
  url: string;
}

serveWorker(async (raw) => {
  const args = raw as unknown as GatewayArgs;
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'production', MONGODB_URI: args.storeUri, MONGODB_DB: args.dbName, TRACEGATE_OTLP_GRPC_PORT: '0', ...args.env }, []);
  const queryLimits = args.maxCost ? { ...DEFAULT_QUERY_LIMITS, maxCost: args.maxCost } : undefined;
  const gateway = await startGateway(config, { extensions: gatewayExtensions(config), ...(queryLimits ? { queryLimits } : {}) });
  const info: GatewayReady = { url: gateway.url };
  return { info, stop: () => gateway.stop() };
});
