/**
 * The leaf fields of the trace read model whose built-in scalar (ID, String, Int, Float, Boolean) and enum values
 * are stored span and trace data, or derived from it by counting and subtracting: what the resolvers hand out is
 * already of the field's GraphQL type. Span data is checked at ingest before it is stored (ids, names, enum members,
 * finite numbers: src/domain/checks), and the read side decodes the stored documents into the same types.
 *
 * A compiled query that selects no other leaf of these scalar and enum types passes those values on as they are,
 * without graphql-jit's per-leaf serializer call (src/graphql/compiled.ts). Custom scalars (DateTime, JSON) are
 * always serialized. A field computed from something else (analytics figures, rates, quantiles) is not listed here,
 * and a query that selects one keeps the serializers for all its leaves.
 */
export const STORED_LEAF_FIELDS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries({
    Trace: ['id', 'spanCount', 'errorCount', 'status', 'durationUs'],
    Span: ['traceId', 'spanId', 'parentSpanId', 'operation', 'kind', 'durationUs', 'status', 'redactedCount'],
    CallResult: ['status', 'code', 'message'],
    Attribute: ['key'],
    Metric: ['name', 'value', 'unit'],
    SpanEvent: ['name'],
    SpanLink: ['traceId', 'spanId', 'traceState'],
    Service: ['name', 'operations', 'spanCount'],
    TraceEdge: ['cursor'],
    PageInfo: ['hasNextPage', 'endCursor'],
  }).map(([type, fields]) => [type, new Set(fields)]),
);
