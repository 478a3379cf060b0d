/**
 * Live updates as a gateway extension: the Subscription resolvers, one hub (one live source) per process, and
 * the graphql-ws endpoint on the HTTP server's /graphql. Wiring only; the pieces live in src/live and
 * src/server/ws.ts.
 */
import type { Document } from 'mongodb';
import type { Resolvers } from '../generated/graphql';
import { createContext, createLoaders, type GraphQLContext } from '../graphql';
import { log as rootLog } from '../log';
import type { AuthOutcome } from '../server/auth';
import type { GatewayExtension } from '../server/extensions';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../server/limits';
import { createErrorMasker } from '../server/masking';
import type { GatewayServices } from '../server/router';
import { attachWebSocket, type WebSocketEndpoint, type WebSocketLimits } from '../server/ws';
import { Collections, MongoTraceStore, type StoredSpan } from '../store';
import { fromSpanDoc, type SpanDoc } from '../store/mongo/documents';
import { ChangeStreamSource } from './change-stream-source';
import { LiveHub, type LiveHubStats } from './hub';
import { LocalSource } from './local-source';
import { openLiveSource } from './open-source';
import { liveResolvers } from './resolvers';
import { SharedSubscriptions, type SharedSubscriptionsStats } from './shared-subscriptions';
import type { LiveSource, LiveSourceMode } from './source';

export interface LiveOptions {
  /** `TRACEGATE_LIVE_SOURCE`. */
  source: LiveSourceMode;
  /** `TRACEGATE_LIVE_QUEUE_LIMIT`: per-subscription bound, in spans. */
  queueLimit: number;
  /** Coalescing window for batches, ms (default 50). */
  coalesceMs?: number;
  ws?: Partial<WebSocketLimits>;
  queryLimits?: QueryLimits;
  /** Authenticates a connection's `connection_init` payload (the security feature fills this). */
  authenticate?(payload: Readonly<Record<string, unknown>> | undefined): AuthOutcome;
}

export interface LiveStats {
  hub: LiveHubStats;
  shared: SharedSubscriptionsStats;
  ws: { connections: number; subscriptions: number };
}

export interface LiveExtension extends GatewayExtension {
  /** Everything the live layer holds; back at baseline once subscribers are gone. Null before attach. */
  stats(): LiveStats | null;
  /** The running change-stream source, if that is what feeds the hub (tests look at its resumes). */
  source(): LiveSource<StoredSpan> | null;
}

type Phase =
  | { name: 'created' }
  | { name: 'resolved'; hub: LiveHub<StoredSpan>; shared: SharedSubscriptions }
  | { name: 'attached'; hub: LiveHub<StoredSpan>; shared: SharedSubscriptions; ws: WebSocketEndpoint; source: LiveSource<StoredSpan> }
  | { name: 'stopped' };

const log = rootLog.child('live');

export function liveExtension(options: LiveOptions): LiveExtension {
  let phase: Phase = { name: 'created' };
  return {
    name: 'live',
    resolvers(services) {
      if (phase.name !== 'created') throw new Error(`live extension: resolvers() expected once per gateway, but the extension is ${phase.name}`);
      const hub = new LiveHub<StoredSpan>({ queueLimit: options.queueLimit, coalesceMs: options.coalesceMs, log });
      phase = { name: 'resolved', hub, shared: new SharedSubscriptions(options.queueLimit) };
      const resolvers = liveResolvers({
        hub,
        spansOfTrace: async (traceId) => (await services.store.spansByTraceIds([traceId])).get(traceId) ?? [],
        renewContext: (context) => {
          (context as GraphQLContext).loaders = createLoaders(services.store);
        },
      });
      // The live models hold readonly arrays; codegen's resolver types want mutable ones. Same shapes otherwise.
      return [resolvers as unknown as Resolvers];
    },
    async attach({ httpServer, schema, services }) {
      if (phase.name !== 'resolved') throw new Error(`live extension: attach() expected after resolvers(), but the extension is ${phase.name}`);
      const { hub, shared } = phase;
      let opened: LiveSource<StoredSpan> | null = null;
      await hub.start(async (sink) => {
        opened = await openLiveSource(options.source, sourceCandidates(services), sink, log);
        return opened;
      });
      const production = services.config.nodeEnv === 'production';
      const ws = attachWebSocket({
        httpServer,
        schema,
        queryLimits: options.queryLimits ?? DEFAULT_QUERY_LIMITS,
        production,
        masker: createErrorMasker({ log: rootLog.child('ws'), production }),
        shared,
        createContext: (requestId, auth) =>
          Object.assign(createContext({ store: services.store, ingest: services.ingest, limits: services.config.limits }, requestId), { auth }),
        authenticate: options.authenticate,
        limits: options.ws,
      });
      phase = { name: 'attached', hub, shared, ws, source: opened as unknown as LiveSource<StoredSpan> };
      return async () => {
        phase = { name: 'stopped' };
        await ws.close();
        await hub.stop();
      };
    },
    stats() {
      if (phase.name !== 'attached') return null;
      return { hub: phase.hub.stats(), shared: phase.shared.stats(), ws: phase.ws.stats() };
    },
    source() {
      return phase.name === 'attached' ? phase.source : null;
    },
  };
}

// Private: the change stream needs the MongoDB spans collection; any other store has none.
function sourceCandidates(services: GatewayServices) {
  return {
    changestream: (): LiveSource<StoredSpan> => {
      const store = services.store;
      if (!(store instanceof MongoTraceStore)) throw new Error('the trace store is not MongoDB: no change streams');
      return new ChangeStreamSource<StoredSpan>({
        collection: store.db.collection<Document>(Collections.spans),
        toSpan: (doc) => fromSpanDoc(doc as SpanDoc),
        log,
      });
    },
    local: (): LiveSource<StoredSpan> => new LocalSource<StoredSpan>((listener) => services.ingest.onStored(listener)),
  };
}
