#!/usr/bin/env node
// Builds the optional Rust addon (native/) with @napi-rs/cli, falling back to plain cargo when the
// CLI is not installed (a production install). Run by `npm ci` (prepare) and `npm run build:native`.
//
// Without `--strict` it never fails: no cargo, or a failed build, only says once that the
// TypeScript kernels are in use, because the addon is optional and must never break an install.
// With `--strict` (npm run build:native) a failed build exits non-zero.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cargoSourceArgs } from './system-packages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');

function finish(ok, message) {
  if (ok) {
    console.log(`segstream: ${message}`);
    process.exit(0);
  }
  console.warn(`segstream: ${message}; the TypeScript kernels are in use`);
  process.exit(strict ? 1 : 0);
}

if (process.env.SEGSTREAM_SKIP_NATIVE === '1') finish(false, 'SEGSTREAM_SKIP_NATIVE=1, native addon not built');

const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
if (cargo.error || cargo.status !== 0) finish(false, 'cargo not found, native addon not built (install Rust, then npm run build:native)');

function napiCli() {
  try {
    const require = createRequire(import.meta.url);
    const pkgPath = require.resolve('@napi-rs/cli/package.json');
    const bin = require(pkgPath).bin;
    return join(dirname(pkgPath), typeof bin === 'string' ? bin : bin.napi);
  } catch {
    return null;
  }
}

// The name `napi build --platform` gives the file, which the loader (engine/kernels/native-binding.ts) looks for.
function platformFileName() {
  const base = `segstream.${process.platform}-${process.arch}`;
  if (process.platform === 'linux') return `${base}-gnu.node`;
  return process.platform === 'win32' ? `${base}-msvc.node` : `${base}.node`;
}

// Debian's crates (scripts/system-packages.mjs installs them) where they are; crates.io elsewhere.
const source = cargoSourceArgs();
const cli = napiCli();
const run = cli
  ? spawnSync(process.execPath, [cli, 'build', '--release', '--platform', '--manifest-path', 'native/Cargo.toml', '--output-dir', 'native', '--no-js', '--', ...source], { cwd: root, stdio: 'inherit' })
  : spawnSync('cargo', ['build', '--release', '--manifest-path', 'native/Cargo.toml', ...source], { cwd: root, stdio: 'inherit' });
if (run.error || run.status !== 0) finish(false, 'native addon build failed (crates missing? run `node scripts/system-packages.mjs` as root)');

if (!cli) {
  const lib = { linux: 'libsegstream_native.so', darwin: 'libsegstream_native.dylib', win32: 'segstream_native.dll' }[process.platform];
  const built = join(root, 'target', 'release', lib ?? '');
  if (!lib || !existsSync(built)) finish(false, `cargo built no ${lib ?? 'library'}`);
  copyFileSync(built, join(root, 'native', platformFileName()));
}
finish(true, `native addon built (native/${platformFileName()})`);
