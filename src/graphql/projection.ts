/**
 * Which optional span parts (result, attributes, metrics, events, links) an operation can read, from its
 * document: the request's span reads then ask the store for those parts only, so a listing of ids, names and
 * times does not decode the attributes, events and metrics it never returns.
 *
 * The answer is one set for the whole document (every operation and fragment, whatever `@skip`/`@include`
 * decide), so every span object of the request carries every part that any of its resolvers reads: DataLoader
 * batches mix spans reached through different selections, and each one is complete for all of them.
 */
import { TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import { SPAN_PARTS, type SpanPart } from '../store';

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
  trace: [],
  service: [],
  operation: [],
  kind: [],
  startTime: [],
  endTime: [],
  durationUs: [],
  status: [],
  redactedCount: [],
  selfTimeUs: [],
  result: ['result'],
  attributes: ['attributes'],
  metrics: ['metrics'],
  events: ['events'],
  links: ['links'],
};

/** Trace fields: they read the trace's spans for ids, names, times and status only (tree, summary, stand-ins). */
export const TRACE_FIELD_PARTS: Readonly<Record<string, readonly SpanPart[]>> = {
  __typename: [],
  id: [],
  rootSpan: [],
  spans: [],
  spanCount: [],
  errorCount: [],
  status: [],
  services: [],
  startTime: [],
  endTime: [],
  durationUs: [],
  criticalPath: [],
};

const byDocument = new WeakMap<DocumentNode, ReadonlySet<SpanPart>>();

/** The span parts any field of `document` reads (cached per parsed document). */
export function spanPartsOf(document: DocumentNode, schema: GraphQLSchema): ReadonlySet<SpanPart> {
  let parts = byDocument.get(document);
  if (!parts) {
    parts = computeSpanParts(document, schema);
    byDocument.set(document, parts);
  }
  return parts;
}

function computeSpanParts(document: DocumentNode, schema: GraphQLSchema): ReadonlySet<SpanPart> {
  const parts = new Set<SpanPart>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType()?.name;
        const table = parent === 'Span' ? SPAN_FIELD_PARTS : parent === 'Trace' ? TRACE_FIELD_PARTS : null;
        if (!table) return;
        const read = Object.hasOwn(table, node.name.value) ? table[node.name.value]! : SPAN_PARTS;
        for (const part of read) parts.add(part);
      },
    }),
  );
  return parts;
}
