/**
 * Plug-in points of the store: what runs between "engine opened" and "listening", and at stop.
 * Change streams attach here: a plugin can add a commit listener with `engine.onCommit` (it sees each commit once
 * it is durable), register a first-stage handler in `extensions.firstStages`, and register its own cursors in
 * `cursors`.
 */
import type { Logger } from '../log';
import type { StoreExtensions } from './commands';
import type { CursorRegistry } from './cursors';
import type { Engine } from './engine';
import { changeStreamPlugin } from './changestream/plugin';
import type { HistoryOptions } from './changestream/history';

export interface StoreInternals {
  readonly engine: Engine;
  readonly cursors: CursorRegistry;
  readonly extensions: StoreExtensions;
  readonly dataDir: string | undefined;
  readonly log: Logger;
}

export interface StorePlugin {
  readonly name: string;
  /** Runs before the store accepts connections; the returned function runs at stop (in reverse plugin order). */
  start(store: StoreInternals): Promise<(() => Promise<void>) | void>;
}

/** Settings of the default plugins (change-stream history bounds). */
export interface DefaultPluginOptions {
  history?: HistoryOptions;
}

/** The plugins every store gets unless the caller passes its own list: change streams. */
export function defaultPlugins(options: DefaultPluginOptions = {}): StorePlugin[] {
  return [changeStreamPlugin(options.history)];
}
