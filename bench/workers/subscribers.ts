/**
 * Worker: P6's subscribers, away from the process that submits probes and ingests background traffic. Holds
 * `count` graphql-ws subscribers of one trace on the gateway and `count` raw sockets on the broadcast server;
 * `collect` waits for one probe's receipts and returns their times on the machine-wide clock (`nowMs`).
 */
import { graphqlWsSubscribers, rawWsSubscribers, type Receipts } from '../load/subscribers';
import { serveWorker } from './serve';

export interface SubscribersArgs {
  gatewayWsUrl: string;
  traceId: string;
  rawWsUrl: string;
  count: number;
}

export interface CollectArgs {
  side: 'gateway' | 'raw';
  probe: string;
  timeoutMs: number;
}

serveWorker(async (raw) => {
  const args = raw as unknown as SubscribersArgs;
  const gateway = await graphqlWsSubscribers(args.gatewayWsUrl, args.traceId, args.count);
  let rawSubs: Receipts;
  try {
    rawSubs = await rawWsSubscribers(args.rawWsUrl, args.count);
  } catch (e) {
    await gateway.close();
    throw e;
  }
  const collect = async (a: unknown): Promise<number[]> => {
    const { side, probe, timeoutMs } = a as CollectArgs;
    const subs = side === 'gateway' ? gateway : rawSubs;
    const deadline = Date.now() + timeoutMs;
    while ((subs.byProbe.get(probe)?.length ?? 0) < args.count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const got = subs.byProbe.get(probe) ?? [];
    subs.byProbe.delete(probe);
    return got;
  };
  return {
    info: { count: args.count },
    handlers: { collect },
    stop: async () => {
      await gateway.close();
      await rawSubs.close();
    },
  };
});
