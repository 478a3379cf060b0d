/**
 * The durability plugin: with a data directory, recovers it into the engine at start and makes every commit
 * durable before the command's reply (the engine's reply waits for this listener). Without one, memory only.
 * A change feed handed in is driven from here: replayed entries at start, then each commit after its fsync.
 */
import type { OplogEntry } from '../engine';
import type { StorePlugin } from '../plugins';
import type { ChangeFeed } from '../changestream/feed';
import type { JournalFs } from './fs-layer';
import { openJournal, type Journal } from './journal';

export interface DurabilityPluginOptions {
  /** Compact the journal into a snapshot past this size (bytes); default DEFAULT_COMPACT_AFTER_BYTES. */
  compactAfterBytes?: number;
  fs?: JournalFs;
  /** Receives entries once they are durable (the change-stream history). */
  feed?: ChangeFeed & { drivenExternally: boolean };
}

export interface DurabilityPlugin extends StorePlugin {
  /** The open journal while the store runs with a data directory (stats, compaction). */
  readonly journal: Journal | null;
}

export function durabilityPlugin(options: DurabilityPluginOptions = {}): DurabilityPlugin {
  const feed = options.feed;
  if (feed) feed.drivenExternally = true;
  let journal: Journal | null = null;
  return {
    name: 'durability',
    providesDurability: true,
    get journal() {
      return journal;
    },
    async start(store) {
      const { engine, dataDir } = store;
      if (dataDir !== undefined) {
        journal = await openJournal(
          { dataDir, compactAfterBytes: options.compactAfterBytes, fs: options.fs, log: store.log },
          {
            snapshotLoaded: (position) => feed?.startAfter(position),
            applySnapshotOp: (op) => engine.replay(op),
            applyEntry: (entry) => {
              engine.replay(entry.op);
              feed?.replayed(entry);
            },
            recovered: (position) => {
              if (position) engine.advanceClock(position.seq, position.ts);
            },
          },
          () => ({ seq: engine.currentSeq, ts: engine.latestTimestamp, ops: engine.dump() }),
        );
      }
      const open = journal;
      const unsubscribe = engine.onCommit(async (entries: readonly OplogEntry[]) => {
        if (open) await open.append(entries);
        // The write is durable now: a failing feed must not turn its acknowledgement into an error.
        try {
          feed?.committed(entries);
        } catch (err) {
          store.log.error('change history rejected committed entries; change streams may miss them', { err, firstSeq: entries[0]?.seq });
        }
      });
      return async () => {
        unsubscribe();
        await open?.close();
        journal = null;
      };
    },
  };
}

