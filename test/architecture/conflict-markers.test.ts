/**
 * No tracked file carries the markers an unresolved merge leaves (`<<<<<<< ours` ... `>>>>>>> theirs`): a
 * conflict resolved in a hurry must not reach main in docs or code. Reads the files git tracks in this checkout.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const MARKER = /^(<{7}|>{7})(?: |$)/;

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter((name) => name.length > 0);
}

describe('merge conflict markers', () => {
  it('no tracked text file holds a line opening or closing a conflict', () => {
    const files = trackedFiles();
    expect(files.length).toBeGreaterThan(100);
    const found: string[] = [];
    for (const name of files) {
      let text: string;
      try {
        text = readFileSync(join(ROOT, name), 'utf8');
      } catch {
        continue; // listed by git but gone from the working tree (a deletion not yet committed)
      }
      if (text.includes('\0')) continue; // binary
      text.split('\n').forEach((line, index) => {
        if (MARKER.test(line)) found.push(`${name}:${index + 1}: ${line.slice(0, 60)}`);
      });
    }
    expect(found).toEqual([]);
  });
});
