/**
 * Erasure on request: whole traces matching a filter, with their spans, out of the store (src/store's
 * `eraseTraces`), and out of whatever else keeps figures or streams derived from spans:
 * - `onErasing` hooks see each batch of spans before it is deleted (e.g. rollups subtract them); a hook that
 *   throws stops the erasure there (the batches before it are erased, nothing after), so nothing is deleted
 *   that a hook could not account for;
 * - `onErased` listeners hear the erased trace ids afterwards (e.g. live subscriptions of those traces end).
 */
import { log } from '../log';
import type { StoredSpan, TraceQuery, TraceStore } from '../store';

export type ErasingHook = (spans: readonly StoredSpan[]) => Promise<void>;
export type ErasedListener = (traceIds: readonly string[]) => void;

export interface ErasureResult {
  traces: number;
  spans: number;
  dryRun: boolean;
}

/** Who asked for an erasure and for what: logged with the counts. `filter` names criteria, never values. */
export interface ErasureRequest {
  who: string;
  requestId: string;
  filter: string;
}

/** One audit line per erasure (dry runs included). */
export type ErasureAudit = (entry: ErasureRequest & ErasureResult) => void;

const logger = log.child('erasure');

export class Erasure {
  private readonly hooks = new Set<ErasingHook>();
  private readonly listeners = new Set<ErasedListener>();

  constructor(
    private readonly store: TraceStore,
    /** Where the audit line goes: the log (tests read it here). */
    public audit: ErasureAudit = (entry) => logger.info(entry.dryRun ? 'deleteTraces dry run' : 'deleteTraces erased', { ...entry }),
  ) {}

  /**
   * Counts (dryRun) or erases the traces matching `query`, then writes the audit line. Throws what the store
   * throws (STORE_UNAVAILABLE; the audit line then says what was erased before the failure is unknown).
   */
  async eraseTraces(query: TraceQuery, dryRun: boolean, request: ErasureRequest): Promise<ErasureResult> {
    let outcome;
    try {
      outcome = await this.store.eraseTraces(query, {
        dryRun,
        onErase: async (spans) => {
          for (const hook of [...this.hooks]) await hook(spans);
        },
      });
    } catch (error) {
      logger.error('deleteTraces failed part way: traces erased before the failure stay erased; running it again finishes', { ...request, dryRun, error: error as Error });
      throw error;
    }
    this.audit({ ...request, traces: outcome.traces, spans: outcome.spans, dryRun });
    if (!dryRun && outcome.traceIds.length > 0) {
      for (const listener of [...this.listeners]) {
        try {
          listener(outcome.traceIds);
        } catch (error) {
          logger.error('onErased listener failed', { error: error as Error });
        }
      }
    }
    return { traces: outcome.traces, spans: outcome.spans, dryRun };
  }

  /** Registers a hook run with each batch of spans before it is deleted; returns its removal. */
  onErasing(hook: ErasingHook): () => void {
    this.hooks.add(hook);
    return () => {
      this.hooks.delete(hook);
    };
  }

  /** Registers a listener told the erased trace ids; returns its removal. */
  onErased(listener: ErasedListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
