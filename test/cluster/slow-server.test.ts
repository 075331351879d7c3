/**
 * A JetStream server that answers late: the rescore's object store and KV calls wait for it as long
 * as the rescore's request timeout (REQUEST_TIMEOUT_MS.rescore), not the NATS libraries' own 5 s.
 * The 10M-row three-node rescore on a loaded machine had score tasks fail on all four deliveries
 * with `timeout`: the KV and object store clients were made from the connection, which gives them a
 * JetStream client of their own with the library's 5 s default, so a part's chunk or a task's
 * record that took longer to replicate failed (three tries: 15 s). Here the server is stopped
 * (SIGSTOP) for longer than those 15 s while a part is stored, a record put and a part read.
 * Fails, never skips, without nats-server.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { connectCluster, type NatsCluster, REQUEST_TIMEOUT_MS, retryTimeouts } from '../../engine/cluster/nats-connection.js';
import { getRequired, openPartialStore, putObject } from '../../engine/cluster/partial-store.js';
import { jobBucket } from '../../engine/cluster/task-queue.js';

const PORT = 16522;
/** Longer than three tries of the libraries' 5 s default, well inside the rescore's 30 s. */
const STALL_MS = 17_000;
let dir: string;
let nats: { servers: string[]; stop(): Promise<void> };
let cluster: NatsCluster;
let pid: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'segstream-cluster-slow-'));
  const script = '../../scripts/nats-cluster.mjs';
  const { startNatsCluster } = (await import(script)) as { startNatsCluster: (o: { dir: string; port: number; nodes: number }) => Promise<typeof nats> };
  nats = await startNatsCluster({ dir: join(dir, 'nats'), port: PORT, nodes: 1 });
  pid = (JSON.parse(readFileSync(join(dir, 'nats', 'pids.json'), 'utf8')) as number[])[0]!;
  cluster = await connectCluster({ servers: nats.servers, node: 'slow', shards: 4 }, REQUEST_TIMEOUT_MS.rescore);
}, 60_000);

afterAll(async () => {
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // gone already
  }
  await cluster?.close().catch(() => undefined);
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('object store puts and gets and KV puts wait out a server that stalls past the libraries\' default timeout', async () => {
  const store = await openPartialStore(cluster);
  const kv = await jobBucket(cluster);
  // A part of a few chunks (960 KiB each), bytes that tell any misplaced chunk.
  const part = new Uint8Array(3_000_000);
  for (let i = 0; i < part.length; i++) part[i] = (i * 2654435761) >>> 24;
  await putObject(store, 'job/part/0', part);

  process.kill(pid, 'SIGSTOP');
  const started = performance.now();
  const put = putObject(store, 'job/part/1', part.subarray(1000));
  const record = retryTimeouts(() => kv.put('job.part.1', JSON.stringify({ size: 1 })));
  const read = getRequired(store, 'job/part/0');
  // Settled before the server comes back: they must not have given up meanwhile.
  const outcomes = Promise.allSettled([put, record, read]);
  await new Promise((r) => setTimeout(r, STALL_MS));
  process.kill(pid, 'SIGCONT');
  const [p, k, g] = await outcomes;
  expect(performance.now() - started).toBeGreaterThanOrEqual(STALL_MS);
  expect(p.status, p.status === 'rejected' ? String(p.reason) : '').toBe('fulfilled');
  expect(k.status, k.status === 'rejected' ? String(k.reason) : '').toBe('fulfilled');
  expect(g.status, g.status === 'rejected' ? String(g.reason) : '').toBe('fulfilled');
  expect(Buffer.compare(Buffer.from((g as PromiseFulfilledResult<Uint8Array>).value), Buffer.from(part))).toBe(0);
  expect(Buffer.compare(Buffer.from(await getRequired(store, 'job/part/1')), Buffer.from(part.subarray(1000)))).toBe(0);
  expect((await kv.get('job.part.1'))?.string()).toBe('{"size":1}');
  // Objects are read with message gets: no consumer is made (the client's get made one per object, and a loaded 2.9 server could not keep up).
  expect((await cluster.jsm.streams.info('OBJ_segstream-partials')).state.consumer_count).toBe(0);
}, 90_000);
