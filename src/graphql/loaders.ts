/**
 * Per-request DataLoaders: every resolver reads through these, so a nested query costs one store command
 * per (depth level x kind of read), whatever the number of traces and spans. Created per request so one
 * request's cache never serves another's.
 */
import DataLoader from 'dataloader';
import { assembleTrace, type TraceTree } from '../domain';
import { spanKeyString, type ServiceRecord, type SpanKey, type SpanPart, type StoredSpan, type TraceStore, type TraceSummary } from '../store';

export interface Loaders {
  traceById: DataLoader<string, TraceSummary | null>;
  /** All spans of a trace, ordered by start time; empty when none. */
  spansByTrace: DataLoader<string, StoredSpan[]>;
  spanByKey: DataLoader<SpanKey, StoredSpan | null, string>;
  serviceByName: DataLoader<string, ServiceRecord | null>;
  /** The assembled tree of a trace, from `spansByTrace` (no extra store command). */
  treeOf(traceId: string): Promise<TraceTree>;
  /**
   * The tree `treeOf(traceId)` already resolved to in this request, else undefined: lets the resolvers of
   * spans that came from a loaded tree (parent, children of ~every span of a nested reply) answer without a
   * promise per field.
   */
  treeNow(traceId: string): TraceTree | undefined;
  /**
   * Reads spans with only these optional parts (src/graphql/projection.ts decides them for the request's whole
   * document). Without a call, or once a span read went out, every part is read: one set per request, so a
   * span any loader returns carries what every resolver of the request reads.
   */
  readSpanParts(parts: ReadonlySet<SpanPart>): void;
}

export function createLoaders(store: TraceStore): Loaders {
  const trees = new WeakMap<StoredSpan[], TraceTree>();
  const resolvedTrees = new Map<string, TraceTree>();
  let parts: ReadonlySet<SpanPart> | undefined;
  let spansRead = false;
  const spanReadOptions = (): { parts?: ReadonlySet<SpanPart> } => {
    spansRead = true;
    return parts ? { parts } : {};
  };
  const spansByTrace = new DataLoader<string, StoredSpan[]>(async (ids) => {
    const found = await store.spansByTraceIds(ids, spanReadOptions());
    return ids.map((id) => found.get(id) ?? []);
  });
  return {
    traceById: new DataLoader(async (ids) => {
      const found = await store.tracesByIds(ids);
      return ids.map((id) => found.get(id) ?? null);
    }),
    spansByTrace,
    spanByKey: new DataLoader(
      async (keys) => {
        const found = await store.spansByKeys(keys, spanReadOptions());
        return keys.map((k) => found.get(spanKeyString(k)) ?? null);
      },
      { cacheKeyFn: spanKeyString },
    ),
    serviceByName: new DataLoader(async (names) => {
      const found = await store.servicesByNames(names);
      return names.map((n) => found.get(n) ?? null);
    }),
    async treeOf(traceId) {
      const spans = await spansByTrace.load(traceId);
      let tree = trees.get(spans);
      if (!tree) {
        tree = assembleTrace(spans);
        trees.set(spans, tree);
      }
      resolvedTrees.set(traceId, tree);
      return tree;
    },
    treeNow: (traceId) => resolvedTrees.get(traceId),
    readSpanParts(wanted) {
      if (!spansRead) parts = wanted;
    },
  };
}
