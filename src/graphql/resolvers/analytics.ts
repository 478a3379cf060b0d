/**
 * Resolvers of schema/analytics.graphql: the service graph, RED series and operation stats read from the
 * rollups (src/analytics), the critical path and self time computed from a trace's already loaded spans, and the
 * `serviceStats` subscription over a span feed the wiring provides.
 */
import {
  criticalPath,
  currentBucket,
  selfTimeUs,
  StatsStream,
  statsWindow,
  type Series,
  type ServiceAnalytics,
  type StatPointModel,
  type StatsWindow,
} from '../../analytics';
import { formatMicros } from '../../domain';
import { ErrorCode, TracegateError } from '../../errors';
import type { Resolvers } from '../../generated/graphql';
import type { ServiceRecord } from '../../store';
import type { GraphQLContext } from '../context';
import type { OperationStatsModel, ServiceRefModel } from '../models';

/** Stored spans of one service as they arrive (a live feed); each item is one batch. */
export type ServiceSpanFeed = (service: string) => AsyncIterator<unknown> & { return?(): Promise<IteratorResult<unknown>> };

export interface AnalyticsResolverDeps {
  analytics: ServiceAnalytics;
  /** The live span feed behind `serviceStats`; absent: the subscription answers with an error. */
  spanFeed?: ServiceSpanFeed;
  /** Least time between two `serviceStats` messages, ms (default 1000). */
  statsIntervalMs?: number;
  now?: () => number;
}

export type OperationOrder = 'P99_DESC' | 'ERROR_RATE_DESC' | 'CALLS_DESC';

const MAX_OPERATIONS = 100;

export function analyticsResolvers(deps: AnalyticsResolverDeps): Resolvers {
  const { analytics } = deps;
  const now = deps.now ?? Date.now;
  return {
    Query: {
      async serviceGraph(_root, { from, to, service }) {
        const window = statsWindow(from, to, 60);
        const graph = await analytics.serviceGraph(window, service);
        const refs = new Map(graph.nodes.map((n) => [n.service, refOf(n.service, [n.series])]));
        const ref = (name: string, series: Series): ServiceRefModel => refs.get(name) ?? refOf(name, [series]);
        return {
          nodes: graph.nodes.map((n) => ({ service: refs.get(n.service)!, stats: n.series.total(window) })),
          edges: graph.edges.map((e) => ({ source: ref(e.source, e.series), target: ref(e.target, e.series), stats: e.series.total(window) })),
        };
      },
      async operationStats(_root, { from, to, orderBy, first }) {
        const window = statsWindow(from, to, 60);
        const size = first ?? 20;
        if (!Number.isInteger(size) || size < 1 || size > MAX_OPERATIONS) {
          throw badInput(`first: expected an integer from 1 to ${MAX_OPERATIONS}, received ${size}`);
        }
        const operations = (await analytics.operationSeries(window)).map((o) => operationModel(o.service, o.operation, window, o.series));
        return sortOperations(operations, orderBy ?? 'P99_DESC').slice(0, size);
      },
    },
    Service: {
      stats(service, { from, to, stepSeconds }) {
        const window = statsWindow(from, to, stepSeconds);
        let series: Promise<Series> | null = null;
        return { service: service.name, window, series: () => (series ??= analytics.serviceSeries(service.name, window)) };
      },
    },
    ServiceStats: {
      async totals(stats) {
        return (await stats.series()).total(stats.window);
      },
      async series(stats) {
        return (await stats.series()).points(stats.window);
      },
      async operations(stats) {
        const operations = (await analytics.operationSeries(stats.window, stats.service)).map((o) => operationModel(o.service, o.operation, stats.window, o.series));
        return sortOperations(operations, 'P99_DESC');
      },
    },
    OperationStats: {
      service: (op, _args, ctx) => loadService(ctx, op.service),
      totals: (op) => op.totals,
      series: (op) => op.series.points(op.window),
    },
    ServiceNode: {
      service: (node, _args, ctx) => loadService(ctx, node.service),
    },
    ServiceEdge: {
      source: (edge, _args, ctx) => loadService(ctx, edge.source),
      target: (edge, _args, ctx) => loadService(ctx, edge.target),
    },
    StatPoint: {
      start: (point) => (point.startMs === null ? null : formatMicros(point.startMs * 1000)),
      calls: (point) => point.calls,
      errors: (point) => point.errors,
      errorRate: (point) => point.errorRate,
      ratePerSec: (point) => point.ratePerSec,
      p50Us: (point) => point.quantile(0.5),
      p75Us: (point) => point.quantile(0.75),
      p95Us: (point) => point.quantile(0.95),
      p99Us: (point) => point.quantile(0.99),
      maxUs: (point) => point.maxUs,
      minUs: (point) => point.minUs,
      meanUs: (point) => point.meanUs,
      quantile(point, { q }) {
        if (!(q >= 0 && q <= 1)) throw badInput(`q: expected a number from 0 to 1, received ${q}`);
        return point.quantile(q);
      },
    },
    Trace: {
      async criticalPath(trace, _args, ctx) {
        return criticalPath(await ctx.loaders.treeOf(trace.traceId));
      },
    },
    CriticalPathSegment: {
      span: (segment) => segment.span,
      startTime: (segment) => segment.startUs,
      endTime: (segment) => segment.endUs,
      durationUs: (segment) => segment.endUs - segment.startUs,
    },
    Span: {
      selfTimeUs(span, _args, ctx) {
        const tree = ctx.loaders.treeNow(span.traceId);
        if (tree) return selfTimeUs(span, tree.children(span.spanId));
        return ctx.loaders.treeOf(span.traceId).then((t) => selfTimeUs(span, t.children(span.spanId)));
      },
    },
    Subscription: {
      serviceStats: {
        subscribe(_root: unknown, args: { service: string; stepSeconds?: number | null }) {
          currentBucket(now(), args.stepSeconds); // validates stepSeconds before anything is opened
          if (!deps.spanFeed) throw new TracegateError(ErrorCode.INTERNAL, 'serviceStats: live updates are not running on this gateway');
          const read = async (): Promise<StatPointModel> => {
            const bucket = currentBucket(now(), args.stepSeconds);
            return (await analytics.serviceSeries(args.service, bucket)).points(bucket)[0]!;
          };
          return new StatsStream({ feed: deps.spanFeed(args.service), read, intervalMs: deps.statsIntervalMs ?? 1000 });
        },
        resolve: (point: StatPointModel) => point,
      },
    },
  } as Resolvers;
}

// Private: the service summary, else a description from the stats (a summary expires with the spans, after
// TRACEGATE_RETENTION; rollups live for TRACEGATE_STATS_RETENTION).
async function loadService(ctx: GraphQLContext, ref: ServiceRefModel): Promise<ServiceRecord> {
  const found = await ctx.loaders.serviceByName.load(ref.name);
  return found ?? { name: ref.name, operations: [], spanCount: 0, firstSeenUs: ref.firstMs * 1000, lastSeenUs: ref.lastMs * 1000 };
}

function refOf(name: string, series: readonly Series[]): ServiceRefModel {
  const firsts = series.flatMap((s) => (s.firstMs === null ? [] : [s.firstMs]));
  const lasts = series.flatMap((s) => (s.lastMs === null ? [] : [s.lastMs]));
  return { name, firstMs: firsts.length ? Math.min(...firsts) : 0, lastMs: lasts.length ? Math.max(...lasts) : 0 };
}

function operationModel(service: string, operation: string, window: StatsWindow, series: Series): OperationStatsModel {
  return { service: refOf(service, [series]), operation, window, series, totals: series.total(window) };
}

// Private: worst first; ties by calls (more first), then service and operation name, so the order is stable.
function sortOperations(operations: OperationStatsModel[], order: OperationOrder): OperationStatsModel[] {
  const metric = (op: OperationStatsModel): number => {
    switch (order) {
      case 'P99_DESC':
        return op.totals.quantile(0.99) ?? -1;
      case 'ERROR_RATE_DESC':
        return op.totals.errorRate;
      case 'CALLS_DESC':
        return op.totals.calls;
    }
  };
  return operations.sort(
    (a, b) =>
      metric(b) - metric(a) ||
      b.totals.calls - a.totals.calls ||
      (a.service.name < b.service.name ? -1 : a.service.name > b.service.name ? 1 : 0) ||
      (a.operation < b.operation ? -1 : a.operation > b.operation ? 1 : 0),
  );
}

function badInput(message: string): TracegateError {
  return new TracegateError(ErrorCode.BAD_USER_INPUT, message);
}
