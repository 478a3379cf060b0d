/**
 * The import rule (layers.ts): no cycle between source files, no import from a lower layer into a higher one,
 * standalone folders import nothing of the gateway, and outside a folder (at any depth) nothing reaches past its
 * index.ts.
 * Reads the imports with the TypeScript compiler's own pre-processor (type-only imports count too).
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { KNOWN_CYCLES, KNOWN_DEEP_IMPORTS, KNOWN_UPWARD_IMPORTS, LAYERS, STANDALONE, STANDALONE_MAY_IMPORT } from './layers';

const ROOT = resolve(__dirname, '../..');
const posix = (p: string): string => p.split(sep).join('/');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [posix(relative(ROOT, full))] : [];
  });
}

// Private: a relative import specifier -> the source file it names (src/x.ts or src/x/index.ts).
function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = posix(relative(ROOT, resolve(ROOT, dirname(from), specifier)));
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) {
    if (existsSync(join(ROOT, candidate)) && statSync(join(ROOT, candidate)).isFile()) return candidate;
  }
  return undefined;
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles.map((f) => resolveImport(file, f.fileName)).filter((f): f is string => f !== undefined);
}

const under = (file: string, path: string): boolean => file === path || file.startsWith(`${path}/`);

function layerOf(file: string): number | undefined {
  let best: { index: number; length: number } | undefined;
  LAYERS.forEach((layer, index) => {
    for (const path of layer.paths) if (under(file, path) && (!best || path.length > best.length)) best = { index, length: path.length };
  });
  return best?.index;
}

const files = sourceFiles(join(ROOT, 'src'));
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const standalone = (file: string): string | undefined => STANDALONE.find((path) => under(file, path));

describe('the import rule (test/architecture/layers.ts)', () => {
  it('places every source file in a layer or a standalone folder', () => {
    expect(files.filter((f) => layerOf(f) === undefined && !standalone(f))).toEqual([]);
  });

  it('has no upward import: a module imports its own layer and the ones below it', () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      const from = layerOf(file);
      if (from === undefined) continue;
      for (const target of imports) {
        const to = layerOf(target);
        if (to !== undefined && to > from) upward.push(`${file} -> ${target}  (${LAYERS[from]!.name} imports ${LAYERS[to]!.name})`);
      }
    }
    const unlisted = upward.filter((line) => !KNOWN_UPWARD_IMPORTS.includes(line.split('  (')[0]!));
    const gone = KNOWN_UPWARD_IMPORTS.filter((entry) => !upward.some((line) => line.startsWith(`${entry}  (`)));
    expect({ unlisted, gone }).toEqual({ unlisted: [], gone: [] });
  });

  it('keeps standalone folders standalone, and reaches them only through their index.ts', () => {
    const wrong: string[] = [];
    for (const [file, imports] of graph) {
      const own = standalone(file);
      for (const target of imports) {
        if (own && !under(target, own) && !STANDALONE_MAY_IMPORT.includes(target)) wrong.push(`${file} -> ${target} (standalone ${own} imports the gateway)`);
        const theirs = standalone(target);
        if (!own && theirs && target !== `${theirs}/index.ts`) wrong.push(`${file} -> ${target} (past ${theirs}/index.ts)`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('reaches into a folder from outside it only through its index.ts, at any depth', () => {
    // The folders holding `target` (src/a, src/a/b, ...), outermost first.
    const foldersOf = (target: string): string[] => target.split('/').slice(1, -1).map((_, i, parts) => ['src', ...parts.slice(0, i + 1)].join('/'));
    const past: string[] = [];
    for (const [file, imports] of graph) {
      // Generated code names the files codegen.yml maps types from.
      if (under(file, 'src/generated')) continue;
      for (const target of imports) {
        const entered = foldersOf(target).find((folder) => !under(file, folder) && graph.has(`${folder}/index.ts`) && target !== `${folder}/index.ts`);
        if (entered) past.push(`${file} -> ${target}`);
      }
    }
    const unlisted = past.filter((line) => !KNOWN_DEEP_IMPORTS.includes(line));
    const gone = KNOWN_DEEP_IMPORTS.filter((entry) => !past.includes(entry));
    expect({ unlisted, gone }).toEqual({ unlisted: [], gone: [] });
  });

  it('has no import cycle between source files', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file);
    const unlisted = cycles.filter((cycle) => !KNOWN_CYCLES.includes(cycle));
    const gone = KNOWN_CYCLES.filter((cycle) => !cycles.includes(cycle));
    expect({ unlisted, gone }).toEqual({ unlisted: [], gone: [] });
  });
});
