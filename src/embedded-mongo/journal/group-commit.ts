/**
 * Group commit: appends that arrive while a write + fsync is in flight wait, and are written and fsynced together
 * in the next batch, so the fsync count follows the number of batches, not of operations. Every append resolves
 * only after its bytes are fsynced; a failed write or fsync fails its batch and everything after it (the file's
 * state is then unknown, and retrying an fsync after a failure is not safe: the kernel may have dropped the pages).
 */
import type { AppendHandle } from './fs-layer';
import { JournalWriteError } from './errors';

export type WriterPhase =
  | { readonly kind: 'idle' }
  | { readonly kind: 'flushing' }
  | { readonly kind: 'failed'; readonly error: JournalWriteError }
  | { readonly kind: 'closed' };

export interface WriterStats {
  /** Batches written (each one write + one fsync). */
  readonly batches: number;
  readonly records: number;
  /** Bytes appended to the current file, including what it held when opened. */
  readonly fileBytes: number;
}

interface Waiter {
  readonly data: Buffer[];
  resolve(): void;
  reject(err: Error): void;
}

export class GroupCommitWriter {
  private phase: WriterPhase = { kind: 'idle' };
  private queue: Waiter[] = [];
  private batches = 0;
  private records = 0;
  private nextFile: { handle: AppendHandle; path: string; done: () => void } | null = null;
  private drained: Array<() => void> = [];

  constructor(
    private handle: AppendHandle,
    private path: string,
    private fileBytes: number,
    /** Called after each fsynced batch (the journal checks whether to compact). */
    private readonly afterBatch: (stats: WriterStats) => void = () => {},
  ) {}

  get state(): WriterPhase {
    return this.phase;
  }

  stats(): WriterStats {
    return { batches: this.batches, records: this.records, fileBytes: this.fileBytes };
  }

  /** Resolves once every record in `data` is on stable storage. */
  append(data: Buffer[]): Promise<void> {
    switch (this.phase.kind) {
      case 'failed':
        return Promise.reject(this.phase.error);
      case 'closed':
        return Promise.reject(new JournalWriteError(this.path, new Error('journal is closed')));
      case 'idle':
      case 'flushing':
        break;
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ data, resolve, reject });
      if (this.phase.kind === 'idle') void this.flushLoop();
    });
  }

  /** Switches to a new file between batches; resolves after the old file is closed (all its batches fsynced). */
  rotate(handle: AppendHandle, path: string): Promise<void> {
    return new Promise<void>((done) => {
      this.nextFile = { handle, path, done };
      if (this.phase.kind !== 'flushing') void this.swapFile();
    });
  }

  /** Waits for queued batches, then closes the file. Appends after this are rejected. */
  async close(): Promise<void> {
    if (this.phase.kind === 'flushing') await new Promise<void>((resolve) => this.drained.push(resolve));
    if (this.phase.kind === 'closed') return;
    if (this.phase.kind !== 'failed') this.phase = { kind: 'closed' };
    await this.handle.close().catch(() => {});
  }

  // Private: one batch per turn: everything queued so far, one write, one fsync.
  private async flushLoop(): Promise<void> {
    this.phase = { kind: 'flushing' };
    for (;;) {
      if (this.nextFile) await this.swapFile();
      // Checked right before going idle, with no await in between, so no append is left queued.
      if (this.queue.length === 0) break;
      const batch = this.queue;
      this.queue = [];
      const data = batch.flatMap((w) => w.data);
      const bytes = Buffer.concat(data);
      try {
        await this.handle.append(bytes);
        await this.handle.sync();
      } catch (cause) {
        this.fail(new JournalWriteError(this.path, cause), batch);
        return;
      }
      this.batches++;
      this.records += data.length;
      this.fileBytes += bytes.length;
      for (const w of batch) w.resolve();
      this.afterBatch(this.stats());
    }
    this.phase = { kind: 'idle' };
    for (const resolve of this.drained.splice(0)) resolve();
  }

  // Private: only called between batches, so the old file holds complete, fsynced batches.
  private async swapFile(): Promise<void> {
    const next = this.nextFile;
    if (!next) return;
    this.nextFile = null;
    const old = this.handle;
    this.handle = next.handle;
    this.path = next.path;
    this.fileBytes = 0;
    await old.close().catch(() => {});
    next.done();
  }

  // Private: the failed batch and everything queued behind it are rejected with the same error.
  private fail(error: JournalWriteError, batch: Waiter[]): void {
    this.phase = { kind: 'failed', error };
    for (const w of [...batch, ...this.queue.splice(0)]) w.reject(error);
    for (const resolve of this.drained.splice(0)) resolve();
  }
}
