/**
 * The LMDB environment under the engine: named databases for records (BSON documents), index entries, the
 * catalog (collections and their indexes) and the oplog (change-stream history), plus meta entries (the clock
 * and the id counter; the id prefixes of dropped collections and indexes whose keys are still being removed).
 *
 * With a data directory the environment lives in `<dataDir>/lmdb`, commits are crash-safe, and `flushed()`
 * resolves once they are on disk (lmdb-js's overlapping sync: one fsync covers every commit before it). Without
 * one it lives in a private temporary directory (in `/dev/shm` where available, so memory) and is never synced;
 * the directory is removed as soon as the environment is open (its open files and memory map keep the data alive
 * until close), so a process that dies without closing leaves nothing behind.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';

export type BinaryDb = Database<Buffer, Buffer>;

/** Sub-directory of a data directory holding the LMDB environment. */
export const LMDB_DIR = 'lmdb';

export class Storage {
  private constructor(
    readonly root: RootDatabase<Buffer, Buffer>,
    readonly records: BinaryDb,
    readonly index: BinaryDb,
    readonly catalog: BinaryDb,
    readonly oplog: BinaryDb,
    readonly meta: BinaryDb,
    readonly path: string,
    readonly durable: boolean,
  ) {}

  static open(dataDir: string | undefined): Storage {
    const durable = dataDir !== undefined;
    const path = durable ? join(dataDir, LMDB_DIR) : mkdtempSync(join(memoryBase(), 'tracegate-store-'));
    mkdirSync(path, { recursive: true, mode: 0o700 });
    const root = open<Buffer, Buffer>({ path, noSync: !durable, maxDbs: 8, keyEncoding: 'binary', encoding: 'binary', cache: false });
    const db = (name: string): BinaryDb => root.openDB<Buffer, Buffer>(name, { keyEncoding: 'binary', encoding: 'binary', cache: false });
    const storage = new Storage(root, db('records'), db('index'), db('catalog'), db('oplog'), db('meta'), path, durable);
    if (!durable) rmSync(path, { recursive: true, force: true });
    return storage;
  }

  /** Runs `fn` in one write transaction: everything it wrote is committed together, or nothing if it throws. */
  transact<T>(fn: () => T): T {
    return this.root.transactionSync(fn);
  }

  /** Resolves when every commit so far is on disk (at once without a data directory). */
  flushed(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.root.flushed.then(() => resolve(), reject);
    });
  }

  /** Bytes of the data file (the database's size on disk). */
  fileSize(): number {
    try {
      return statSync(join(this.path, 'data.mdb')).size;
    } catch {
      return 0;
    }
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}

let memoryBaseDir: string | undefined;

// Private: where memory-only environments live: tmpfs when the system has one.
function memoryBase(): string {
  memoryBaseDir ??= probeMemoryBase();
  return memoryBaseDir;
}

function probeMemoryBase(): string {
  try {
    if (statSync('/dev/shm').isDirectory()) {
      const probe = mkdtempSync(join('/dev/shm', 'tracegate-probe-'));
      rmSync(probe, { recursive: true, force: true });
      return '/dev/shm';
    }
  } catch {
    // no usable /dev/shm
  }
  return tmpdir();
}
