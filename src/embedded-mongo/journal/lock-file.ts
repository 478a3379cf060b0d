/**
 * One process per data directory. The lock file holds the owner's pid; it is created exclusively (O_EXCL). A lock
 * file left by a process that no longer exists (a crash, SIGKILL) is stale and taken over. Within one process a
 * registry of held directories stops two stores sharing one directory.
 */
import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import { DataDirLockedError } from './errors';
import { inDir, LOCK_FILE } from './data-dir';

const heldInThisProcess = new Set<string>();

export interface DataDirLock {
  release(): Promise<void>;
}

export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  if (heldInThisProcess.has(dir)) throw new DataDirLockedError(dir, process.pid);
  const path = inDir(dir, LOCK_FILE);
  heldInThisProcess.add(dir);
  try {
    await createExclusive(path);
  } catch (err) {
    heldInThisProcess.delete(dir);
    throw err;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      heldInThisProcess.delete(dir);
      await fsp.unlink(path).catch(() => {});
    },
  };
}

// Private: one retry after removing a stale lock; a second EEXIST means another process won the race.
async function createExclusive(path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fsp.open(path, 'wx', 0o644);
      try {
        await handle.writeFile(`${process.pid}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = await readHolder(path);
      if (attempt > 0 || (holder !== null && holder !== process.pid && isAlive(holder))) {
        throw new DataDirLockedError(resolve(path, '..'), holder ?? -1);
      }
      await fsp.unlink(path).catch(() => {});
    }
  }
}

// Private: null when the file is empty or unreadable (a crash between create and write).
async function readHolder(path: string): Promise<number | null> {
  const text = await fsp.readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

// Private: signal 0 tests for existence; EPERM means it exists but belongs to someone else.
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
