/**
 * GET /v1/customers/:id with random ids over an N-customer snapshot (default 1,000,000), next to
 * a bare fastify hello-world on the same machine in the same run; then the same lookups while a
 * rescore job runs. Prints a table and writes bench/results/http-lookups.json; asserts nothing.
 *
 *   node --import tsx bench/e2e/http-lookups.ts [--customers 1000000] [--dir DIR] [--connections 100] [--duration 10]
 */
import { dirname } from 'node:path';
import type autocannon from 'autocannon';
import { loadSnapshot } from '../../engine/snapshot/snapshot-store.js';
import { benchData, flag, load, report, spawnHello, spawnSegstream } from './http-harness.js';

const customers = Number(flag('customers', '1000000'));
const connections = Number(flag('connections', '100'));
const duration = Number(flag('duration', '10'));
const { dataDir, input } = await benchData(customers);

// Ids to ask for: a random sample of the snapshot's own ids (canonical text).
const ids = await (async () => {
  const col = (await loadSnapshot(dataDir)).customers.getChild('customer_id')!;
  return Array.from({ length: 100_000 }, () => String(col.get(Math.floor(Math.random() * col.length))));
})();
let next = 0;
const randomLookup: autocannon.Request = { method: 'GET', setupRequest: (req) => ({ ...req, path: `/v1/customers/${encodeURIComponent(ids[next++ % ids.length]!)}` }) };

const hello = await spawnHello();
// Jobs read only inside --input-root folders (DESIGN "Real-time path").
const seg = await spawnSegstream(dataDir, {}, ['--input-root', dirname(input)]);
const results = [];
try {
  await load('warm-up', { url: seg.url, connections, duration: 2, requests: [randomLookup] });
  results.push(await load('fastify hello-world', { url: `${hello.url}/hello`, connections, duration }));
  const idle = await load('lookup, idle', { url: seg.url, connections, duration, requests: [randomLookup] });
  results.push(idle);
  const job = await fetch(`${seg.url}/v1/jobs/rescore`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input }) });
  const { id } = (await job.json()) as { id: string };
  const busy = await load('lookup, rescore running', { url: seg.url, connections, duration, requests: [randomLookup] });
  const state = (await (await fetch(`${seg.url}/v1/jobs/${id}`)).json()) as { status: string };
  results.push({ ...busy, name: `${busy.name} (job ${state.status} at the end)` });
  const h = results[0]!;
  await report('http-lookups', {
    customers,
    connections,
    duration_s: duration,
    lookup_vs_hello_rps: Number((idle.requests_per_second / h.requests_per_second).toFixed(3)),
    lookup_p99_vs_hello_p99: Number((idle.p99_ms / Math.max(1, h.p99_ms)).toFixed(2)),
    p99_during_rescore_vs_idle: Number((busy.p99_ms / Math.max(1, idle.p99_ms)).toFixed(2)),
  }, results);
} finally {
  hello.child.kill('SIGTERM');
  seg.child.kill('SIGTERM');
}
