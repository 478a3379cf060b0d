/**
 * The file-system calls the journal makes, behind an interface so tests can count fsyncs or inject failures
 * without touching the real disk semantics (the default is plain `node:fs/promises`).
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';

export interface AppendHandle {
  /** Writes all of `data` at the end of the file (looping over short writes). */
  append(data: Buffer): Promise<void>;
  /** fsync: returns once the written data and the file size are on stable storage. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface JournalFs {
  /** Opens (creating if missing) a file for appending. */
  openAppend(path: string): Promise<AppendHandle>;
  /** The whole file, or null when it does not exist. */
  readFile(path: string): Promise<Buffer | null>;
  /** The file in consecutive chunks of about `chunkBytes`, or null when it does not exist. */
  readChunks(path: string, chunkBytes: number): Promise<AsyncIterable<Buffer> | null>;
  /** Creates or replaces `path` with `chunks` (written as they come), fsyncing the file before it resolves. */
  writeFileSynced(path: string, chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void>;
  /** Shortens a file to `length` bytes and fsyncs it. */
  truncate(path: string, length: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  mkdirp(dir: string): Promise<void>;
  /** fsync of a directory: makes creations, renames and deletions inside it durable. */
  syncDir(dir: string): Promise<void>;
}

export const nodeJournalFs: JournalFs = {
  async openAppend(path) {
    const handle = await fsp.open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_APPEND, 0o644);
    return {
      async append(data) {
        let written = 0;
        while (written < data.length) {
          const { bytesWritten } = await handle.write(data, written, data.length - written);
          written += bytesWritten;
        }
      },
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
  },
  async readFile(path) {
    try {
      return await fsp.readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  },
  async readChunks(path, chunkBytes) {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return (async function* () {
      try {
        for (;;) {
          const buf = Buffer.allocUnsafe(chunkBytes);
          const { bytesRead } = await handle.read(buf, 0, chunkBytes, null);
          if (bytesRead === 0) return;
          yield buf.subarray(0, bytesRead);
        }
      } finally {
        await handle.close();
      }
    })();
  },
  async writeFileSynced(path, chunks) {
    const handle = await fsp.open(path, 'w', 0o644);
    try {
      for await (const chunk of chunks) {
        let written = 0;
        while (written < chunk.length) {
          const { bytesWritten } = await handle.write(chunk, written, chunk.length - written);
          written += bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  async truncate(path, length) {
    const handle = await fsp.open(path, 'r+');
    try {
      await handle.truncate(length);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  readdir: (dir) => fsp.readdir(dir),
  mkdirp: async (dir) => {
    await fsp.mkdir(dir, { recursive: true });
  },
  async syncDir(dir) {
    const handle = await fsp.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
