import type { LiveSource } from './source';
import type { LiveSink, LiveSpan } from './types';

/** Registers a listener for spans this process stored (e.g. `IngestService.onStored`); returns its removal. */
export type StoredSpansFeed<S extends LiveSpan> = (listener: (spans: readonly S[]) => void) => () => void;

type Phase = { name: 'idle' } | { name: 'open'; unsubscribe: () => void } | { name: 'closed' };

/**
 * The in-process bus: spans this gateway stored, and only those. Used where the store has no change streams;
 * live updates are then local to this instance (a subscriber on another instance sees nothing from here).
 */
export class LocalSource<S extends LiveSpan> implements LiveSource<S> {
  readonly kind = 'local' as const;
  private phase: Phase = { name: 'idle' };

  constructor(private readonly feed: StoredSpansFeed<S>) {}

  async open(sink: LiveSink<S>): Promise<void> {
    if (this.phase.name !== 'idle') throw new Error(`LocalSource.open: expected an idle source, but it is ${this.phase.name}`);
    const unsubscribe = this.feed((spans) => {
      if (this.phase.name === 'open' && spans.length > 0) sink(spans);
    });
    this.phase = { name: 'open', unsubscribe };
  }

  async close(): Promise<void> {
    if (this.phase.name === 'open') this.phase.unsubscribe();
    this.phase = { name: 'closed' };
  }
}
