/**
 * The storage interface, owned by its consumer (the GraphQL resolvers and the ingest service).
 *
 * Contract, for every implementation:
 * - Returned objects are fresh copies owned by the caller; the store never mutates them afterwards and
 *   callers may not expect later writes to show up in them.
 * - Lookups by key answer with a Map holding only the keys that exist; a missing key is simply absent
 *   (never an error, never a placeholder). Empty input answers an empty Map without touching the store.
 * - Spans of a trace come ordered by start time, then spanId. Trace searches come in the requested order,
 *   ties broken by trace id, and page with opaque cursors (never offsets).
 * - Errors: a store that cannot be reached (or stops answering within the configured selection timeout)
 *   raises `TracegateError(STORE_UNAVAILABLE)`; invalid caller input (a malformed cursor) raises
 *   `TracegateError(BAD_USER_INPUT)`; anything else is unexpected and raised as is (the edge masks it).
 */
import type { ChangeStream, ChangeStreamOptions, Document } from 'mongodb';
import type { Attribute, Micros, SpanCore, SpanRecord, StatusCode } from '../domain';

/** A span as the store returns it: the normalised record (see src/domain/span.ts). */
export type StoredSpan = SpanRecord;

/** The trace summary kept current on ingest. */
export interface TraceSummary {
  traceId: string;
  startUs: Micros;
  endUs: Micros;
  durationUs: number;
  spanCount: number;
  errorCount: number;
  /** Distinct service names, sorted. */
  services: string[];
  /**
   * The API's `Trace` fields that other fields hold under other names: `traceId`, `startUs`, `endUs` again, and
   * `status` (ERROR when `errorCount` > 0, else OK), so that a compiled query reads them inline, without a
   * resolver call each (as SpanRecord's `startTime`/`endTime`). Never stored.
   */
  id: string;
  startTime: Micros;
  endTime: Micros;
  status: TraceStatus;
}

/** A trace's `status`: ERROR when any of its spans is ERROR, else OK. */
export type TraceStatus = 'ERROR' | 'OK';

/** The status of a trace with `errorCount` ERROR spans. */
export function traceStatus(errorCount: number): TraceStatus {
  return errorCount > 0 ? 'ERROR' : 'OK';
}

export interface ServiceRecord {
  name: string;
  /** Distinct operations, sorted. */
  operations: string[];
  spanCount: number;
  /** Earliest span start seen for the service. */
  firstSeenUs: Micros;
  /** Latest span end seen for the service. */
  lastSeenUs: Micros;
}

export const TRACE_ORDERS = ['START_TIME_DESC', 'START_TIME_ASC', 'DURATION_DESC'] as const;
export type TraceOrder = (typeof TRACE_ORDERS)[number];

/** A validated trace filter; every field optional, all given fields must hold (AND). */
export interface TraceQuery {
  /** Some span of the trace belongs to this service. */
  service?: string;
  /** Some span of the trace has this operation (with `service` too: the same span has both). */
  operation?: string;
  /** Trace status: ERROR when any span is ERROR, else OK. */
  status?: Exclude<StatusCode, 'UNSET'>;
  minDurationUs?: number;
  maxDurationUs?: number;
  /** Inclusive bounds on the trace start. */
  startFromUs?: Micros;
  startToUs?: Micros;
  /** Each pair equals (key and JSON value) an attribute of some span of the trace. */
  attributes?: Attribute[];
}

export interface TraceSearch {
  query: TraceQuery;
  order: TraceOrder;
  /** Page size, already validated by the caller (1..max). */
  first: number;
  /** An `endCursor` from an earlier page of the same order, or null for the first page. */
  after: string | null;
  /**
   * The summary parts to read (default: all of them). A part not asked for is absent (`undefined`) on the
   * page's summaries, whatever its type says: a caller asks for every part it, or anything it hands the
   * summaries to, will read.
   */
  parts?: ReadonlySet<TracePart>;
}

/**
 * The parts of a trace summary a search may leave out. Every summary has its trace id and start time; `times` is
 * the end time and duration, `counts` the span and error counts, `services` the service names.
 */
export const TRACE_PARTS = ['times', 'counts', 'services'] as const;
export type TracePart = (typeof TRACE_PARTS)[number];

export interface TracePage {
  items: { cursor: string; trace: TraceSummary }[];
  hasNextPage: boolean;
}

export interface InsertOutcome {
  /** The spans this call stored (not duplicates, not failures), in submission order: the very records the
   *  caller passed in (already the caller's own), not copies. */
  inserted: StoredSpan[];
  /** Spans already stored under the same (traceId, spanId); the first copy stands. */
  duplicates: number;
  /** Spans the store refused for another reason, by position in the given list; nothing of them is stored. */
  failed: { position: number; message: string }[];
}

/** How `insertSpans` hands back what it stored. */
export interface InsertOptions {
  /** Whether `inserted` (and `onInserted`'s first argument) holds the stored records; default true. */
  keepRecords?: boolean;
}

/** The spans one `insertSpans` call stored, in submission order (`onInserted`'s second argument). */
export interface InsertedSpans {
  /** What stored steps read of each span (small objects of the store's, sharing the stored documents' strings). */
  readonly cores: readonly SpanCore[];
  /**
   * The spans as records: the caller's own when it kept them, otherwise read back from their documents, which
   * the store holds only during the `onInserted` call (called later, it throws).
   */
  records(): StoredSpan[];
}

export interface EraseOptions {
  /** Count what matches; delete nothing. */
  dryRun: boolean;
  /**
   * Called with each batch of spans about to be deleted (not on a dry run), before they are: what keeps figures
   * derived from spans elsewhere (rollups) corrects them here. A throw stops the erasure before that batch.
   */
  onErase?: (spans: readonly StoredSpan[]) => Promise<void>;
}

export interface EraseOutcome {
  /** Traces matched (dry run) or deleted. */
  traces: number;
  /** Spans of those traces matched (dry run) or deleted. */
  spans: number;
  /** The matched traces' ids. */
  traceIds: string[];
}

export interface SpanKey {
  traceId: string;
  spanId: string;
}

/**
 * The parts of a span a read may leave out. Every read returns the span's ids (trace, span, parent), service,
 * operation, start time and `redactedCount`; these parts come only when asked for: `times` is the end time and
 * duration, `kind` and `status` the fields of those names.
 */
export const SPAN_PARTS = ['result', 'attributes', 'metrics', 'events', 'links', 'kind', 'times', 'status'] as const;
export type SpanPart = (typeof SPAN_PARTS)[number];

export interface SpanReadOptions {
  /**
   * The optional parts to read (default: all of them). A part not asked for is absent (`undefined`) on the
   * returned spans, whatever its type says: a caller asks for every part it, or anything it hands the spans
   * to, will read.
   */
  parts?: ReadonlySet<SpanPart>;
}

export interface TraceStore {
  /**
   * Stores new spans (unordered bulk insert) and updates trace and service summaries with commutative
   * operators, so arrival order does not matter; duplicates (same traceId, spanId) store nothing and the first
   * copy stands. Resolves after the store acknowledged everything. If it raises STORE_UNAVAILABLE some spans
   * may already be stored; re-submitting is safe: duplicates are counted, not stored twice, and their trace
   * summary is re-applied (idempotently) so a summary the failed call missed is repaired.
   *
   * `onInserted`, when given, is called once, synchronously, as soon as the insert itself is acknowledged and
   * before the summaries are written, with the spans this call stored (the same array `inserted` will hold;
   * not called when none were). The store neither waits for nor watches anything it starts: it is how the
   * caller runs its own writes for the new spans alongside the summaries. Its second argument has the same spans
   * as SpanCore and, when the caller did not keep its records, as records read back from their documents.
   *
   * `options.keepRecords` false: the caller wants the stored spans as records only through `onInserted` (which it
   * then gives), so the store lets go of `spans` once they are mapped to documents (while it writes, one copy of
   * the batch is alive instead of two); `inserted` and `onInserted`'s first argument are then empty, and the
   * second argument counts and describes the stored spans.
   */
  insertSpans(spans: readonly SpanRecord[], onInserted?: (inserted: StoredSpan[], stored: InsertedSpans) => void, options?: InsertOptions): Promise<InsertOutcome>;
  tracesByIds(traceIds: readonly string[]): Promise<Map<string, TraceSummary>>;
  /** Every span of each trace, ordered by start time then spanId; traces without spans are absent. */
  spansByTraceIds(traceIds: readonly string[], options?: SpanReadOptions): Promise<Map<string, StoredSpan[]>>;
  /** Keyed by `spanKeyString(key)`. */
  spansByKeys(keys: readonly SpanKey[], options?: SpanReadOptions): Promise<Map<string, StoredSpan>>;
  servicesByNames(names: readonly string[]): Promise<Map<string, ServiceRecord>>;
  /** Every known service, ordered by name (at most `MAX_SERVICES_LISTED`). */
  listServices(): Promise<ServiceRecord[]>;
  searchTraces(search: TraceSearch): Promise<TracePage>;
  /**
   * Erases every trace whose summary matches `query` (as `searchTraces` matches), with all its spans; corrects
   * the service summaries (span counts, operations, first/last seen) so nothing of them is left there. Runs in
   * batches of traces: if it raises, the batches before the failure are erased and the rest is not; running it
   * again finishes the job. A span of an erased trace arriving afterwards is stored as new.
   */
  eraseTraces(query: TraceQuery, options: EraseOptions): Promise<EraseOutcome>;
  /**
   * Resolves when the store answers and its indexes exist, and, after a write failed because the store could
   * not write (unreachable, no writable primary, disk full), when a write succeeds again; raises
   * STORE_UNAVAILABLE otherwise. Readiness (`/readyz`) is this.
   */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * The feed of inserted spans across every gateway that shares the store (MongoDB change streams on the spans
   * collection), for live updates. Absent on a store without one. Opening a stream may still fail on a store
   * that refuses change streams (a standalone mongod): the live layer then falls back to its local source.
   */
  spanChanges?(): SpanChangeFeed;
}

/** Change events on the stored spans; each insert event's `fullDocument` reads as a span through `toSpan`. */
export interface SpanChangeFeed {
  watch(pipeline: Document[], options: ChangeStreamOptions): ChangeStream<Document>;
  toSpan(doc: Document): StoredSpan;
}

export const MAX_SERVICES_LISTED = 1000;

export function spanKeyString(key: SpanKey): string {
  return `${key.traceId}:${key.spanId}`;
}
