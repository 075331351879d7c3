/**
 * The swap to a new snapshot while live events are logged: how long the server's event loop
 * is held at once while the logged rows are re-applied to the new state (issue 11: lookups
 * during and after a rescore job keep their p99 within 2x of idle). A store on a copy of the
 * 1M-customer base logs --rows rows (10,000 a request, fsynced), then swaps to the same snapshot,
 * which re-applies every logged row, while a 1 ms interval records the gaps between its turns:
 * the longest gap is the longest time a request would have waited. Prints a table and writes
 * bench/results/live-swap.json; asserts nothing.
 *
 *   node --import tsx bench/e2e/live-swap.ts [--customers 1000000] [--rows 2000000] [--rounds 3]
 */
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveStore } from '../../engine/live/live-store.js';
import type { TxBatch } from '../../engine/parse/parse-batch.js';
import { benchData, flag, report } from './http-harness.js';

const customers = Number(flag('customers', '1000000'));
const rows = Number(flag('rows', '2000000'));
const rounds = Number(flag('rounds', '3'));
const BATCH = 10_000;

const shared = await benchData(customers);
const dataDir = join(tmpdir(), `segstream-bench-live-swap-${customers}`, 'data');
await rm(dataDir, { recursive: true, force: true });
const id = (await readFile(join(shared.dataDir, 'CURRENT'), 'utf8')).trim();
await mkdir(join(dataDir, 'snapshots', id), { recursive: true });
for (const name of await readdir(join(shared.dataDir, 'snapshots', id))) {
  if (name !== 'wal.json') await copyFile(join(shared.dataDir, 'snapshots', id, name), join(dataDir, 'snapshots', id, name));
}
await writeFile(join(dataDir, 'CURRENT'), id);

const store = await LiveStore.open({ dataDir });
const day = Date.parse('2026-07-01T00:00:00Z');
for (let at = 0; at < rows; at += BATCH) {
  const batch: TxBatch = {
    length: BATCH,
    ids: Array.from({ length: BATCH }, (_, i) => 1 + (((at + i) * 7919) % customers)),
    ts: Float64Array.from({ length: BATCH }, (_, i) => day + (at + i) * 10),
    amount: Float64Array.from({ length: BATCH }, (_, i) => 10 + ((at + i) % 97)),
    margin: null,
  };
  await store.ingest(batch);
}

const results: object[] = [];
for (let round = 1; round <= rounds; round++) {
  const gaps: number[] = [];
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, 1);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // The same snapshot again: no marker, so every logged row is re-applied to the new state.
  await store.install(id);
  const wall = performance.now() - t0;
  clearInterval(tick);
  gaps.push(performance.now() - last);
  gaps.sort((a, b) => a - b);
  const gap = (q: number) => Number(gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))]!.toFixed(1));
  const cpu = process.cpuUsage(cpu0);
  results.push({
    round,
    logged_rows: rows,
    live_customers: store.ready().liveCustomers,
    swap_ms: Math.round(wall),
    cpu_s: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    loop_turns: gaps.length,
    gap_p50_ms: gap(0.5),
    gap_p99_ms: gap(0.99),
    gap_max_ms: Number(gaps.at(-1)!.toFixed(1)),
    load_average: Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]),
  });
}
await store.close();
await report('live-swap', { customers, rows }, results);
