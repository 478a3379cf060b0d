/**
 * Service analytics as a gateway extension: rollups written for every write's newly stored spans (an ingest
 * step, awaited before the write is acknowledged), the analytics resolvers, and `serviceStats` fed by the live
 * extension's span feed. Wiring only; the pieces live in src/analytics and src/graphql/resolvers/analytics.ts.
 */
import { ServiceAnalytics } from '../analytics';
import type { Resolvers } from '../generated/graphql';
import { analyticsResolvers } from '../graphql';
import { LiveSpanFilter } from '../live';
import type { LiveExtension } from './live-extension';
import { log } from '../log';
import { MongoTraceStore } from '../store';
import type { GatewayExtension } from './extensions';
import type { GatewayServices } from './router';

export interface AnalyticsExtensionOptions {
  /** The live extension whose span feed drives `serviceStats`; without it the subscription is unavailable. */
  live?: LiveExtension;
  /** Write rollups at ingest (default true). Off: the analytics read what exists (the P1 benchmark's baseline). */
  record?: boolean;
  /** Least time between two `serviceStats` messages, ms (default 1000). */
  statsIntervalMs?: number;
}

export interface AnalyticsExtension extends GatewayExtension {
  /** The gateway's analytics once resolvers() ran (tests and deleteTraces use it); else null. */
  analytics(): ServiceAnalytics | null;
}

const logger = log.child('analytics');

export function analyticsExtension(options: AnalyticsExtensionOptions = {}): AnalyticsExtension {
  let analytics: ServiceAnalytics | null = null;
  const open = (services: GatewayServices): ServiceAnalytics => {
    if (!analytics) {
      const store = services.store;
      if (!(store instanceof MongoTraceStore)) throw new Error('analytics extension: the trace store is not MongoDB; rollups need its collections');
      analytics = new ServiceAnalytics(store, { retentionMs: services.config.statsRetentionMs });
    }
    return analytics;
  };
  return {
    name: 'analytics',
    resolvers(services) {
      const live = options.live;
      return [
        analyticsResolvers({
          analytics: open(services),
          statsIntervalMs: options.statsIntervalMs,
          spanFeed: live
            ? (service) => {
                const hub = live.hub();
                if (!hub) throw new Error('analytics extension: the live hub is not running');
                return hub.subscribeSpans(new LiveSpanFilter({ service }));
              }
            : undefined,
        }) as Resolvers,
      ];
    },
    async attach({ services }) {
      const rollups = open(services);
      if (options.record === false) return;
      const remove = services.ingest.addStoredStep(async (spans) => {
        try {
          await rollups.record(spans);
        } catch (error) {
          logger.error('rollups not written for stored spans; `npm run stats:rebuild` recomputes them', { spans: spans.length, error: error as Error });
          throw error;
        }
      });
      return async () => remove();
    },
    analytics: () => analytics,
  };
}
