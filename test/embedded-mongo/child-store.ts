/**
 * The standalone store as a child process, for tests that need a process of its own (SIGKILL, a file size limit,
 * a small heap): `buildStore()` transpiles the store's sources (src/embedded-mongo, src/log.ts) with the
 * `typescript` devDependency into a temp dir (no type check; `npm run typecheck` does that), and the child
 * resolves packages from the repository's node_modules through NODE_PATH. Nothing is built in the repository.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const REPO = resolve(__dirname, '../..');
const SOURCES = [join(REPO, 'src/embedded-mongo'), join(REPO, 'src/log.ts')];
const START_TIMEOUT_MS = 60_000;

export interface StoreChild {
  proc: ChildProcess;
  uri: string;
  stderr: () => string;
  exited: Promise<NodeJS.Signals | number | null>;
}

export interface StoreBuild {
  /** A fresh directory under the build's work directory. */
  dir(name: string): string;
  /** Starts `cli.js` with `args`, optionally behind a command prefix (e.g. `prlimit --fsize=N`). */
  start(args: string[], options?: { env?: Record<string, string>; prefix?: string[] }): Promise<StoreChild>;
  /** Kills every child still running and removes the work directory. */
  cleanup(): void;
}

export function buildStore(): StoreBuild {
  const work = mkdtempSync(join(tmpdir(), 'tg-child-store-'));
  const build = join(work, 'build');
  const transpile = (path: string): void => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path)) transpile(join(path, name));
      return;
    }
    if (!path.endsWith('.ts')) return;
    const out = ts.transpileModule(readFileSync(path, 'utf8'), {
      fileName: path,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    const target = join(build, relative(REPO, path)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  };
  for (const source of SOURCES) transpile(source);
  const cli = join(build, 'src/embedded-mongo/cli.js');
  const children: ChildProcess[] = [];
  return {
    dir(name) {
      const d = join(work, name);
      mkdirSync(d, { recursive: true });
      return d;
    },
    start(args, options = {}) {
      const [command, ...prefixArgs] = [...(options.prefix ?? []), process.execPath];
      const proc = spawn(command!, [...prefixArgs, cli, ...args], {
        env: { ...process.env, NODE_PATH: join(REPO, 'node_modules'), TRACEGATE_LOG_LEVEL: 'info', ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(proc);
      let out = '';
      let err = '';
      proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<NodeJS.Signals | number | null>((res) => proc.on('exit', (code, signal) => res(signal ?? code)));
      return new Promise<StoreChild>((resolveStart, reject) => {
        const timer = setTimeout(() => reject(new Error(`store did not print its URI within ${START_TIMEOUT_MS} ms; stderr:\n${err}`)), START_TIMEOUT_MS);
        proc.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /mongodb:\/\/\S+/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolveStart({ proc, uri: m[0], stderr: () => err, exited });
          }
        });
        void exited.then((how) => {
          clearTimeout(timer);
          reject(new Error(`store exited (${String(how)}) before printing its URI; stderr:\n${err}`));
        });
      });
    },
    cleanup() {
      for (const p of children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      rmSync(work, { recursive: true, force: true });
    },
  };
}
