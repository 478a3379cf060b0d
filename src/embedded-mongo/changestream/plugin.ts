/**
 * The change-stream plugin: keeps the history and answers `aggregate` with a leading `$changeStream`.
 * It listens to the engine's commits (announced once durable) and reads past entries from the engine's oplog on
 * disk, so a stream resumes across a restart while the oplog still holds its position.
 */
import type { StorePlugin } from '../plugin-types';
import { Timestamp } from 'bson';
import { HistoryFeed } from './feed';
import { changeStreamStage } from './handler';
import { ChangeHistory, type HistoryOptions } from './history';

export const CHANGE_STREAM_STAGE = '$changeStream';

export interface ChangeStreamPlugin extends StorePlugin {
  /** Hand this to `durabilityPlugin({ feed })` so streams see only durable changes. */
  readonly feed: HistoryFeed;
}

export function changeStreamPlugin(options: HistoryOptions = {}): ChangeStreamPlugin {
  const feed = new HistoryFeed(options);
  // Validated bounds (the engine's oplog keeps this much committed history on disk).
  const history0 = new ChangeHistory({ seq: 0, ts: new Timestamp({ t: 0, i: 0 }) }, options);
  return {
    name: 'change-streams',
    feed,
    async start(store) {
      const { engine } = store;
      engine.retention = { maxEntries: history0.maxEntries, maxAgeMs: history0.maxAgeMs };
      const history = feed.serve(
        { seq: engine.currentSeq, ts: engine.latestTimestamp },
        { after: (seq, limit) => engine.oplogAfter(seq, limit), floor: () => engine.oplogFloor },
      );
      const unsubscribe = feed.drivenExternally ? () => {} : store.engine.onCommit((entries) => feed.committed(entries));
      store.extensions.firstStages.set(CHANGE_STREAM_STAGE, changeStreamStage(history));
      return async () => {
        unsubscribe();
        store.extensions.firstStages.delete(CHANGE_STREAM_STAGE);
      };
    },
  };
}
