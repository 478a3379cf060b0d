/**
 * The gateway and the standalone store as child processes, for what only a process shows: a heap bound, a store
 * killed (SIGKILL) or hung (SIGSTOP) under a connected gateway, signals.
 *
 * The children run plain JavaScript: `buildSources()` transpiles `src/` with the `typescript` devDependency's
 * transpileModule into a temp dir (no type check; `npm run typecheck` does that) and the children resolve
 * packages from the repository's node_modules through NODE_PATH. Nothing is built in the repository.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const REPO = resolve(__dirname, '../../..');
const START_TIMEOUT_MS = 60_000;

export interface Child {
  proc: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals | null>;
  kill(signal?: NodeJS.Signals): void;
}

export interface Build {
  dir: string;
  startStore(options?: { args?: string[]; env?: Record<string, string> }): Promise<Child & { uri: string }>;
  startGateway(options: { env: Record<string, string>; nodeArgs?: string[] }): Promise<Child & { url: string; origin: string }>;
  /** A fresh directory under the system's temp directory (a data directory, say), removed by cleanup(). */
  tempDir(prefix: string): string;
  /** Kills every child still running (SIGKILL, SIGCONT first for a stopped one) and removes the build and its temp directories. */
  cleanup(): void;
}

/** Transpiles src/ once into a temp dir. */
export function buildSources(): Build {
  const dir = mkdtempSync(join(tmpdir(), 'tg-ops-'));
  transpileTree(join(REPO, 'src'), dir);
  // The schema is found by walking up from the compiled graphql module (src/graphql/schema.ts).
  symlinkSync(join(REPO, 'schema'), join(dir, 'schema'));
  const children: ChildProcess[] = [];
  const tempDirs: string[] = [];

  const spawnChild = (script: string, args: string[], env: Record<string, string>, nodeArgs: string[] = []): Child => {
    const proc = spawn(process.execPath, [...nodeArgs, join(dir, script), ...args], {
      env: { ...process.env, NODE_PATH: join(REPO, 'node_modules'), TRACEGATE_LOG_LEVEL: 'info', JEST_WORKER_ID: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(proc);
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.length > 200_000) err = err.slice(-100_000);
    });
    const exited = new Promise<number | NodeJS.Signals | null>((res) => proc.on('exit', (code, signal) => res(signal ?? code)));
    return { proc, stderr: () => err, exited, kill: (signal = 'SIGKILL') => proc.kill(signal) };
  };

  const waitFor = <T>(child: Child, stream: 'stdout' | 'stderr', pattern: RegExp, what: string): Promise<T & string> =>
    new Promise((resolveStart, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`${what} did not start within ${START_TIMEOUT_MS} ms; stderr:\n${child.stderr()}`)), START_TIMEOUT_MS);
      child.proc[stream]!.on('data', (d: Buffer) => {
        text += d.toString();
        const m = pattern.exec(text);
        if (m) {
          clearTimeout(timer);
          resolveStart(m[1] as T & string);
        }
      });
      void child.exited.then((how) => {
        clearTimeout(timer);
        reject(new Error(`${what} exited (${String(how)}) before it was ready; stderr:\n${child.stderr()}`));
      });
    });

  return {
    dir,
    async startStore(options = {}) {
      const child = spawnChild('src/embedded-mongo/cli.js', ['--port', '0', ...(options.args ?? [])], options.env ?? {});
      const uri = await waitFor<string>(child, 'stdout', /(mongodb:\/\/\S+)/, 'store');
      return Object.assign(child, { uri });
    },
    async startGateway(options) {
      const child = spawnChild('src/main.js', [], { PORT: '0', HOST: '127.0.0.1', TRACEGATE_OTLP_GRPC_PORT: '0', ...options.env }, options.nodeArgs);
      const url = await waitFor<string>(child, 'stderr', /Tracegate listening on (http:\/\/\S+)/, 'gateway');
      return Object.assign(child, { url, origin: new URL(url).origin });
    },
    tempDir(prefix) {
      const made = mkdtempSync(join(tmpdir(), prefix));
      tempDirs.push(made);
      return made;
    },
    cleanup() {
      for (const p of children) {
        if (p.exitCode === null && p.signalCode === null) {
          p.kill('SIGCONT');
          p.kill('SIGKILL');
        }
      }
      rmSync(dir, { recursive: true, force: true });
      for (const made of tempDirs) rmSync(made, { recursive: true, force: true });
    },
  };
}

// Private: every .ts file under `path` -> the same relative path under `out`, as CommonJS.
function transpileTree(path: string, out: string): void {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path)) transpileTree(join(path, name), out);
    return;
  }
  if (!path.endsWith('.ts') || path.endsWith('.d.ts')) return;
  const result = ts.transpileModule(readFileSync(path, 'utf8'), {
    fileName: path,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const target = join(out, relative(REPO, path)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, result.outputText);
}
