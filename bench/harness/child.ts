/**
 * The benchmark's process layout: each server under test runs in its own child process (forked from the compiled
 * `dist/bench/workers/*.js`), so the load generator in the parent never shares an event loop with it.
 * Parent and child speak a tiny request/response protocol over the IPC channel (see workers/serve.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { WorkerMessage, WorkerRequest } from '../workers/protocol';

export interface WorkerHandle<Ready> {
  readonly pid: number;
  /** What the worker said when it became ready (for example its URL). */
  readonly ready: Ready;
  call<T = unknown>(command: string, args?: unknown): Promise<T>;
  /** Asks the worker to shut down cleanly; kills it if it has not exited within 10 s. */
  stop(): Promise<void>;
}

export interface ForkOptions {
  args?: unknown;
  /** V8 CPU profile of this worker, written on exit. */
  cpuProfDir?: string;
  /** Names the profile file (e.g. the scenario id). */
  label?: string;
  /** Heap limit in MB (P7 keeps a million documents). */
  maxOldSpaceMb?: number;
  /** The compiled `bench/` folder to fork the worker from (default this one): another checkout's build, for side-by-side runs. */
  benchDir?: string;
  /** More Node options for the worker (e.g. V8 flags being measured). */
  nodeOptions?: readonly string[];
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** Forks `workers/<name>.js` and waits until it reports ready. */
export async function forkWorker<Ready>(name: string, options: ForkOptions = {}): Promise<WorkerHandle<Ready>> {
  const file = path.join(options.benchDir ?? path.join(__dirname, '..'), 'workers', `${name}.js`);
  const execArgv = ['--expose-gc', ...(options.nodeOptions ?? [])];
  if (options.maxOldSpaceMb) execArgv.push(`--max-old-space-size=${options.maxOldSpaceMb}`);
  if (options.cpuProfDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, `--cpu-prof-name=${options.label ? `${options.label}-` : ''}${name}-${process.pid}-${Date.now()}.cpuprofile`);
  const child = fork(file, [JSON.stringify(options.args ?? {})], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Servers under test run as deployed: graphql-js, for one, does extra development-time checks otherwise.
    env: { ...process.env, NODE_ENV: 'production', TRACEGATE_LOG_LEVEL: process.env.TRACEGATE_LOG_LEVEL ?? 'warn' },
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  void exit.then(() => {
    for (const p of pending.values()) p.reject(new Error(`worker ${name} exited with a request outstanding`));
    pending.clear();
  });

  const starting = new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${name} not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    child.on('message', (raw: WorkerMessage) => {
      switch (raw.type) {
        case 'ready': clearTimeout(timer); resolve(raw.info as Ready); break;
        case 'failed': clearTimeout(timer); reject(new Error(`worker ${name} failed to start: ${raw.error}`)); break;
        case 'reply': {
          const p = pending.get(raw.id);
          pending.delete(raw.id);
          if (raw.error !== undefined) p?.reject(new Error(`worker ${name}: ${raw.error}`));
          else p?.resolve(raw.result);
          break;
        }
      }
    });
    void exit.then(() => { clearTimeout(timer); reject(new Error(`worker ${name} exited before it was ready`)); });
  });
  let ready: Ready;
  try {
    ready = await starting;
  } catch (e) {
    // A worker that never became ready must not outlive the benchmark.
    if (!exited) child.kill('SIGKILL');
    await exit;
    throw e;
  }

  const call = <T>(command: string, args?: unknown): Promise<T> => {
    if (exited) return Promise.reject(new Error(`worker ${name} has exited; cannot run ${command}`));
    const id = nextId++;
    const req: WorkerRequest = { type: 'call', id, command, args };
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send(req);
    });
  };

  return {
    pid: child.pid ?? -1,
    ready,
    call,
    stop: async () => {
      if (exited) return;
      await call('stop').catch(() => undefined);
      await waitOrKill(child, exit);
    },
  };
}

async function waitOrKill(child: ChildProcess, exit: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((r) => { timer = setTimeout(() => r(true), STOP_TIMEOUT_MS); });
  const late = await Promise.race([exit.then(() => false), timedOut]);
  clearTimeout(timer);
  if (late) {
    child.kill('SIGKILL');
    await exit;
  }
}
