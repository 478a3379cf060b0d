/**
 * The one ingest path: every route (GraphQL `submitSpans`, OTLP, Zipkin) calls `submit`.
 * validate (whole-request caps, then each span) -> redact (src/privacy, before anything is stored) -> store (unordered bulk insert, summaries for the newly
 * inserted) -> as soon as the store acknowledged the span insert, notify `onStored` listeners with exactly the newly stored spans.
 * Nothing is acknowledged that was not stored; a duplicate or a rejected span never reaches a listener.
 */
import { assertBatchWithinLimits, RejectionCode, validateSpans, type IngestLimits, type Rejection, type SpanCore, type SpanInputShape, type SpanRecord } from '../domain';
import { TracegateError } from '../errors';
import { log } from '../log';
import { counter } from '../metrics';
import { Redactor } from '../privacy';
import { Erasure } from './erasure';
import type { InsertedSpans, InsertOutcome, StoredSpan, TraceStore } from '../store';

/** Same shape as the GraphQL `SubmitSpansResult`. */
export interface SubmitSpansResult {
  /** Spans newly stored by this call. */
  accepted: number;
  /** Spans already stored under the same (traceId, spanId); nothing new stored for them. */
  duplicates: number;
  /** Each refused span by its index in the submitted list, ordered by index. */
  rejected: Rejection[];
}

export type StoredListener = (spans: readonly StoredSpan[]) => void;

export interface SubmitOptions {
  /**
   * The caller hands the list over: `submit` empties it (`length = 0`) as soon as its spans are validated and
   * mapped for the store, so the submitted objects can be collected while the write waits on the store rather
   * than live as long as the request that parsed them (a GraphQL request holds its variables until it has
   * answered). The caller must not read the list afterwards. A frozen list is left as it is.
   */
  release?: boolean;
}

/**
 * Work that belongs to the write itself (e.g. analytics rollups): awaited after the store acknowledged the
 * spans and before the submit is acknowledged, with exactly the newly stored spans (what it reads of them: their
 * SpanCore). If it throws, the submit fails with its error (the spans stay stored and are announced to listeners;
 * a re-submit counts them as duplicates).
 */
export type StoredStep = (spans: readonly SpanCore[]) => Promise<void>;

/**
 * Admission control the ingest path runs under: `run` either runs `work` or throws RATE_LIMITED at once without
 * calling it. The gateway's in-flight cap (src/server/overload.ts) is one.
 */
export interface IngestAdmission {
  run<T>(spanCount: number, work: () => Promise<T>): Promise<T>;
}

/** Spans in flight at once by default: four maximum-size requests (5,000 spans each); TRACEGATE_MAX_INFLIGHT_INGEST. */
export const DEFAULT_MAX_INFLIGHT_SPANS = 20_000;

const logger = log.child('ingest');

/** Which ingest route a submit came through (the `route` label of the span counters). */
export type IngestRoute = 'graphql' | 'otlp' | 'zipkin' | (string & {});

const spansCounted = counter('tracegate_ingest_spans_total', 'spans submitted, by route and outcome (accepted, duplicate, rejected) and, for rejected ones, the code', [
  'route',
  'outcome',
  'code',
]);

export class IngestService {
  private readonly listeners = new Set<StoredListener>();
  /** Erasure of whole traces on request (deleteTraces); its hooks are where rollups and live streams follow. */
  readonly erasure: Erasure;
  private readonly steps = new Set<StoredStep>();

  constructor(
    private readonly store: TraceStore,
    private readonly limits: IngestLimits,
    private readonly now: () => number = Date.now,
    /** The gateway's in-flight cap; absent: no cap. */
    private readonly admission?: IngestAdmission,
    /** Redaction rules applied to every valid span before it is stored; absent: none. */
    readonly redactor: Redactor = new Redactor({ enabled: false }),
  ) {
    this.erasure = new Erasure(store);
  }

  /**
   * Throws TracegateError PAYLOAD_TOO_LARGE (over the spans-per-request cap; nothing stored),
   * RATE_LIMITED (over the in-flight cap; refused before any work, nothing stored) or
   * STORE_UNAVAILABLE (the store did not confirm; some spans may be stored, re-submitting is safe).
   */
  async submit(inputs: readonly SpanInputShape[], route: IngestRoute = 'graphql', options: SubmitOptions = {}): Promise<SubmitSpansResult> {
    let result: SubmitSpansResult;
    let count = 0;
    try {
      assertBatchWithinLimits(inputs, this.limits);
      count = inputs.length;
      const release = options.release === true && !Object.isFrozen(inputs);
      result = await (this.admission ? this.admission.run(count, () => this.write(inputs, release)) : this.write(inputs, release));
    } catch (error) {
      // The whole request failed: every span of it counts as rejected with the request's code.
      if (count > 0) spansCounted.inc({ route, outcome: 'rejected', code: error instanceof TracegateError ? error.code : 'INTERNAL' }, count);
      throw error;
    }
    countOutcome(route, result);
    return result;
  }

  // Private: validate, store, notify; runs under the in-flight cap when there is one.
  private async write(inputs: readonly SpanInputShape[], release: boolean): Promise<SubmitSpansResult> {
    const rejected: Rejection[] = [];
    // Submitted position of each valid span, by its position in the stored list.
    const positions: number[] = [];
    // Steps start as soon as the spans themselves are stored and run alongside the store's summary updates
    // (a store that does not report the insert early gets them after); both are awaited before the write is
    // acknowledged.
    const started: { steps: Promise<PromiseSettledResult<void>[]> | null } = { steps: null };
    const runSteps = (inserted: readonly SpanCore[]): void => {
      started.steps = Promise.allSettled([...this.steps].map((step) => step(inserted)));
    };
    // Live listeners hear of the spans as soon as the store acknowledged their insert, before the summaries and
    // steps (a change stream reports them at that point too).
    let notified = false;
    let accepted = 0;
    const onInserted = (inserted: StoredSpan[], stored: InsertedSpans): void => {
      notified = true;
      accepted = stored.cores.length;
      if (stored.cores.length > 0 && this.listeners.size > 0) this.notify(inserted.length > 0 ? inserted : stored.records());
      if (this.steps.size > 0) runSteps(stored.cores);
    };
    let outcome: InsertOutcome;
    try {
      // The records are kept only for listeners there are now; one added during the write hears of its spans as
      // the store reads them back from their documents.
      const keepRecords = this.listeners.size > 0;
      outcome = await this.store.insertSpans(this.validRecords(inputs, release, rejected, positions), onInserted, { keepRecords });
    } finally {
      // Steps started before the summaries failed still finish before the failure is reported.
      if (started.steps) await started.steps;
    }
    for (const failure of outcome.failed) {
      rejected.push({ index: positions[failure.position]!, code: RejectionCode.STORE_REJECTED, message: failure.message });
    }
    rejected.sort((a, b) => a.index - b.index);
    // A store that does not report the insert early: listeners and steps get the spans now.
    if (!notified) {
      accepted = outcome.inserted.length;
      if (accepted > 0) this.notify(outcome.inserted);
      if (!started.steps && accepted > 0 && this.steps.size > 0) runSteps(outcome.inserted);
    }
    const steps = started.steps ? await started.steps : [];
    // The spans are stored whatever a step did: live listeners heard of them before a step's failure is raised.
    for (const done of steps) if (done.status === 'rejected') throw done.reason;
    return { accepted, duplicates: outcome.duplicates, rejected };
  }

  // Private: the redacted records of the valid spans; the refusals go to `rejected` and the submitted position of
  // each record to `positions`; `inputs` emptied when `release`. Nothing here keeps the records (the store lets go
  // of them when nobody listens).
  private validRecords(inputs: readonly SpanInputShape[], release: boolean, rejected: Rejection[], positions: number[]): SpanRecord[] {
    const validation = validateSpans(inputs, this.limits, this.now() * 1000);
    if (release) (inputs as SpanInputShape[]).length = 0;
    const records: SpanRecord[] = new Array(validation.valid.length);
    for (let i = 0; i < validation.valid.length; i++) {
      const valid = validation.valid[i]!;
      positions.push(valid.index);
      records[i] = valid.record;
    }
    for (const r of validation.rejected) rejected.push(r);
    if (this.redactor.enabled) for (const record of records) this.redactor.redactSpan(record);
    return records;
  }

  /**
   * Called with the newly stored spans of each write as soon as the store acknowledged their insert: before the
   * write's summaries and steps, and even when those then fail (the spans are stored). Returns an unsubscribe.
   */
  onStored(listener: StoredListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Adds a step run on every write's newly stored spans before the write is acknowledged. Returns a remover. */
  addStoredStep(step: StoredStep): () => void {
    this.steps.add(step);
    return () => {
      this.steps.delete(step);
    };
  }

  /** For leak checks in tests. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  // Private: a failing listener must not fail the submit (the spans are stored) nor starve other listeners.
  private notify(spans: readonly StoredSpan[]): void {
    const frozen = Object.freeze([...spans]);
    for (const listener of [...this.listeners]) {
      try {
        listener(frozen);
      } catch (error) {
        logger.error('onStored listener failed', { error: error as Error });
      }
    }
  }
}

// Private: one counter increment per (outcome, code) present in the result.
function countOutcome(route: IngestRoute, result: SubmitSpansResult): void {
  if (result.accepted > 0) spansCounted.inc({ route, outcome: 'accepted', code: '' }, result.accepted);
  if (result.duplicates > 0) spansCounted.inc({ route, outcome: 'duplicate', code: '' }, result.duplicates);
  if (result.rejected.length === 0) return;
  const byCode = new Map<string, number>();
  for (const r of result.rejected) byCode.set(r.code, (byCode.get(r.code) ?? 0) + 1);
  for (const [code, n] of byCode) spansCounted.inc({ route, outcome: 'rejected', code }, n);
}
