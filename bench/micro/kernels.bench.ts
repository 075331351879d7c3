/**
 * Every kernel, TypeScript twin against the Rust addon, on the same columns: by default 2M rows
 * into 100k customers (`--scale small`: 200k into 10k). Prints a table and the native/TS time
 * ratio per kernel, and writes bench/results/kernels-<scale>.json. Asserts no time.
 *
 *   node --import tsx bench/micro/kernels.bench.ts [--scale small|default]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { IdIndex } from '../../engine/aggregate/id-index.js';
import { jsKernels } from '../../engine/kernels/js-kernels.js';
import type { Kernels } from '../../engine/kernels/kernels.js';
import { nativeKernelsOrReason } from '../../engine/kernels/load-kernels.js';

const scaleAt = process.argv.indexOf('--scale');
const scale = scaleAt >= 0 ? process.argv[scaleAt + 1]! : 'default';
const [ROWS, CUSTOMERS] = scale === 'small' ? [200_000, 10_000] : [2_000_000, 100_000];

const found = nativeKernelsOrReason();
if (!('kernels' in found)) {
  console.error(`native addon not available (${found.reason}); build it with npm run build:native`);
  process.exit(1);
}
const native = found.kernels;

// Columns of a skewed base: a few customers buy often, most once or twice, over two years.
let seed = 2024;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const cust = Int32Array.from({ length: ROWS }, () => Math.floor(rnd() ** 2 * CUSTOMERS));
const amount = Float64Array.from({ length: ROWS }, () => (rnd() < 0.08 ? -Math.round(rnd() * 5000) / 100 : Math.round(rnd() * 30000) / 100));
const idOf = Float64Array.from({ length: CUSTOMERS }, (_, c) => 1_000_000_007 + c * 7919);
const intIds = Float64Array.from(cust, (c) => idOf[c]!);
const textIds = ((): { bytes: Uint8Array; offsets: Int32Array; keys: string[] } => {
  const keys = Array.from(cust, (c) => `C${(c * 7919).toString(36).padStart(8, '0')}`);
  const enc = new TextEncoder();
  const offsets = new Int32Array(ROWS + 1);
  const bytes = new Uint8Array(ROWS * 9);
  let at = 0;
  keys.forEach((k, i) => {
    at += enc.encodeInto(k, bytes.subarray(at)).written;
    offsets[i + 1] = at;
  });
  return { bytes: bytes.subarray(0, at), offsets, keys };
})();
const scores = Float64Array.from({ length: CUSTOMERS }, () => Math.round(rnd() * 5000) / 10);

const out = new Int32Array(ROWS);

/** Each kernel as a pair of runs, TypeScript first. */
const kernels: { name: string; run: (k: Kernels) => void }[] = [
  { name: 'intern integer ids (Float64Array)', run: (k) => k.createInterner().internIds(intIds, out) },
  { name: 'intern text ids (Utf8 bytes + offsets)', run: (k) => k.createInterner().internUtf8(textIds.bytes, textIds.offsets, out) },
  { name: `quantileThresholds (${CUSTOMERS} values, k=5)`, run: (k) => k.quantileThresholds(scores, 5) },
  { name: `quantileThresholds (${ROWS} values, k=10)`, run: (k) => k.quantileThresholds(amount, 10) },
];

const bench = new Bench({ time: 1500, warmupTime: 300, warmupIterations: 3, iterations: 5 });
for (const { name, run } of kernels) {
  bench.add(`${name} | ts`, () => run(jsKernels));
  bench.add(`${name} | native`, () => run(native));
}
// Peer: what the Aggregator does today with parsed keys (a Map over CustomerKey values).
bench.add('intern text ids (Utf8 bytes + offsets) | engine IdIndex over JS strings', () => {
  const index = new IdIndex();
  for (let i = 0; i < ROWS; i++) out[i] = index.intern(textIds.keys[i]!);
});
await bench.run();

const meanMs = new Map<string, number>();
for (const task of bench.tasks) {
  const r = task.result;
  if ('latency' in r) meanMs.set(task.name, r.latency.mean);
}
console.table(
  bench.tasks.map((t) => ({ task: t.name, 'mean ms': meanMs.get(t.name)?.toFixed(2), samples: 'latency' in t.result ? t.result.latency.samplesCount : 0 })),
);
const ratios = kernels.map(({ name }) => {
  const [tsMs, nativeMs] = [meanMs.get(`${name} | ts`) ?? NaN, meanMs.get(`${name} | native`) ?? NaN];
  return { kernel: name, ts_ms: +tsMs.toFixed(3), native_ms: +nativeMs.toFixed(3), native_over_ts: +(nativeMs / tsMs).toFixed(3), speedup: +(tsMs / nativeMs).toFixed(2) };
});
console.table(ratios);

mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
const file = new URL(`../results/kernels-${scale}.json`, import.meta.url);
writeFileSync(
  file,
  JSON.stringify({ name: 'kernels', at: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, rows: ROWS, customers: CUSTOMERS, ratios, tasks: [...meanMs].map(([task, ms]) => ({ task, mean_ms: ms })) }, null, 2) + '\n',
);
console.log(`wrote ${file.pathname}`);
