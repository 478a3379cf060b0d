/**
 * The change-stream plugin: keeps the history and answers `aggregate` with a leading `$changeStream`.
 * Alone, it listens to commits itself; with the durability plugin it is fed after each fsync (see feed.ts).
 */
import type { StorePlugin } from '../plugins';
import { HistoryFeed } from './feed';
import { changeStreamStage } from './handler';
import type { HistoryOptions } from './history';

export const CHANGE_STREAM_STAGE = '$changeStream';

export interface ChangeStreamPlugin extends StorePlugin {
  /** Hand this to `durabilityPlugin({ feed })` so streams see only durable changes. */
  readonly feed: HistoryFeed;
}

export function changeStreamPlugin(options: HistoryOptions = {}): ChangeStreamPlugin {
  const feed = new HistoryFeed(options);
  return {
    name: 'change-streams',
    feed,
    async start(store) {
      const history = feed.serve({ seq: store.engine.currentSeq, ts: store.engine.latestTimestamp });
      const unsubscribe = feed.drivenExternally ? () => {} : store.engine.onCommit((entries) => feed.committed(entries));
      store.extensions.firstStages.set(CHANGE_STREAM_STAGE, changeStreamStage(history));
      return async () => {
        unsubscribe();
        store.extensions.firstStages.delete(CHANGE_STREAM_STAGE);
      };
    },
  };
}
