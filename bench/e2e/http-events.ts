/**
 * POST /v1/events in batches of 10,000 rows (JSON array, then an Arrow stream) with fsync on, from several concurrent
 * connections so group commit has something to group: rows/s accepted and latency per batch.
 * Prints a table and writes bench/results/http-events.json; asserts nothing.
 *
 *   node --import tsx bench/e2e/http-events.ts [--customers 100000] [--connections 8] [--duration 10] [--batch 10000]
 */
import { rm } from 'node:fs/promises';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { join } from 'node:path';
import { benchData, flag, load, report, spawnSegstream } from './http-harness.js';

const customers = Number(flag('customers', '100000'));
const connections = Number(flag('connections', '8'));
const duration = Number(flag('duration', '10'));
const batch = Number(flag('batch', '10000'));
const { dataDir } = await benchData(customers);

const day = Date.parse('2026-07-01T00:00:00Z');
const rows = Array.from({ length: batch }, (_, i) => ({
  customer_id: 1 + ((i * 7919) % customers),
  ts: new Date(day + i * 1000).toISOString(),
  amount: Math.round(1000 + (i % 97) * 37) / 100,
}));
const body = JSON.stringify(rows);
const arrowBody = Buffer.from(
  tableToIPC(
    tableFromArrays({
      customer_id: Int32Array.from(rows, (r) => r.customer_id),
      ts: Float64Array.from(rows, (r) => Date.parse(r.ts)),
      amount: Float64Array.from(rows, (r) => r.amount),
    }),
    'stream',
  ),
);
// Start from an empty log, so earlier runs' events are not replayed into this one.
await rm(join(dataDir, 'wal'), { recursive: true, force: true });
async function fsyncCount(url: string): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  return Number(/segstream_wal_fsync_duration_seconds_count (\d+)/.exec(metrics)?.[1] ?? 0);
}

const seg = await spawnSegstream(dataDir);
try {
  const results = [];
  for (const [type, payload] of [['application/json', body], ['application/vnd.apache.arrow.stream', arrowBody]] as const) {
    const before = await fsyncCount(seg.url);
    const r = await load(`events, ${batch} rows per request, ${type.split('/')[1]}`, {
      url: `${seg.url}/v1/events`,
      method: 'POST',
      headers: { 'content-type': type },
      body: payload,
      connections,
      duration,
    });
    results.push({ ...r, rows_per_second: Math.round((r.requests * batch) / duration), fsyncs: (await fsyncCount(seg.url)) - before, body_bytes: payload.length });
  }
  await report('http-events', { customers, connections, duration_s: duration, batch_rows: batch }, results);
} finally {
  seg.child.kill('SIGTERM');
}
