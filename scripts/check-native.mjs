#!/usr/bin/env node
// The addon's own checks, run by `npm test` between the linter and vitest: `cargo test` (the Rust
// unit tests in native/src) and `cargo clippy` with every warning an error.
//
// The addon is optional (DESIGN: without a Rust toolchain the engine runs the TypeScript kernels),
// so a machine without cargo or without clippy skips these checks with one line saying so; where
// the tools are there, any failure fails `npm test`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cargoSourceArgs } from './system-packages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** True when `cargo <args>` runs and exits 0 (used to probe for the tools, output discarded). */
function present(args) {
  const probe = spawnSync('cargo', args, { cwd: root, stdio: 'ignore' });
  return !probe.error && probe.status === 0;
}

for (const [tool, args] of [['cargo', ['--version']], ['cargo clippy', ['clippy', '--version']]]) {
  if (!present(args)) {
    console.log(`segstream: ${tool} not found, the Rust checks of native/ are skipped (install Rust with clippy to run them)`);
    process.exit(0);
  }
}

// The crates come from Debian's directory where it exists (offline), from crates.io elsewhere.
const source = cargoSourceArgs();
const steps = [
  ['cargo test', ['test', ...source, '--workspace']],
  ['cargo clippy', ['clippy', ...source, '--workspace', '--all-targets', '--', '-D', 'warnings']],
];
for (const [name, args] of steps) {
  const run = spawnSync('cargo', args, { cwd: root, stdio: 'inherit' });
  if (run.error || run.status !== 0) {
    console.error(`segstream: ${name} failed (${run.error ? run.error.message : `exit ${run.status ?? run.signal}`})`);
    process.exit(1);
  }
}
