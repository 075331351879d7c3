/**
 * The swap to a new snapshot while live events are logged: how long the server's event loop
 * is held at once while the new state is built and the logged rows are re-applied to it (issue
 * 11: lookups during and after a rescore job keep their p99 within 2x of idle). A store on a copy
 * of the 1M-customer base logs --rows rows (10,000 a request, fsynced, dated after the snapshot's
 * as_of), then swaps while a 1 ms interval records the gaps between its turns: the longest gap is
 * the longest time a request would have waited, and the process CPU in it (user + system, so the
 * collector's threads too) tells work from a busy machine's preemption.
 *
 * By default each round swaps to the same snapshot, which re-applies every logged row from the
 * log. With --job each round is a job's end as a server sees it: half the rows are logged before
 * the log is sealed and half after, a copy of the base is published under a new id marked folded
 * through the seal, and the swap moves the sealed segments to the event archive and re-applies
 * every row (they are dated after as_of) from the archive and the log. Prints a table and writes
 * bench/results/live-swap.json; asserts nothing.
 *
 *   node --import tsx bench/e2e/live-swap.ts [--customers 1000000] [--rows 2000000] [--rounds 3] [--job]
 */
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveStore } from '../../engine/live/live-store.js';
import type { TxBatch } from '../../engine/parse/parse-batch.js';
import { writeFoldedMarker } from '../../engine/wal/folded-marker.js';
import { benchData, flag, report } from './http-harness.js';

const customers = Number(flag('customers', '1000000'));
const rows = Number(flag('rows', '2000000'));
const rounds = Number(flag('rounds', '3'));
const atJobEnd = process.argv.includes('--job');
const BATCH = 10_000;

const shared = await benchData(customers);
const dataDir = join(tmpdir(), `segstream-bench-live-swap-${customers}`, 'data');
await rm(dataDir, { recursive: true, force: true });
const id = (await readFile(join(shared.dataDir, 'CURRENT'), 'utf8')).trim();
/** A copy of the base snapshot under `as`, marked folded through log segment `through` when > 0. */
async function publish(as: string, through: number): Promise<void> {
  await mkdir(join(dataDir, 'snapshots', as), { recursive: true });
  for (const name of await readdir(join(shared.dataDir, 'snapshots', id))) {
    if (name !== 'wal.json') await copyFile(join(shared.dataDir, 'snapshots', id, name), join(dataDir, 'snapshots', as, name));
  }
  if (through > 0) await writeFoldedMarker(join(dataDir, 'snapshots', as), through);
}
await publish(id, 0);
await writeFile(join(dataDir, 'CURRENT'), id);

const store = await LiveStore.open({ dataDir });
const day = Date.parse('2026-07-01T00:00:00Z');
let logged = 0;
async function log(n: number): Promise<void> {
  for (const end = logged + n; logged < end; logged += BATCH) {
    const at = logged;
    const batch: TxBatch = {
      length: BATCH,
      ids: Array.from({ length: BATCH }, (_, i) => 1 + (((at + i) * 7919) % customers)),
      ts: Float64Array.from({ length: BATCH }, (_, i) => day + (at + i) * 10),
      amount: Float64Array.from({ length: BATCH }, (_, i) => 10 + ((at + i) % 97)),
      margin: null,
    };
    await store.ingest(batch);
  }
}

const results: object[] = [];
for (let round = 1; round <= rounds; round++) {
  let target = id;
  if (atJobEnd) {
    await log(rows / 2);
    const sealed = await store.wal.rotate();
    await log(rows / 2);
    // Ids sort in creation order: each round's snapshot is newer than the last.
    target = `${id.slice(0, 9)}9${String(round).padStart(5, '0')}000Z-bench`;
    await publish(target, sealed);
  } else if (round === 1) await log(rows);
  // The derives of the rows just logged are done before the swap starts.
  await new Promise((r) => setTimeout(r, 1000));
  const gaps: number[] = [];
  const gapCpu: number[] = [];
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  const tick = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    gaps.push(now - last);
    gapCpu.push((cpu.user + cpu.system) / 1000);
    last = now;
    lastCpu = process.cpuUsage();
  }, 1);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // Without --job, the same snapshot again: no marker, so every logged row is re-applied to the new state.
  await store.install(target);
  const wall = performance.now() - t0;
  clearInterval(tick);
  gaps.push(performance.now() - last);
  gaps.sort((a, b) => a - b);
  gapCpu.sort((a, b) => a - b);
  const gap = (q: number) => Number(gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))]!.toFixed(1));
  const cpu = process.cpuUsage(cpu0);
  results.push({
    round,
    logged_rows: logged,
    live_customers: store.ready().liveCustomers,
    swap_ms: Math.round(wall),
    cpu_s: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    loop_turns: gaps.length,
    gap_p50_ms: gap(0.5),
    gap_p99_ms: gap(0.99),
    gap_max_ms: Number(gaps.at(-1)!.toFixed(1)),
    gaps_over_10_ms: gaps.filter((g) => g > 10).length,
    gap_cpu_max_ms: Number(gapCpu.at(-1)!.toFixed(1)),
    gaps_over_10_ms_cpu: gapCpu.filter((c) => c > 10).length,
    load_average: Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]),
  });
}
await store.close();
await report('live-swap', { customers, rows, job: atJobEnd }, results);
