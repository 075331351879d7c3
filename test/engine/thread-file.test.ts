import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { workerFile } from '../../engine/pool/worker-pool.js';
import { threadFile } from '../../engine/thread-file.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A package root with dist/engine/pool/ holding the named files, each at the given mtime (seconds). */
function packageWith(files: Record<string, number>): string {
  const root = mkdtempSync(join(tmpdir(), 'segstream-thread-file-'));
  roots.push(root);
  const dir = join(root, 'dist', 'engine', 'pool');
  mkdirSync(dir, { recursive: true });
  for (const [name, mtime] of Object.entries(files)) {
    writeFileSync(join(dir, name), '');
    utimesSync(join(dir, name), mtime, mtime);
  }
  return root;
}

describe('threadFile', () => {
  it('finds the dist/ twin of a source module, and the entry beside a built one', () => {
    const root = packageWith({ 'worker.js': 1000 });
    const entry = join(root, 'dist', 'engine', 'pool', 'worker.js');
    expect(threadFile(pathToFileURL(join(root, 'engine', 'pool', 'worker-pool.ts')).href, 'worker')).toBe(entry);
    expect(threadFile(pathToFileURL(join(root, 'dist', 'engine', 'pool', 'worker-pool.js')).href, 'worker')).toBe(entry);
  });

  it('takes the bundle when it is at least as new as its entry, and passes over a stale one', () => {
    const fresh = packageWith({ 'worker.js': 1000, 'worker.bundle.js': 1000 });
    expect(threadFile(pathToFileURL(join(fresh, 'engine', 'pool', 'worker-pool.ts')).href, 'worker')).toBe(join(fresh, 'dist', 'engine', 'pool', 'worker.bundle.js'));
    // tsc ran again after the bundling: the entry is newer.
    const stale = packageWith({ 'worker.js': 2000, 'worker.bundle.js': 1000 });
    expect(threadFile(pathToFileURL(join(stale, 'engine', 'pool', 'worker-pool.ts')).href, 'worker')).toBe(join(stale, 'dist', 'engine', 'pool', 'worker.js'));
  });

  it('is null when nothing is built, even beside a bundle', () => {
    const root = packageWith({ 'worker.bundle.js': 1000 });
    expect(threadFile(pathToFileURL(join(root, 'engine', 'pool', 'worker-pool.ts')).href, 'worker')).toBeNull();
  });

  it('gives the pool the bundle `npm run build` makes', () => {
    // npm test builds first; after a bare `tsc` the bundle is stale and this fails until `npm run build`.
    expect(workerFile()).toMatch(/[\\/]dist[\\/]engine[\\/]pool[\\/]worker\.bundle\.js$/);
  });
});
