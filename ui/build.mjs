#!/usr/bin/env node
// Builds the web UI into dist/ui with Vite, unless nothing it is built from changed since the last build
// (a digest of ui/ and package-lock.json kept in dist/ui/.build-digest). `--force` always builds.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const uiDir = fileURLToPath(new URL('.', import.meta.url));
const root = join(uiDir, '..');
const outDir = join(root, 'dist', 'ui');
const stampFile = join(outDir, '.build-digest');

function digest() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else hash.update(relative(root, full)).update('\0').update(readFileSync(full)).update('\0');
    }
  };
  walk(uiDir);
  hash.update(readFileSync(join(root, 'package-lock.json')));
  return hash.digest('hex');
}

const wanted = digest();
const force = process.argv.includes('--force');
if (!force && existsSync(join(outDir, 'index.html')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted) {
  process.stdout.write('web UI: up to date in dist/ui\n');
} else {
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(uiDir, 'vite.config.mjs') });
  writeFileSync(stampFile, wanted);
  process.stdout.write(`web UI: built into dist/ui in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
