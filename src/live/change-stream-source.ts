import type { ChangeStream, ChangeStreamDocument, ChangeStreamOptions, Document, ResumeToken } from 'mongodb';
import { log as rootLog, type Logger } from '../log';
import type { LiveSource } from './source';
import type { LiveSink, LiveSpan } from './types';

/** Only inserts are new spans: an idempotent re-submit inserts nothing, so it produces no event. */
const INSERTS_ONLY: Document[] = [{ $match: { operationType: 'insert' } }];

/** MongoDB error codes meaning the resume token is no longer in the oplog: resuming exactly is impossible. */
const HISTORY_LOST_CODES = new Set([136 /* CappedPositionLost */, 280 /* ChangeStreamFatalError */, 286 /* ChangeStreamHistoryLost */]);

export interface ChangeStreamSourceOptions<S extends LiveSpan> {
  /** Where the change events come from: the spans collection's `watch` (a store's `spanChanges()`, or a collection). */
  collection: { watch(pipeline: Document[], options: ChangeStreamOptions): ChangeStream<Document> };
  /** Turns a stored span document into the span the resolvers expect. */
  toSpan: (doc: Document) => S;
  /** First and longest wait before re-opening an interrupted stream. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /**
   * Called when the stream lost its place (the resume token is no longer in the store's history): spans stored
   * meanwhile are never delivered. The hub ends every subscription with LIVE_GAP.
   */
  onGap?: () => void;
  /** Passed to the driver: how long one getMore waits for new events. */
  maxAwaitTimeMS?: number;
  log?: Logger;
}

/** The store refused to open a change stream (e.g. a standalone mongod); the caller may fall back. */
export class ChangeStreamUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the store did not open a change stream on the spans collection: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ChangeStreamUnavailableError';
  }
}

type Phase<S extends LiveSpan> =
  | { name: 'idle' }
  | { name: 'running'; sink: LiveSink<S>; stream: ChangeStream }
  | { name: 'resuming'; sink: LiveSink<S>; timer: NodeJS.Timeout | null; stream: ChangeStream | null }
  | { name: 'closed' };

/**
 * One change stream per gateway process on the spans collection. Every span the store acknowledges after
 * `open` reaches the sink exactly once, from whichever instance stored it.
 *
 * Interruptions: the driver resumes by itself on resumable errors; when it gives up (the stream closes with an
 * error), this source re-opens with `resumeAfter` the last token it delivered, retrying with backoff until the
 * store answers. Only a token the oplog no longer holds forces a fresh start, and that gap is logged as an error.
 */
export class ChangeStreamSource<S extends LiveSpan> implements LiveSource<S> {
  readonly kind = 'changestream' as const;
  private phase: Phase<S> = { name: 'idle' };
  private token: ResumeToken | undefined;
  private readonly log: Logger;
  private resumes = 0;

  constructor(private readonly options: ChangeStreamSourceOptions<S>) {
    this.log = options.log ?? rootLog.child('live');
  }

  /** How many times the stream was re-opened after an interruption (for tests and health). */
  get resumeCount(): number {
    return this.resumes;
  }

  async open(sink: LiveSink<S>): Promise<void> {
    if (this.phase.name !== 'idle') throw new Error(`ChangeStreamSource.open: expected an idle source, but it is ${this.phase.name}`);
    const stream = this.watch();
    let first: ChangeStreamDocument | null;
    try {
      // The first tryNext runs the `$changeStream` aggregate: it is what fails on a store without change streams.
      first = await stream.tryNext();
    } catch (err) {
      await stream.close().catch(() => undefined);
      throw new ChangeStreamUnavailableError(err);
    }
    if ((this.phase as Phase<S>).name === 'closed') {
      await stream.close().catch(() => undefined);
      return;
    }
    this.phase = { name: 'running', sink, stream };
    this.token = stream.resumeToken ?? this.token;
    if (first) this.deliver(sink, [first]);
    this.startPump(stream, sink);
  }

  async close(): Promise<void> {
    const phase = this.phase;
    this.phase = { name: 'closed' };
    if (phase.name === 'resuming' && phase.timer) clearTimeout(phase.timer);
    const stream = phase.name === 'running' || phase.name === 'resuming' ? phase.stream : null;
    if (stream) await stream.close().catch(() => undefined);
  }

  private startPump(stream: ChangeStream, sink: LiveSink<S>): void {
    this.pump(stream, sink).catch((err: unknown) => {
      if (!this.isCurrent(stream)) return;
      this.log.error('delivering a change event failed; re-opening the change stream from the last resume token', { err });
      void stream.close().catch(() => undefined);
      this.scheduleResume(sink, this.options.retryMinMs ?? 50);
    });
  }

  // Private: the driver's own resume happens inside next(); an error here means it gave up. Every event the
  // driver already holds (the rest of one getMore reply) goes to the sink in one call, so the spans of one
  // store batch reach a subscriber as one message.
  private async pump(stream: ChangeStream, sink: LiveSink<S>): Promise<void> {
    for (;;) {
      const changes: ChangeStreamDocument[] = [];
      let failure: { err: unknown } | null = null;
      try {
        changes.push(await stream.next());
        while (stream.bufferedCount() > 0) changes.push(await stream.next());
      } catch (err) {
        failure = { err };
      }
      if (!this.isCurrent(stream)) return;
      this.deliver(sink, changes);
      if (failure) {
        this.log.warn('change stream interrupted; re-opening from the last resume token', { err: failure.err });
        await stream.close().catch(() => undefined);
        this.scheduleResume(sink, this.options.retryMinMs ?? 50);
        return;
      }
    }
  }

  // Private: retries until the store answers or the source is closed; backoff doubles up to retryMaxMs.
  private scheduleResume(sink: LiveSink<S>, delayMs: number): void {
    if (this.phase.name === 'closed') return;
    const timer = setTimeout(() => {
      this.resume(sink, delayMs).catch((err: unknown) => {
        // Not a store answer (those are handled inside): keep trying rather than stay silent and stopped.
        this.log.error('re-opening the change stream threw; retrying', { err });
        if (this.phase.name === 'resuming') this.scheduleResume(sink, Math.min(delayMs * 2, this.options.retryMaxMs ?? 2000));
      });
    }, delayMs);
    this.phase = { name: 'resuming', sink, timer, stream: null };
  }

  private async resume(sink: LiveSink<S>, delayMs: number): Promise<void> {
    if (this.phase.name !== 'resuming') return;
    if (this.token === undefined) {
      this.log.error('re-opening the change stream without a resume token: spans stored during the interruption are not delivered live');
    }
    const stream = this.watch();
    this.phase = { name: 'resuming', sink, timer: null, stream };
    let first: ChangeStreamDocument | null;
    try {
      first = await stream.tryNext();
    } catch (err) {
      await stream.close().catch(() => undefined);
      if ((this.phase as Phase<S>).name === 'closed') return;
      if (isHistoryLost(err)) {
        this.log.error('the resume token is no longer in the store\'s history: live updates have a gap', { err });
        this.token = undefined;
        this.options.onGap?.();
      } else {
        this.log.warn('re-opening the change stream failed; retrying', { err, delayMs });
      }
      this.scheduleResume(sink, Math.min(delayMs * 2, this.options.retryMaxMs ?? 2000));
      return;
    }
    if ((this.phase as Phase<S>).name === 'closed') {
      await stream.close().catch(() => undefined);
      return;
    }
    this.resumes += 1;
    this.phase = { name: 'running', sink, stream };
    this.token = stream.resumeToken ?? this.token;
    this.log.info('change stream resumed', { resumes: this.resumes });
    if (first) this.deliver(sink, [first]);
    this.startPump(stream, sink);
  }

  private watch(): ChangeStream {
    const { collection, maxAwaitTimeMS } = this.options;
    return collection.watch(INSERTS_ONLY, {
      ...(this.token !== undefined ? { resumeAfter: this.token } : {}),
      ...(maxAwaitTimeMS !== undefined ? { maxAwaitTimeMS } : {}),
    });
  }

  private isCurrent(stream: ChangeStream): boolean {
    return this.phase.name === 'running' && this.phase.stream === stream;
  }

  // Private: the token advances with each delivered event, so a resume starts right after the last one delivered.
  private deliver(sink: LiveSink<S>, changes: readonly ChangeStreamDocument[]): void {
    const spans: S[] = [];
    for (const change of changes) {
      this.token = change._id;
      if (change.operationType !== 'insert') continue;
      try {
        spans.push(this.options.toSpan(change.fullDocument));
      } catch (err) {
        this.log.error('a stored span document could not be read; it is not delivered live', { err, id: String(change.documentKey?._id) });
      }
    }
    if (spans.length > 0) sink(spans);
  }
}

function isHistoryLost(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && HISTORY_LOST_CODES.has(code);
}
