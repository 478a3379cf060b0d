/**
 * A gateway over an in-memory embedded store, wired as `npm start` wires it (same extensions), for the demo
 * and the benchmark. Both stop together.
 */
import { loadConfig } from '../config';
import { startEmbeddedMongo } from '../embedded-mongo';
import { gatewayExtensions, startGateway, type Gateway } from '../server';

export interface LocalGateway {
  gateway: Gateway;
  /** The GraphQL endpoint. */
  url: string;
  storeUri: string;
  stop(): Promise<void>;
}

export async function startLocalGateway(options: { port: number; host?: string; env?: Record<string, string> }): Promise<LocalGateway> {
  const store = await startEmbeddedMongo({ port: 0 });
  try {
    const config = loadConfig(
      { PORT: String(options.port), HOST: options.host ?? '127.0.0.1', MONGODB_URI: store.uri, MONGODB_DB: 'tracegate', TRACEGATE_OTLP_GRPC_PORT: '0', ...options.env },
      [],
    );
    const gateway = await startGateway(config, { extensions: gatewayExtensions(config) });
    return {
      gateway,
      url: gateway.url,
      storeUri: store.uri,
      stop: async () => {
        await gateway.stop();
        await store.stop();
      },
    };
  } catch (e) {
    await store.stop();
    throw e;
  }
}
