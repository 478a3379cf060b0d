/**
 * Live updates as a gateway extension: the Subscription resolvers, one hub (one live source) per process, and
 * the graphql-ws endpoint on the HTTP server's /graphql. Wiring only; the pieces live in src/live (which knows
 * no socket library and no collection) and src/server/ws.ts.
 */
import type { AuthOutcome } from '../auth';
import type { Resolvers } from '../generated/graphql';
import { createSubscriptionContext, renewLoaders, type GraphQLContext } from '../graphql';
import {
  ChangeStreamSource,
  LiveHub,
  LocalSource,
  liveResolvers,
  openLiveSource,
  SharedSubscriptions,
  type LiveHubStats,
  type LiveSource,
  type LiveSourceMode,
  type SharedSubscriptionsStats,
} from '../live';
import { log as rootLog, type Logger } from '../log';
import { readGauge } from '../metrics';
import type { StoredSpan } from '../store';
import type { GatewayExtension } from './extensions';
import type { GatewayServices } from './router';
import { attachWebSocket, type WebSocketEndpoint, type WebSocketLimits } from './ws';

/** Overrides of what the gateway's config says (TRACEGATE_LIVE_*, TRACEGATE_WS_*); tests and benchmarks use them. */
export interface LiveOptions {
  source?: LiveSourceMode;
  /** Per-subscription bound, in spans. */
  queueLimit?: number;
  /** Coalescing window for batches, ms (default 50). */
  coalesceMs?: number;
  ws?: Partial<WebSocketLimits>;
  /** Where the live layer logs (source choice, fallback, resumes); default the process logger. */
  log?: Logger;
  /** Authenticates a connection's `connection_init` payload; default: the gateway's token authenticator. */
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
  /** The source feeding the hub while it is open (only while someone subscribes; tests look at its resumes). */
  source(): LiveSource<StoredSpan> | null;
  /** The hub, once resolvers() made it (other features subscribe to the span feed through it); else null. */
  hub(): LiveHub<StoredSpan> | null;
}

type Phase =
  | { name: 'created' }
  | { name: 'resolved'; hub: LiveHub<StoredSpan>; shared: SharedSubscriptions }
  | { name: 'attached'; hub: LiveHub<StoredSpan>; shared: SharedSubscriptions; ws: WebSocketEndpoint; wsClosed: Promise<void> | null }
  | { name: 'stopped' };

const subscriptionsHeld = readGauge('tracegate_live_subscriptions', 'live subscriptions held now (graphql-ws operations)');
const liveConnections = readGauge('tracegate_live_connections', 'open graphql-ws connections');
const queuedSpans = readGauge('tracegate_live_queued_spans', 'spans queued for live subscribers, not yet sent');

export function liveExtension(options: LiveOptions = {}): LiveExtension {
  const log = options.log ?? rootLog.child('live');
  let phase: Phase = { name: 'created' };
  return {
    name: 'live',
    resolvers(services) {
      if (phase.name !== 'created') throw new Error(`live extension: resolvers() expected once per gateway, but the extension is ${phase.name}`);
      const queueLimit = options.queueLimit ?? services.config.liveQueueLimit;
      const hub = new LiveHub<StoredSpan>({ queueLimit, coalesceMs: options.coalesceMs, log });
      phase = { name: 'resolved', hub, shared: new SharedSubscriptions(queueLimit) };
      const resolvers = liveResolvers({
        hub,
        spansOfTrace: async (traceId) => (await services.store.spansByTraceIds([traceId])).get(traceId) ?? [],
        renewContext: (context) => renewLoaders(context as GraphQLContext),
      });
      // The live models hold readonly arrays; codegen's resolver types want mutable ones. Same shapes otherwise.
      return [resolvers as unknown as Resolvers];
    },
    async attach({ httpServer, schema, services }) {
      if (phase.name !== 'resolved') throw new Error(`live extension: attach() expected after resolvers(), but the extension is ${phase.name}`);
      const { hub, shared } = phase;
      // The first opening decides the kind (`auto` may fall back to the local bus); the hub re-opens that same
      // kind whenever a first subscriber arrives after it closed the source for want of any.
      let mode = options.source ?? services.config.liveSource;
      const candidates = sourceCandidates(services, log, () => hub.gap());
      await hub.start(async (sink) => {
        const source = await openLiveSource(mode, candidates, sink, log);
        mode = source.kind;
        return source;
      });
      const { config, security } = services;
      const ws = attachWebSocket({
        httpServer,
        schema,
        queryLimits: security.queryLimits,
        production: security.production,
        masker: security.masker,
        shared,
        createContext: (requestId) => createSubscriptionContext({ store: services.store, ingest: services.ingest, limits: config.limits }, requestId),
        authenticate: options.authenticate ?? ((payload) => security.authenticator.authenticateConnectionParams(payload)),
        limits: {
          maxSubscriptionsPerConnection: config.wsMaxSubscriptions,
          connectionInitTimeoutMs: config.wsInitTimeoutMs,
          maxMessageBytes: config.wsMaxMessageBytes,
          ...options.ws,
        },
      });
      phase = { name: 'attached', hub, shared, ws, wsClosed: null };
      // Subscribers of a trace erased through this gateway hear nothing more about it.
      const unerased = services.ingest.erasure.onErased((traceIds) => hub.forgetTraces(traceIds));
      const unprovide = [
        unerased,
        ...(services.config.metrics
          ? [subscriptionsHeld.provide(() => ws.stats().subscriptions), liveConnections.provide(() => ws.stats().connections), queuedSpans.provide(() => hub.stats().queuedSpans)]
          : []),
      ];
      return async () => {
        for (const remove of unprovide) remove();
        const closing = phase.name === 'attached' ? phase.wsClosed : null;
        phase = { name: 'stopped' };
        await (closing ?? ws.close());
        await hub.stop();
      };
    },
    drain() {
      // Sockets close with 1001 Going Away while HTTP requests in flight finish.
      if (phase.name === 'attached' && !phase.wsClosed) phase.wsClosed = phase.ws.close();
    },
    stats() {
      if (phase.name !== 'attached') return null;
      return { hub: phase.hub.stats(), shared: phase.shared.stats(), ws: phase.ws.stats() };
    },
    source() {
      return phase.name === 'attached' ? phase.hub.openSource : null;
    },
    hub() {
      return phase.name === 'resolved' || phase.name === 'attached' ? phase.hub : null;
    },
  };
}

// Private: the change stream is the store's feed of inserted spans; a store without one cannot serve it.
function sourceCandidates(services: GatewayServices, log: Logger, onGap: () => void) {
  return {
    changestream: (): LiveSource<StoredSpan> => {
      const feed = services.store.spanChanges?.();
      if (!feed) throw new Error('the trace store offers no change streams');
      return new ChangeStreamSource<StoredSpan>({ collection: feed, toSpan: feed.toSpan, onGap, log });
    },
    local: (): LiveSource<StoredSpan> => new LocalSource<StoredSpan>((listener) => services.ingest.onStored(listener)),
  };
}
