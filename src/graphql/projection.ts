/**
 * Which optional span parts (result, attributes, metrics, events, links, kind, end time and duration, status) an
 * operation can read, from its document: the request's span reads then ask the store for those parts only, so a
 * listing of ids, names and tree links does not decode the attributes, events, metrics and fields it never returns.
 *
 * The answer is one set for the whole document (every operation and fragment, whatever `@skip`/`@include`
 * decide), so every span object of the request carries every part that any of its resolvers reads: DataLoader
 * batches mix spans reached through different selections, and each one is complete for all of them.
 */
import { Kind, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type FieldNode, type GraphQLSchema } from 'graphql';
import { SPAN_PARTS, TRACE_PARTS, type SpanPart, type TracePart } from '../store';

/**
 * What reading each field of `Span` and `Trace` takes of the spans loaded in its request: the part(s) it reads,
 * or `[]` for none beyond the fields every read returns. Resolvers reading spans from the request's loaders
 * live on these two types (and SpanLink.span / CriticalPathSegment.span, which hand spans on to Span fields).
 * A field of either type missing here (a new one) counts as reading every part until it is classified.
 */
export const SPAN_FIELD_PARTS: Readonly<Record<string, readonly SpanPart[]>> = {
  __typename: [],
  traceId: [],
  spanId: [],
  parentSpanId: [],
  parent: [],
  children: [],
  // The trace's summary is derived from its spans when none is stored (src/graphql/summary.ts).
  trace: ['times', 'status'],
  // A name alone is the span's own; anything more falls back to a description from the span (its times).
  service: ['times'],
  operation: [],
  kind: ['kind'],
  startTime: [],
  endTime: ['times'],
  durationUs: ['times'],
  status: ['status'],
  redactedCount: [],
  selfTimeUs: ['times'],
  result: ['result'],
  attributes: ['attributes'],
  metrics: ['metrics'],
  events: ['events'],
  links: ['links'],
};

/**
 * Trace fields: they read the trace's spans for ids, names, times and status only (tree, stand-ins, critical
 * path). A summary derived from spans is counted where it is derived: `Query.trace` and `Span.trace`.
 */
export const TRACE_FIELD_PARTS: Readonly<Record<string, readonly SpanPart[]>> = {
  __typename: [],
  id: [],
  rootSpan: [],
  spans: [],
  spanCount: [],
  errorCount: [],
  status: [],
  // Services without a stored summary yet are described from the trace's spans (names, operations, times).
  services: ['times'],
  startTime: [],
  endTime: [],
  durationUs: [],
  criticalPath: ['times'],
};

/** Query fields whose resolvers read spans themselves: `trace` derives the trace's summary from its spans. */
export const QUERY_FIELD_PARTS: Readonly<Record<string, readonly SpanPart[]>> = {
  trace: ['times', 'status'],
};

/**
 * What reading each field of `Trace` takes of a trace summary from a search (a page of `traces`): the summary
 * part(s) it reads, or `[]` for none beyond the id and start time. The summaries of a page are also what
 * `Span.trace` and `Query.trace` find for those traces in the request, so every Trace field of the document
 * counts. A field missing here (a new one) counts as reading every part until it is classified.
 */
export const TRACE_SUMMARY_PARTS: Readonly<Record<string, readonly TracePart[]>> = {
  __typename: [],
  id: [],
  rootSpan: [],
  spans: [],
  spanCount: ['counts'],
  errorCount: ['counts'],
  status: ['counts'],
  services: ['services'],
  startTime: [],
  endTime: ['times'],
  durationUs: ['times'],
  criticalPath: [],
};

/** The trace summary parts any field of `document` reads (cached per parsed document). */
export const tracePartsOf = partsReadBy<TracePart>((parent, node) => {
  if (parent !== 'Trace') return [];
  return Object.hasOwn(TRACE_SUMMARY_PARTS, node.name.value) ? TRACE_SUMMARY_PARTS[node.name.value]! : TRACE_PARTS;
});

/** The span parts any field of `document` reads (cached per parsed document). */
export const spanPartsOf = partsReadBy<SpanPart>((parent, node) => {
  if (parent === 'Query') return QUERY_FIELD_PARTS[node.name.value] ?? [];
  const table = parent === 'Span' ? SPAN_FIELD_PARTS : parent === 'Trace' ? TRACE_FIELD_PARTS : null;
  if (!table) return [];
  if (parent === 'Span' && node.name.value === 'service' && selectsNameOnly([node])) return [];
  return Object.hasOwn(table, node.name.value) ? table[node.name.value]! : SPAN_PARTS;
});

// Private: the union of what `partsOf` says each field of a document reads (given the name of the field's parent
// type), computed once per parsed document (Apollo's document cache hands the same node to every request of one
// query).
function partsReadBy<P>(partsOf: (parent: string | undefined, node: FieldNode) => readonly P[]): (document: DocumentNode, schema: GraphQLSchema) => ReadonlySet<P> {
  const cache = new WeakMap<DocumentNode, ReadonlySet<P>>();
  return (document, schema) => {
    const known = cache.get(document);
    if (known) return known;
    const parts = new Set<P>();
    const typeInfo = new TypeInfo(schema);
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          for (const part of partsOf(typeInfo.getParentType()?.name, node)) parts.add(part);
        },
      }),
    );
    cache.set(document, parts);
    return parts;
  };
}

/** Whether every node of a field selects only `name` (and `__typename`), without fragments. */
export function selectsNameOnly(nodes: readonly FieldNode[]): boolean {
  for (const node of nodes) {
    for (const sel of node.selectionSet?.selections ?? []) {
      if (sel.kind !== Kind.FIELD || (sel.name.value !== 'name' && sel.name.value !== '__typename')) return false;
    }
  }
  return true;
}
