/**
 * The MongoDB document shapes and their mapping to and from store records.
 *
 * Attribute values and `result.data` are stored as canonical JSON text (`v`, `dataJson`): a client value
 * is then never a field name or an operator to the store, whatever `$` or `.` it contains, and one
 * multikey index on `attrs.k` + `attrs.v` serves an equality filter on any attribute.
 */
import { canonicalJson, type Attribute, type SpanCore, type SpanRecord } from '../../domain';
import { traceStatus, type ServiceRecord, type SpanPart, type TracePart, type TraceSummary } from '../types';

export const Collections = { spans: 'spans', traces: 'traces', services: 'services' } as const;

export interface AttrDoc {
  k: string;
  /** canonicalJson(value) */
  v: string;
}

export interface SpanDoc {
  /** traceId + spanId: the natural key, so a duplicate is a duplicate-key write error. */
  _id: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  operation: string;
  kind: SpanRecord['kind'];
  startUs: number;
  endUs: number;
  durationUs: number;
  status: SpanRecord['status'];
  result: { status: SpanRecord['status']; code: string | null; message: string | null; dataJson: string | null } | null;
  attrs: AttrDoc[];
  metrics: { name: string; value: number; unit: string | null }[];
  events: { timeUs: number; name: string; attrs: AttrDoc[] }[];
  /** Absent when the span has no links (most spans), so they cost nothing. */
  links?: { traceId: string; spanId: string; traceState: string | null; attrs: AttrDoc[] }[];
  /** Values redacted before storage; absent on spans nothing was redacted from. */
  redactedCount?: number;
  /** Server clock at receipt; retention counts from here, never from client timestamps. */
  receivedAt: Date;
  expireAt: Date;
}

export interface TraceDoc {
  _id: string;
  startUs: number;
  endUs: number;
  durationUs: number;
  spanCount: number;
  errorCount: number;
  services: string[];
  /** (service, operation) pairs seen in the trace, for the operation filter. */
  svcOps: { s: string; o: string }[];
  /** Every span attribute seen in the trace, for attribute filters. */
  attrs: AttrDoc[];
  receivedAt: Date;
  expireAt: Date;
}

export interface ServiceDoc {
  _id: string;
  operations: string[];
  spanCount: number;
  firstSeenUs: number;
  lastSeenUs: number;
  expireAt: Date;
}

export function spanDocId(traceId: string, spanId: string): string {
  return traceId + spanId;
}

export function toAttrDocs(attributes: readonly Attribute[]): AttrDoc[] {
  const out: AttrDoc[] = new Array(attributes.length);
  for (let i = 0; i < attributes.length; i++) {
    const a = attributes[i]!;
    out[i] = { k: a.key, v: typeof a.value === 'string' ? JSON.stringify(a.value) : canonicalJson(a.value) };
  }
  return out;
}

export function fromAttrDocs(attrs: readonly AttrDoc[] | undefined): Attribute[] {
  return (attrs ?? []).map((a) => ({ key: a.k, value: JSON.parse(a.v) as unknown }));
}

/**
 * The document of a validated span. Its metric objects are the record's own (the same three fields): the
 * document is only serialised and read by the summaries, never changed. `links` and `redactedCount` are set
 * only on the few spans that have them.
 */
export function toSpanDoc(span: SpanRecord, receivedAt: Date, expireAt: Date): SpanDoc {
  const result = span.result;
  const links = span.links;
  const doc: SpanDoc = {
    _id: spanDocId(span.traceId, span.spanId),
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    service: span.service,
    operation: span.operation,
    kind: span.kind,
    startUs: span.startUs,
    endUs: span.endUs,
    durationUs: span.durationUs,
    status: span.status,
    result:
      result &&
      {
        status: result.status,
        code: result.code,
        message: result.message,
        dataJson: result.data === null || result.data === undefined ? null : canonicalJson(result.data),
      },
    attrs: toAttrDocs(span.attributes),
    metrics: span.metrics,
    events: span.events.length === 0 ? [] : span.events.map((e) => ({ timeUs: e.timeUs, name: e.name, attrs: toAttrDocs(e.attributes) })),
    receivedAt,
    expireAt,
  };
  if (links.length > 0) doc.links = links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, traceState: l.traceState, attrs: toAttrDocs(l.attributes) }));
  if (span.redactedCount) doc.redactedCount = span.redactedCount;
  return doc;
}

/**
 * What the writes that follow a span insert read of a stored span: its SpanCore (the stored steps) and its
 * document id and attributes (the trace and service summaries).
 */
export type SpanDocSummary = SpanCore & Pick<SpanDoc, '_id' | 'attrs'>;

/**
 * The SpanDocSummary of a document, taken out of it (one object of its own, sharing the document's strings and
 * attribute list), so the rest of the document (result, metrics, events, links) need not be held while the
 * summaries and stored steps of an insert are written.
 */
export function spanDocSummary(doc: SpanDoc): SpanDocSummary {
  return {
    _id: doc._id,
    traceId: doc.traceId,
    spanId: doc.spanId,
    parentSpanId: doc.parentSpanId,
    service: doc.service,
    operation: doc.operation,
    kind: doc.kind,
    startUs: doc.startUs,
    endUs: doc.endUs,
    durationUs: doc.durationUs,
    status: doc.status,
    attrs: doc.attrs,
  };
}

/**
 * Bytes an element of a span document costs at most besides its value: its type byte, its key (a field name of
 * these documents, the longest `redactedCount`, or an array index below 10^13) and the key's NUL.
 */
const ELEMENT = 16;
/** Elements at the top level of a span document, counted generously (it has 19 fields at most). */
const TOP_ELEMENTS = 24;

/**
 * An upper bound of `doc`'s BSON size from its string lengths alone (a UTF-16 code unit is at most 3 bytes of
 * UTF-8; a string costs 5 bytes besides, a number or date 8, a document or array 5 besides its elements), so a
 * batch can be split within the store's command size without serializing anything twice. It knows every field
 * of SpanDoc: a field added there is added here (the tests compare it with the exact size).
 */
export function spanDocSizeBound(doc: SpanDoc): number {
  let size = 5 + TOP_ELEMENTS * (ELEMENT + 8);
  size += text(doc._id) + text(doc.traceId) + text(doc.spanId) + text(doc.parentSpanId) + text(doc.service) + text(doc.operation) + text(doc.kind) + text(doc.status);
  const result = doc.result;
  if (result) size += 5 + 4 * ELEMENT + text(result.status) + text(result.code) + text(result.message) + text(result.dataJson);
  size += attrsBound(doc.attrs);
  const metrics = doc.metrics;
  size += 5;
  for (let i = 0; i < metrics.length; i++) size += ELEMENT + 5 + 3 * ELEMENT + text(metrics[i]!.name) + 8 + text(metrics[i]!.unit);
  const events = doc.events;
  size += 5;
  for (let i = 0; i < events.length; i++) size += ELEMENT + 5 + 3 * ELEMENT + 8 + text(events[i]!.name) + attrsBound(events[i]!.attrs);
  const links = doc.links;
  if (links) {
    size += 5;
    for (let i = 0; i < links.length; i++) {
      const l = links[i]!;
      size += ELEMENT + 5 + 4 * ELEMENT + text(l.traceId) + text(l.spanId) + text(l.traceState) + attrsBound(l.attrs);
    }
  }
  return size;
}

/** Elements at the top level of a trace summary document, counted generously (it has 11 fields). */
const TRACE_TOP_ELEMENTS = 16;

/** An upper bound of a trace summary document's BSON size, as spanDocSizeBound for spans (it knows every field of TraceDoc). */
export function traceDocSizeBound(doc: TraceDoc): number {
  let size = 5 + TRACE_TOP_ELEMENTS * (ELEMENT + 8) + text(doc._id);
  const services = doc.services;
  size += 5;
  for (let i = 0; i < services.length; i++) size += ELEMENT + text(services[i]!);
  const svcOps = doc.svcOps;
  size += 5;
  for (let i = 0; i < svcOps.length; i++) size += ELEMENT + 5 + 2 * ELEMENT + 10 + 3 * (svcOps[i]!.s.length + svcOps[i]!.o.length);
  return size + attrsBound(doc.attrs);
}

// Private: a string's (or null's) BSON value size, at most.
function text(value: string | null | undefined): number {
  return value == null ? 0 : 5 + 3 * value.length;
}

// Private: an attribute list's BSON value size, at most.
function attrsBound(attrs: readonly AttrDoc[]): number {
  let size = 5;
  for (let i = 0; i < attrs.length; i++) size += ELEMENT + 5 + 2 * ELEMENT + 10 + 3 * (attrs[i]!.k.length + attrs[i]!.v.length);
  return size;
}

export function fromSpanDoc(doc: SpanDoc): SpanRecord {
  return fromSpanDocParts(doc, undefined);
}

/**
 * The record of a span document read with only `parts` of its optional parts (undefined: all of them). The parts
 * not read are left undefined rather than empty, so a reader that was not supposed to touch one fails loudly (a
 * non-null field resolving to undefined) instead of answering an empty list. Every record is built by one object
 * literal, whatever parts were read, so all of them share one shape.
 */
export function fromSpanDocParts(doc: SpanDoc, parts: ReadonlySet<SpanPart> | undefined): SpanRecord {
  const has = (part: SpanPart): boolean => parts === undefined || parts.has(part);
  const times = has('times');
  const span: SpanRecord = {
    traceId: doc.traceId,
    spanId: doc.spanId,
    parentSpanId: doc.parentSpanId ?? null,
    service: doc.service,
    operation: doc.operation,
    kind: (has('kind') ? doc.kind : undefined)!,
    startUs: doc.startUs,
    endUs: (times ? doc.endUs : undefined)!,
    durationUs: (times ? doc.durationUs : undefined)!,
    startTime: doc.startUs,
    endTime: (times ? doc.endUs : undefined)!,
    status: (has('status') ? doc.status : undefined)!,
    result: (has('result') ? fromResultDoc(doc.result) : undefined)!,
    attributes: (has('attributes') ? fromAttrDocs(doc.attrs) : undefined)!,
    metrics: (has('metrics') ? (doc.metrics ?? []).map((m) => ({ name: m.name, value: m.value, unit: m.unit ?? null })) : undefined)!,
    events: (has('events') ? (doc.events ?? []).map((e) => ({ timeUs: e.timeUs, time: e.timeUs, name: e.name, attributes: fromAttrDocs(e.attrs) })) : undefined)!,
    links: (has('links')
      ? (doc.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId, traceState: l.traceState ?? null, attributes: fromAttrDocs(l.attrs) }))
      : undefined)!,
  };
  if (doc.redactedCount) span.redactedCount = doc.redactedCount;
  return span;
}

function fromResultDoc(result: SpanDoc['result']): SpanRecord['result'] {
  return result
    ? { status: result.status, code: result.code ?? null, message: result.message ?? null, data: result.dataJson == null ? null : (JSON.parse(result.dataJson) as unknown) }
    : null;
}

export function fromTraceDoc(doc: TraceDoc): TraceSummary {
  return fromTraceDocParts(doc, undefined);
}

/**
 * The summary of a trace document read with only `parts` of its optional parts (undefined: all of them); the
 * parts not read are left undefined, as for spans (fromSpanDocParts).
 */
export function fromTraceDocParts(doc: TraceDoc, parts: ReadonlySet<TracePart> | undefined): TraceSummary {
  if (parts !== undefined) {
    const times = parts.has('times');
    const counts = parts.has('counts');
    return {
      traceId: doc._id,
      startUs: doc.startUs,
      endUs: (times ? doc.endUs : undefined)!,
      durationUs: (times ? doc.endUs - doc.startUs : undefined)!,
      spanCount: (counts ? doc.spanCount : undefined)!,
      errorCount: (counts ? doc.errorCount : undefined)!,
      services: (parts.has('services') ? [...(doc.services ?? [])].sort() : undefined)!,
      id: doc._id,
      startTime: doc.startUs,
      endTime: (times ? doc.endUs : undefined)!,
      status: (counts ? traceStatus(doc.errorCount) : undefined)!,
    };
  }
  return {
    traceId: doc._id,
    startUs: doc.startUs,
    endUs: doc.endUs,
    // The stored duration can lag its start/end for a moment after a concurrent update; start/end are exact.
    durationUs: doc.endUs - doc.startUs,
    spanCount: doc.spanCount,
    errorCount: doc.errorCount,
    services: [...(doc.services ?? [])].sort(),
    id: doc._id,
    startTime: doc.startUs,
    endTime: doc.endUs,
    status: traceStatus(doc.errorCount),
  };
}

export function fromServiceDoc(doc: ServiceDoc): ServiceRecord {
  return {
    name: doc._id,
    operations: [...(doc.operations ?? [])].sort(),
    spanCount: doc.spanCount,
    firstSeenUs: doc.firstSeenUs,
    lastSeenUs: doc.lastSeenUs,
  };
}
