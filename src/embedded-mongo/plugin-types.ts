/**
 * What a store plugin is and what it is given: the engine, the cursor registry, the command extensions, the data
 * directory and the log. Plugins (change streams) implement `StorePlugin`; `plugins.ts` lists the default ones.
 */
import type { Logger } from '../log';
import type { StoreExtensions } from './commands';
import type { CursorRegistry } from './cursors';
import type { Engine } from './engine';

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
