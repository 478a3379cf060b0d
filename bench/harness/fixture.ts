/**
 * The usual layout for scenarios that measure the gateway: the store in one worker, the gateway in another,
 * the driver and the load generator in the parent.
 */
import { MongoClient } from 'mongodb';
import { keepAliveAgent, SpanSubmitter } from '../../src/demo';
import type { SpanInput } from '../../src/generated/graphql';
import type { GatewayArgs, GatewayReady } from '../workers/gateway';
import type { StoreReady } from '../workers/store';
import { forkWorker, type WorkerHandle } from './child';

export interface GatewayFixture {
  store: WorkerHandle<StoreReady>;
  gateway: WorkerHandle<GatewayReady>;
  /** A driver client on the same store, in the parent. */
  client: MongoClient;
  dbName: string;
  /** Submits spans through the gateway in batches of 500; throws unless all were stored. */
  seed(spans: readonly SpanInput[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startGatewayFixture(dbName: string, options: { cpuProfDir?: string; label?: string; env?: Record<string, string>; maxCost?: number } = {}): Promise<GatewayFixture> {
  const store = await forkWorker<StoreReady>('store', { maxOldSpaceMb: 8192, cpuProfDir: options.cpuProfDir, label: options.label });
  let gateway: WorkerHandle<GatewayReady> | undefined;
  const client = new MongoClient(store.ready.uri);
  const agent = keepAliveAgent(4);
  try {
    const args: GatewayArgs = { storeUri: store.ready.uri, dbName, env: options.env, maxCost: options.maxCost };
    gateway = await forkWorker<GatewayReady>('gateway', { args, cpuProfDir: options.cpuProfDir, label: options.label });
    await client.connect();
    const submitter = new SpanSubmitter({ url: gateway.ready.url, agent, maxAttempts: 20, baseDelayMs: 20 });
    const gw = gateway;
    return {
      store,
      gateway: gw,
      client,
      dbName,
      seed: async (spans) => {
        for (let i = 0; i < spans.length; i += 500) {
          const part = spans.slice(i, i + 500);
          const outcome = await submitter.submit(part);
          if (outcome.kind !== 'stored' || outcome.accepted + outcome.duplicates !== part.length) {
            throw new Error(`seeding the gateway failed: ${JSON.stringify(outcome).slice(0, 300)}`);
          }
        }
      },
      stop: async () => {
        agent.destroy();
        await client.close();
        await gw.stop();
        await store.stop();
      },
    };
  } catch (e) {
    agent.destroy();
    await client.close();
    await gateway?.stop();
    await store.stop();
    throw e;
  }
}
