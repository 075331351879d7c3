#!/usr/bin/env node
// The one place that names the Debian packages segstream needs and installs them. Run by `npm ci`
// (the `prepare` script, before the native build) and by hand: `node scripts/system-packages.mjs`.
//
// As root on a machine with apt-get it runs `apt-get update` once (only when a package is missing)
// and `apt-get install -y --no-install-recommends` for what is missing. Anywhere else (not root, no
// apt-get, a failed install) it prints one line naming what is missing and carries on: every package
// here is optional, and the project runs without them (the TypeScript kernels, no browser tests).
//
// It also owns the one fact the Rust build needs from them: where Debian puts its crates
// (`cargoSourceArgs`), so the build scripts point cargo there only when that directory exists.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where Debian's `librust-*-dev` packages install their crate sources (DESIGN "Rust here"). */
export const DEBIAN_CRATE_REGISTRY = '/usr/share/cargo/registry';

/**
 * The packages, one entry each: the Debian name and why the project needs it. The crate versions
 * that native/Cargo.toml pins are the ones these packages carry (Debian bookworm).
 */
export const SYSTEM_PACKAGES = [
  { name: 'librust-snap-dev', why: 'snappy pages of the native Parquet reader (snap 1.1)' },
  { name: 'librust-flate2-dev', why: 'gzip pages of the native Parquet reader (flate2 1.0)' },
  { name: 'librust-zstd-dev', why: 'zstd pages of the native Parquet reader (zstd 0.12, on the system libzstd)' },
  { name: 'libzstd-dev', why: 'the system libzstd that the zstd crate links' },
  { name: 'pkg-config', why: 'finds the system libzstd for the zstd crate' },
  { name: 'librust-hashbrown-dev', why: 'hash tables of the native interner and aggregation (hashbrown 0.12)' },
  { name: 'librust-ahash-dev', why: 'fast hashing of ids in the native kernels (ahash 0.7)' },
  { name: 'librust-rayon-dev', why: 'data parallelism inside the native kernels (rayon 1.6)' },
  { name: 'librust-memchr-dev', why: 'byte search in the native CSV scanner (memchr 2.5)' },
  { name: 'librust-bytemuck-dev', why: 'safe casts between byte buffers and typed columns (bytemuck 1.12)' },
  { name: 'librust-ryu-dev', why: 'shortest round-trip digits of doubles in the native JSON row writer of lookups (ryu 1.0)' },
  { name: 'librust-libc-dev', why: 'execve of the rescore\'s own image with glibc\'s malloc arena limit set (libc 0.2)' },
  { name: 'nats-server', why: 'the JetStream servers of cluster mode and its tests (scripts/nats-cluster.mjs; nats-server 2.9)' },
  { name: 'chromium', why: 'the browser the report and dashboard tests drive with playwright-core (test/browser)' },
];

/**
 * Packages only the benchmarks use, installed by `node scripts/system-packages.mjs --bench` (a bench
 * that needs one runs that itself), not by `npm ci`.
 */
export const BENCH_PACKAGES = [
  { name: 'wrk', why: 'the HTTP benchmarks\' load generator (bench/e2e/lib/wrk.ts): C, light enough not to be the bottleneck on the cores it shares with the server' },
];

/** True when the Debian package is installed (dpkg says `install ok installed`). */
function installed(name) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
  const q = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return !q.error && q.status === 0 && q.stdout.includes('install ok installed');
}

function hasApt() {
  const probe = spawnSync('apt-get', ['--version'], { stdio: 'ignore' });
  return !probe.error && probe.status === 0;
}

/**
 * Installs the missing packages where it can; never throws. Returns the names still missing after it
 * ran (empty when everything is there), having printed one line when any are.
 */
export function ensureSystemPackages({ packages = SYSTEM_PACKAGES, log = console.log } = {}) {
  if (!hasApt()) {
    log('segstream: no apt-get here, system packages not checked (the native addon and browser tests may be skipped)');
    return packages.map((p) => p.name);
  }
  let missing = packages.filter((p) => !installed(p.name)).map((p) => p.name);
  if (missing.length === 0) return missing;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && process.env.SEGSTREAM_SKIP_SYSTEM_PACKAGES !== '1') {
    const quiet = { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
    spawnSync('apt-get', ['update'], quiet);
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], quiet);
    missing = missing.filter((name) => !installed(name));
    if (missing.length === 0) {
      log(`segstream: installed system packages (${packages.length} checked)`);
      return missing;
    }
  }
  const how = root ? 'apt-get could not install them' : 'run `sudo node scripts/system-packages.mjs` to install them';
  log(`segstream: missing system packages ${missing.join(' ')} (${how}); continuing without them`);
  return missing;
}

/**
 * Arguments for cargo that read crates from Debian's directory instead of crates.io, offline — only
 * where that directory exists; elsewhere none, so a machine with a reachable registry builds as
 * usual. (`--config` flags rather than a config file: nothing is written into the repository, and
 * cargo reads no source replacement from environment variables.)
 */
export function cargoSourceArgs() {
  if (!existsSync(DEBIAN_CRATE_REGISTRY)) return [];
  return ['--config', 'source.crates-io.replace-with="debian"', '--config', `source.debian.directory="${DEBIAN_CRATE_REGISTRY}"`, '--offline'];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureSystemPackages(process.argv.includes('--bench') ? { packages: BENCH_PACKAGES } : {});
}
