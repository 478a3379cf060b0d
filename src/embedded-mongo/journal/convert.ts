/**
 * Conversion of a data directory written in the journal format (snapshot.bson + journal-*.bson) into the LMDB
 * engine, on the first start of a store on it. Streaming: the snapshot is read in chunks and journal files one at a
 * time (each is read whole, off the JavaScript heap; the journal format compacted past 64 MB), and ops are
 * committed to LMDB in transactions of CONVERT_BATCH ops, so the heap never holds more than one batch.
 *
 * Crash-safe: the old files stay where they are until the conversion has committed and flushed; a conversion cut
 * short leaves them in place and the next start discards the partial LMDB environment and converts again. After
 * success they are moved into `journal-format-<timestamp>/` inside the data directory (delete it once satisfied).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log';
import { Engine, LMDB_DIR, type OplogOp } from '../engine';
import { journalGenerations, SNAPSHOT_FILE, SNAPSHOT_TMP_FILE } from './data-dir';
import { openJournal, type OplogPosition } from './journal';

/** Ops per LMDB transaction during conversion. */
const CONVERT_BATCH = 5_000;

/** True when `dataDir` holds journal-format files (a snapshot or journal generations). */
export async function hasJournalFormat(dataDir: string): Promise<boolean> {
  if (!existsSync(dataDir)) return false;
  const names = await readdir(dataDir);
  return names.includes(SNAPSHOT_FILE) || journalGenerations(names).length > 0;
}

export interface ConversionResult {
  ops: number;
  position: OplogPosition | null;
  /** Where the journal-format files were moved. */
  keptIn: string;
}

/** Converts `dataDir` from the journal format to LMDB (the caller holds no lock on it yet). */
export async function convertJournalFormat(dataDir: string, log: Logger): Promise<ConversionResult> {
  const started = Date.now();
  log.info('data directory is in the journal format: converting it to the LMDB engine (once)', { dataDir });
  await rm(join(dataDir, LMDB_DIR), { recursive: true, force: true });
  const engine = Engine.open(dataDir, log);
  let ops = 0;
  let position: OplogPosition | null = null;
  try {
    let batch: OplogOp[] = [];
    const flush = (): void => {
      if (batch.length === 0) return;
      engine.importOpsSync(batch);
      ops += batch.length;
      batch = [];
    };
    const push = (op: OplogOp): void => {
      batch.push(op);
      if (batch.length >= CONVERT_BATCH) flush();
    };
    const journal = await openJournal(
      { dataDir, log },
      {
        applySnapshotOp: push,
        applyEntry: (entry) => push(entry.op),
        recovered: (p) => {
          flush();
          position = p;
        },
      },
      () => {
        throw new Error('no compaction during conversion');
      },
    );
    await journal.close();
    if (position) engine.importOpsSync([], position);
    await engine.storage.flushed();
  } finally {
    await engine.close();
  }
  const keptIn = join(dataDir, `journal-format-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await mkdir(keptIn);
  for (const name of await readdir(dataDir)) {
    if (name === SNAPSHOT_FILE || name === SNAPSHOT_TMP_FILE || journalGenerations([name]).length > 0) await rename(join(dataDir, name), join(keptIn, name));
  }
  log.info('converted the journal-format data directory to the LMDB engine; the old files are kept aside', {
    dataDir,
    ops,
    seq: (position as OplogPosition | null)?.seq ?? 0,
    keptIn,
    ms: Date.now() - started,
  });
  return { ops, position, keptIn };
}
