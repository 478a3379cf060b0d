/**
 * Plug-in points of the store: what runs between "engine built" and "listening", and at stop.
 * Durability (journal) and change streams (S2) attach here: load a data directory into the engine with
 * `engine.replay` / `engine.advanceClock`, add a commit listener with `engine.onCommit`, register a `$changeStream`
 * handler in `extensions.firstStages`, and register their own cursors in `cursors`.
 */
import type { Logger } from '../log';
import type { StoreExtensions } from './commands';
import type { CursorRegistry } from './cursors';
import type { Engine } from './engine';
import { changeStreamPlugin } from './changestream/plugin';
import type { HistoryOptions } from './changestream/history';
import { durabilityPlugin } from './journal/plugin';

export interface StoreInternals {
  readonly engine: Engine;
  readonly cursors: CursorRegistry;
  readonly extensions: StoreExtensions;
  readonly dataDir: string | undefined;
  readonly log: Logger;
}

export interface StorePlugin {
  readonly name: string;
  /** True if this plugin makes writes to `dataDir` durable; a `dataDir` without such a plugin is refused. */
  readonly providesDurability?: boolean;
  /** Runs before the store accepts connections; the returned function runs at stop (in reverse plugin order). */
  start(store: StoreInternals): Promise<(() => Promise<void>) | void>;
}

/** Settings of the default plugins (journal compaction threshold, change-stream history bounds). */
export interface DefaultPluginOptions {
  compactAfterBytes?: number;
  history?: HistoryOptions;
}

/** The plugins every store gets unless the caller passes its own list: durability (active with a dataDir) feeding
 *  change streams, so streams show only durable changes. */
export function defaultPlugins(options: DefaultPluginOptions = {}): StorePlugin[] {
  const changeStreams = changeStreamPlugin(options.history);
  return [durabilityPlugin({ feed: changeStreams.feed, compactAfterBytes: options.compactAfterBytes }), changeStreams];
}
