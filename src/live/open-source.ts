import type { Logger } from '../log';
import type { LiveSource, LiveSourceMode } from './source';
import type { LiveSink, LiveSpan } from './types';

export interface LiveSourceCandidates<S extends LiveSpan> {
  changestream: () => LiveSource<S>;
  local: () => LiveSource<S>;
}

/**
 * Opens the source `mode` asks for. `auto` tries the change stream first and, when the store refuses it (a
 * standalone mongod answers `$changeStream` with an error), falls back to the local bus and says so: live
 * updates then reach only subscribers of this instance. `changestream` never falls back: the error surfaces.
 */
export async function openLiveSource<S extends LiveSpan>(
  mode: LiveSourceMode,
  candidates: LiveSourceCandidates<S>,
  sink: LiveSink<S>,
  log: Logger,
): Promise<LiveSource<S>> {
  switch (mode) {
    case 'local':
    case 'changestream': {
      const source = candidates[mode]();
      await source.open(sink);
      return source;
    }
    case 'auto': {
      let changeStream: LiveSource<S> | null = null;
      try {
        changeStream = candidates.changestream();
        await changeStream.open(sink);
        return changeStream;
      } catch (err) {
        await changeStream?.close().catch(() => undefined);
        log.warn('the store has no change streams; live updates are local to this instance', { err });
      }
      const local = candidates.local();
      await local.open(sink);
      return local;
    }
  }
}
