/**
 * `startEmbeddedMongoThread`: the embedded store in a worker thread of this process (what `npm start` runs). The
 * store keeps its own event loop, so its write slices, commits and index work and the gateway's request handling
 * run side by side on two cores instead of waiting for each other on one. The gateway reaches it as it reaches any
 * store: through the driver, over the store's Unix socket.
 *
 * Messages (structured clone): the thread posts `ready` with the store's URI or `failed` with the start error, then,
 * when asked to `stop`, `stopped` or `stopFailed`; it ends once the store is closed.
 */
import { join } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { LogFormat } from '../log';

export interface EmbeddedMongoThreadOptions {
  /** Data directory (the LMDB environment and its lock); the store is persistent there. */
  dataDir: string;
  /** Unix socket the store listens on (mode 0600); its name must end in `.sock`. */
  socketPath: string;
  /** The log format of the thread's lines (the process's, see setLogFormat). */
  logFormat: LogFormat;
}

export interface EmbeddedMongoThread {
  /** What the driver connects to (see EmbeddedMongo.uri). */
  readonly uri: string;
  /**
   * Settles with the cause if the store's thread ends without being asked to (an uncaught error in the store):
   * the store is gone, and nothing of this process can read or write data any more.
   */
  readonly ended: Promise<Error>;
  /** Stops the store (connections, cursors, TTL, a last flush, the data directory's lock) and waits for its thread to end; idempotent. */
  stop(): Promise<void>;
  /** The store thread's event-loop utilization, as `performance.eventLoopUtilization` reads it for that thread. */
  eventLoopUtilization(current?: EventLoopUtilization, previous?: EventLoopUtilization): EventLoopUtilization;
}

/** What the worker thread receives (workerData). */
export interface ThreadStart {
  dataDir: string;
  socketPath: string;
  logFormat: LogFormat;
}

/** What the worker thread posts. */
export type ThreadMessage =
  | { type: 'ready'; uri: string }
  | { type: 'failed'; error: ErrorParts }
  | { type: 'stopped' }
  | { type: 'stopFailed'; error: ErrorParts };

/** An error as it crosses the thread boundary (its class does not). */
export interface ErrorParts {
  name: string;
  message: string;
  stack?: string;
  code?: string | number;
}

/** The worker's entry, compiled next to this module. */
const ENTRY = join(__dirname, 'thread-entry.js');

/** Starts the store in its own thread; resolves once it listens, rejects with its start error (e.g. a data directory another process holds). */
export function startEmbeddedMongoThread(options: EmbeddedMongoThreadOptions): Promise<EmbeddedMongoThread> {
  const start: ThreadStart = { dataDir: options.dataDir, socketPath: options.socketPath, logFormat: options.logFormat };
  const worker = new Worker(ENTRY, { workerData: start });
  return new Promise((resolve, reject) => {
    const onMessage = (m: ThreadMessage): void => {
      if (m.type === 'ready') {
        detach();
        resolve(running(worker, m.uri));
      } else if (m.type === 'failed') {
        detach();
        reject(errorOf(m.error));
      }
    };
    const onError = (error: Error): void => {
      detach();
      reject(error);
    };
    const onExit = (code: number): void => {
      detach();
      reject(new Error(`the embedded store's thread ended (exit code ${code}) before the store was listening`));
    };
    const detach = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

// Private: the handle of a listening store's thread.
function running(worker: Worker, uri: string): EmbeddedMongoThread {
  let stopping: Promise<void> | undefined;
  let exited = false;
  let stopError: Error | undefined;
  const exit = new Promise<number>((resolve) => worker.once('exit', (code) => {
    exited = true;
    resolve(code);
  }));
  let uncaught: Error | undefined;
  worker.on('error', (error) => {
    uncaught = error;
  });
  worker.on('message', (m: ThreadMessage) => {
    if (m.type === 'stopFailed') stopError = errorOf(m.error);
  });
  const ended = exit.then((code) => {
    if (stopping) return new Promise<Error>(() => undefined);
    return uncaught ?? new Error(`the embedded store's thread ended (exit code ${code}) without being stopped`);
  });
  return {
    uri,
    ended,
    eventLoopUtilization: (current, previous) => worker.performance.eventLoopUtilization(current, previous),
    stop() {
      stopping ??= (async () => {
        if (!exited) worker.postMessage({ type: 'stop' });
        const code = await exit;
        if (stopError) throw stopError;
        if (uncaught) throw uncaught;
        if (code !== 0) throw new Error(`the embedded store's thread ended with exit code ${code} while stopping`);
      })();
      return stopping;
    },
  };
}

/** An error's parts, to post across the thread boundary. */
export function errorParts(error: unknown): ErrorParts {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, stack: error.stack, ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}) };
}

// Private: an Error again from its parts (name, message, stack and code as the thread saw them).
function errorOf(parts: ErrorParts): Error {
  const error = new Error(parts.message);
  error.name = parts.name;
  if (parts.stack !== undefined) error.stack = parts.stack;
  if (parts.code !== undefined) (error as Error & { code?: string | number }).code = parts.code;
  return error;
}
