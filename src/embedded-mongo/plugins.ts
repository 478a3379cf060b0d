/**
 * Plug-in points of the store: what runs between "engine opened" and "listening", and at stop.
 * Change streams attach here: a plugin can add a commit listener with `engine.onCommit` (it sees each commit once
 * it is durable), register a first-stage handler in `extensions.firstStages`, and register its own cursors in
 * `cursors`.
 */
import { changeStreamPlugin, type HistoryOptions } from './changestream';
import type { StorePlugin } from './plugin-types';

export type { StoreInternals, StorePlugin } from './plugin-types';

/** Settings of the default plugins (change-stream history bounds). */
export interface DefaultPluginOptions {
  history?: HistoryOptions;
}

/** The plugins every store gets unless the caller passes its own list: change streams. */
export function defaultPlugins(options: DefaultPluginOptions = {}): StorePlugin[] {
  return [changeStreamPlugin(options.history)];
}
