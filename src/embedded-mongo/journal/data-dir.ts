/**
 * Files of a data directory:
 *   store.lock                  pid of the process using the directory
 *   snapshot.bson               the state as ops up to a seq (replaced atomically by rename)
 *   snapshot.bson.tmp           a snapshot being written (ignored and removed at start)
 *   journal-<generation>.bson   oplog entries; generations increase, only the newest one is appended to
 */
import { join } from 'node:path';

export const LOCK_FILE = 'store.lock';
export const SNAPSHOT_FILE = 'snapshot.bson';
export const SNAPSHOT_TMP_FILE = 'snapshot.bson.tmp';

const JOURNAL_PATTERN = /^journal-(\d{10})\.bson$/;

export function journalFileName(generation: number): string {
  return `journal-${String(generation).padStart(10, '0')}.bson`;
}

/** Journal files of `names`, oldest generation first. */
export function journalGenerations(names: readonly string[]): number[] {
  const gens: number[] = [];
  for (const name of names) {
    const m = JOURNAL_PATTERN.exec(name);
    if (m) gens.push(Number(m[1]));
  }
  return gens.sort((a, b) => a - b);
}

export function inDir(dir: string, name: string): string {
  return join(dir, name);
}
