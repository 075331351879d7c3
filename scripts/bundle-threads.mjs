#!/usr/bin/env node
// Bundles each worker thread's entry in dist/ into one file beside it (`<name>.bundle.js`); run by
// `npm run build` after tsc. A thread that loads one file instead of its ~220 modules (146 of them
// apache-arrow's) starts in ~45 ms of CPU instead of ~245: on two cores, the two pool workers'
// starts fell inside the read they should be doing (issue 10). engine/thread-file.ts uses a
// bundle only when it is at least as new as its entry, so a tsc run without this step never
// runs stale code. parquet-wasm (it finds its .wasm beside itself) and the addon stay outside.
import { build } from 'esbuild';

const ENTRIES = ['engine/pool/worker', 'engine/rescore/model-thread-main'];

await build({
  entryPoints: Object.fromEntries(ENTRIES.map((entry) => [`${entry}.bundle`, `dist/${entry}.js`])),
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['parquet-wasm', '*.node'],
  // The CommonJS packages inside call require; an ES module has none of its own.
  banner: { js: "import { createRequire as __segstreamRequire } from 'node:module'; const require = __segstreamRequire(import.meta.url);" },
  logLevel: 'warning',
});
