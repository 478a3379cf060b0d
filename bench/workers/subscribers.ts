/**
 * Worker: P6's subscribers of one kind, away from the process that submits probes and ingests background traffic
 * and from the subscribers of the other kind. `graphql-ws`: `count` graphql-ws subscribers of one trace on the
 * gateway; `raw`: `count` raw sockets on the broadcast server. `collect` waits for one probe's receipts and
 * returns their times on the machine's monotonic clock (`nowMs`).
 */
import { graphqlWsSubscribers, rawWsSubscribers, type Receipts } from '../load/subscribers';
import { serveWorker } from './serve';

export type SubscribersArgs =
  | { kind: 'graphql-ws'; url: string; traceId: string; count: number }
  | { kind: 'raw'; url: string; count: number };

export interface SubscribersReady {
  count: number;
}

export interface CollectArgs {
  probe: string;
  timeoutMs: number;
}

serveWorker(async (raw) => {
  const args = raw as unknown as SubscribersArgs;
  const subs: Receipts = args.kind === 'graphql-ws' ? await graphqlWsSubscribers(args.url, args.traceId, args.count) : await rawWsSubscribers(args.url, args.count);
  const collect = async (a: unknown): Promise<number[]> => {
    const { probe, timeoutMs } = a as CollectArgs;
    const deadline = Date.now() + timeoutMs;
    while ((subs.byProbe.get(probe)?.length ?? 0) < args.count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const got = subs.byProbe.get(probe) ?? [];
    subs.byProbe.delete(probe);
    return got;
  };
  const info: SubscribersReady = { count: args.count };
  return { info, handlers: { collect }, stop: () => subs.close() };
});
