/**
 * Query limits: the numbers every limit rule (src/server/limits) reads, set from config.ts, with defaults in the spirit of graphql-armor
 * (aliases 15, tokens ~1,000-2,000, cost ~5,000). See docs/security.md for why each number is what it is.
 */
export interface QueryLimits {
  /**
   * Deepest field nesting, counted through fragments and inline fragments (a top-level field is depth 1).
   * 15 lets `trace { rootSpan { children { ... } } }` reach 12 levels of `children`; deeper trees are read
   * flat through `Trace.spans` + `parentSpanId`.
   */
  readonly maxDepth: number;
  /** Aliased fields per operation, fragments counted each time they are spread. */
  readonly maxAliases: number;
  /** Directive uses per operation (operation, fields, fragments, inline fragments). */
  readonly maxDirectives: number;
  /** Lexical tokens per document, enforced while parsing (graphql-js `maxTokens`). */
  readonly maxTokens: number;
  /** Estimated objects resolved by one operation; see cost.ts for the model. */
  readonly maxCost: number;
  /** Cost model: assumed sizes of list fields, by `Type.field`; other lists use `defaultListSize`. */
  readonly listSizes: Readonly<Record<string, number>>;
  readonly defaultListSize: number;
  /** `first` assumed for a `$variable` whose value is not known when the rule runs (the API caps `first` here). */
  readonly maxFirst: number;
  /** Types whose objects are embedded in an already loaded parent (no resolver work, no store access): cost 0. */
  readonly embeddedTypes: readonly string[];
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 15,
  maxAliases: 15,
  maxDirectives: 10,
  maxTokens: 1500,
  maxCost: 5000,
  listSizes: {
    'Trace.spans': 50,
    'Span.children': 100,
    'Trace.services': 10,
    'Query.services': 100,
    // Service analytics: a map of a few dozen services; a series of a screen's width (e.g. an hour of minutes).
    'ServiceGraph.nodes': 50,
    'ServiceGraph.edges': 100,
    'ServiceStats.series': 60,
    'OperationStats.series': 60,
    'ServiceStats.operations': 20,
    'Trace.criticalPath': 50,
  },
  defaultListSize: 20,
  maxFirst: 100,
  embeddedTypes: ['Attribute', 'Metric', 'SpanEvent', 'CallResult', 'PageInfo'],
};
