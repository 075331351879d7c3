/**
 * The nightly rescore across a three-node JetStream cluster on loopback (scripts/nats-cluster.mjs):
 * its snapshot equals the single machine's field for field (integer ids from the generator's
 * Parquet; text ids, line items, returns and quoted CSV fields), and a node SIGKILLed mid-task has
 * its task redelivered while the live pointer stays on the complete snapshot before it.
 * Fails, never skips, without nats-server.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { archiveBatches, ensureEventStreams, eventStream, openArchive, publishRows, streamBatches } from '../../engine/cluster/event-stream.js';
import { type NatsCluster, connectCluster } from '../../engine/cluster/nats-connection.js';
import { assignShards, shardOf } from '../../engine/cluster/shard-map.js';
import type { TxBatch } from '../../engine/parse/parse-batch.js';
import { readLivePointer, clusterRescore, SNAPSHOT_BUCKET } from '../../engine/cluster/rescore-cluster.js';
import { type RescoreNode, startRescoreNode } from '../../engine/cluster/rescore-node.js';
import { jobBucket, jobKey, OWNED_STREAM, TASK_STREAM } from '../../engine/cluster/task-queue.js';
import { generate } from '../../engine/generate/index.js';
import { parseMapFlag, buildColumnMap } from '../../engine/read/column-map.js';
import { parseConfig } from '../../engine/config/load-config.js';
import { rescore } from '../../engine/rescore/rescore.js';
import { byId, clusterCustomers, comparableManifest, liveCustomers, type NatsTestCluster, startTestCluster, writeLineItemCsv } from './rescore-helpers.js';

const PORT = 16322;
const CLI = join(import.meta.dirname, '../../dist/cli/segstream.js');
let dir: string;
let nats: NatsTestCluster;
const clients: NatsCluster[] = [];

const connect = async (node: string): Promise<NatsCluster> => {
  const c = await connectCluster({ servers: nats.servers, node, shards: 8 });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'segstream-cluster-rescore-'));
  nats = await startTestCluster(join(dir, 'nats'), PORT);
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Rescores `input` on one machine and on the cluster (coordinator a + nodes b, c in this process),
 * returns both snapshots. The cluster starts without a live snapshot, as the single machine does
 * (a previous snapshot warm-starts the models and gives tiers their grace).
 */
async function bothWays(name: string, input: string, extra: { columns?: ReturnType<typeof buildColumnMap>; minShareBytes?: number } = {}) {
  const single = join(dir, `${name}-single`);
  const clustered = join(dir, `${name}-cluster`);
  const common = { input, asOf: '2026-06-30', ...(extra.columns ? { columns: extra.columns } : {}) };
  await rescore({ ...common, dataDir: single });
  const a = await connect(`${name}-a`);
  await (await jobBucket(a)).delete(jobKey.live);
  const others: RescoreNode[] = [];
  for (const n of ['b', 'c']) others.push(await startRescoreNode(await connect(`${name}-${n}`)));
  const summary = await clusterRescore({ ...common, dataDir: clustered, cluster: a, tasks: 6, ...(extra.minShareBytes ? { minShareBytes: extra.minShareBytes } : {}) });
  for (const n of others) await n.stop();
  return { summary, single: await liveCustomers(single), cluster: await clusterCustomers(a), a };
}

describe('cluster rescore', () => {
  test('integer ids (three Parquet files): the snapshot equals the single machine field for field', async () => {
    // Three files of overlapping customers: one task per file at least, customers merged across them.
    const input = join(dir, 'pq');
    mkdirSync(input);
    for (const seed of [11, 12, 13]) await generate({ customers: 6_000, transactions: 40_000, format: 'parquet', seed, out: join(input, `tx-${seed}.parquet`) });
    const { summary, single, cluster, a } = await bothWays('pq', input);
    expect(summary.cluster.tasks).toBeGreaterThan(1);
    expect(summary.cluster.pack_bytes).toBeGreaterThan(0);
    expect(Object.keys(summary.cluster.nodes).length).toBeGreaterThan(1);
    expect(cluster.rows.length).toBe(6_000);
    expect(cluster.columns).toEqual(single.columns);
    // Written by the nodes, one part per shard; the same customers with the same values.
    expect(cluster.parts).toBe(8);
    expect(byId(cluster.rows)).toEqual(byId(single.rows));
    expect(comparableManifest(cluster.manifest)).toEqual(comparableManifest(single.manifest));
    // Each shard's merge and score ran on its owner for the job: the rendezvous owner among the three workers.
    const owners = assignShards(8, ['pq-a', 'pq-b', 'pq-c']);
    const jobs = await jobBucket(a);
    for (let shard = 0; shard < 8; shard++) {
      expect((await jobs.get(jobKey.part(summary.cluster.job, shard)))?.json<{ node: string }>().node).toBe(owners[shard]);
      expect((await jobs.get(jobKey.scored(summary.cluster.job, shard)))?.json<{ node: string }>().node).toBe(owners[shard]);
    }
    // Thresholds and model fits exact, not close.
    expect(cluster.manifest['thresholds']).toEqual(single.manifest['thresholds']);
    expect(cluster.manifest['models']).toEqual(single.manifest['models']);
    expect((single.manifest['models'] as { bgnbd: unknown }).bgnbd).not.toBeNull();
    // The pointer names this snapshot, and every object it lists is in the store with its size.
    const live = await readLivePointer(a);
    expect(live?.snapshot).toBe(summary.snapshot);
    const store = await a.objectStore(SNAPSHOT_BUCKET);
    for (const o of live!.objects) expect((await store.info(o.name))?.size).toBe(o.size);
    expect(live!.objects.map((o) => o.name.split('/').pop())).toContain('manifest.json');
    // The CLI shows it, and pulls it into a local data folder for the single machine's commands.
    const urls = nats.servers.join(',');
    const status = JSON.parse(execFileSync(process.execPath, [CLI, 'cluster', 'status', '--cluster', urls, '--json'], { encoding: 'utf8' })) as { live: { snapshot: string; parts: number; customers: number } };
    expect(status.live).toMatchObject({ snapshot: summary.snapshot, parts: 8, customers: 6_000 });
    const pulled = join(dir, 'pq-pulled');
    execFileSync(process.execPath, [CLI, 'cluster', 'pull', '--cluster', urls, '--data', pulled], { encoding: 'utf8' });
    const local = await liveCustomers(pulled);
    expect(local.id).toBe(summary.snapshot);
    expect(byId(local.rows)).toEqual(byId(single.rows));
    expect(local.manifest).toEqual(cluster.manifest);
  }, 120_000);

  test('text ids, line items, returns and quoted CSV fields (byte ranges, a quoted file read again whole)', async () => {
    // One file cut into byte ranges; one with quoted fields, whose ranges are read again as one task.
    const input = join(dir, 'lines');
    mkdirSync(input);
    writeLineItemCsv(join(input, 'a.csv'), 30_000, 5, false);
    writeLineItemCsv(join(input, 'b.csv'), 20_000, 6, true);
    const columns = buildColumnMap(undefined, parseMapFlag('customer_id=CustomerID,ts=InvoiceDate,order_id=InvoiceNo,quantity=Quantity,price=UnitPrice'));
    const { summary, single, cluster } = await bothWays('csv', input, { columns, minShareBytes: 64 << 10 });
    // Byte ranges of a.csv, b.csv whole.
    expect(summary.cluster.tasks).toBeGreaterThan(2);
    const returns = cluster.columns.indexOf('returns');
    expect(cluster.rows.some((r) => (r[returns] as number) > 0)).toBe(true);
    expect(String(cluster.rows[0]![cluster.columns.indexOf('customer_id')])).toMatch(/^C\d+$/);
    expect(byId(cluster.rows)).toEqual(byId(single.rows));
    expect(comparableManifest(cluster.manifest)).toEqual(comparableManifest(single.manifest));
  }, 120_000);

  test('a node SIGKILLed mid-task: the task is redelivered, the job completes, the pointer moves only then', async () => {
    const input = join(dir, 'big.csv');
    await generate({ customers: 40_000, transactions: 600_000, format: 'csv', seed: 3, out: input });
    const coordinator = await connect('kill-a');
    const before = await readLivePointer(coordinator);
    expect(before).not.toBeNull();
    const nodes: ChildProcess[] = [];
    const took: Array<Promise<void>> = [];
    for (const id of ['kill-b', 'kill-c']) {
      const child = spawn(process.execPath, [CLI, 'rescore-node', '--cluster', nats.servers.join(','), '--node', id], { stdio: ['ignore', 'pipe', 'inherit'] });
      nodes.push(child);
      took.push(
        new Promise((resolve) => {
          child.stdout!.on('data', (d: Buffer) => {
            if (d.toString().includes('took ')) resolve();
          });
        }),
      );
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    }
    let pointerDuringJob: string | undefined;
    // Node b dies holding its first task; the pointer is read while the job still runs.
    void took[0]!.then(async () => {
      nodes[0]!.kill('SIGKILL');
      pointerDuringJob = (await readLivePointer(coordinator))?.snapshot;
    });
    const summary = await clusterRescore({ input, dataDir: join(dir, 'kill'), cluster: coordinator, work: false, tasks: 4, ackWaitMs: 2_000, minShareBytes: 1 << 20, asOf: '2026-06-30' });
    nodes[1]!.kill('SIGTERM');
    expect(nodes[0]!.signalCode).toBe('SIGKILL');
    expect(pointerDuringJob).toBe(before!.snapshot);
    expect(summary.cluster.redelivered).toBeGreaterThan(0);
    expect(Object.keys(summary.cluster.nodes)).toEqual(['kill-c']);
    expect((await readLivePointer(coordinator))?.snapshot).toBe(summary.snapshot);
    // And the result is still the single machine's: every field, but the models' start differs
    // (the cluster warm-starts from its live snapshot, the single machine has none), so the
    // predictions agree to the optimiser's tolerance rather than bit for bit.
    await rescore({ input, dataDir: join(dir, 'kill-single'), asOf: '2026-06-30' });
    const got = await clusterCustomers(coordinator);
    const want = await liveCustomers(join(dir, 'kill-single'));
    const predicted = ['p_alive', 'expected_purchases_90d', 'expected_aov', 'clv_365d'].map((c) => want.columns.indexOf(c));
    const exact = (rows: unknown[][]) => byId(rows).map((r) => r.filter((_, i) => !predicted.includes(i)));
    expect(exact(got.rows)).toEqual(exact(want.rows));
    const a = byId(got.rows);
    const b = byId(want.rows);
    for (let r = 0; r < a.length; r += 97) for (const i of predicted) expect(a[r]![i] as number).toBeCloseTo(b[r]![i] as number, 4);
  }, 180_000);

  test('a shard owner SIGKILLed at its first merge: its shard tasks go to another node, the snapshot is the single machine\'s', async () => {
    const coordinator = await connect('own-a');
    await (await jobBucket(coordinator)).delete(jobKey.live);
    const nodes: ChildProcess[] = [];
    let merging: () => void = () => undefined;
    const tookMerge = new Promise<void>((resolve) => {
      merging = resolve;
    });
    for (const id of ['own-b', 'own-c']) {
      const child = spawn(process.execPath, [CLI, 'rescore-node', '--cluster', nats.servers.join(','), '--node', id], { stdio: ['ignore', 'pipe', 'inherit'] });
      nodes.push(child);
      if (id === 'own-b')
        child.stdout!.on('data', (d: Buffer) => {
          if (/took \S+ merge/.test(d.toString())) merging();
        });
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    }
    void tookMerge.then(() => nodes[0]!.kill('SIGKILL'));
    const input = join(dir, 'pq');
    const summary = await clusterRescore({ input, asOf: '2026-06-30', dataDir: join(dir, 'own'), cluster: coordinator, work: false, tasks: 4 });
    nodes[1]!.kill('SIGTERM');
    expect(nodes[0]!.signalCode).toBe('SIGKILL');
    // Planned over b and c; b's shards done by c once b's heartbeat expired.
    const owners = assignShards(8, ['own-b', 'own-c']);
    expect(owners).toContain('own-b');
    const jobs = await jobBucket(coordinator);
    for (let shard = 0; shard < 8; shard++) expect((await jobs.get(jobKey.scored(summary.cluster.job, shard)))?.json<{ node: string }>().node).toBe('own-c');
    expect((await readLivePointer(coordinator))?.snapshot).toBe(summary.snapshot);
    // No task of the job is left on the dead owner's consumer.
    expect((await coordinator.jsm.streams.info(OWNED_STREAM)).state.messages).toBe(0);
    const got = await clusterCustomers(coordinator);
    const want = await liveCustomers(join(dir, 'pq-single'));
    expect(byId(got.rows)).toEqual(byId(want.rows));
  }, 180_000);

  test('acknowledged events in the shard streams are folded in, after the files, as one machine folds its log', async () => {
    const a = await connect('ev-a');
    await ensureEventStreams(a, 8);
    // Live rows of customers the files have (integer ids) and of new ones, published as the events route does.
    const n = 3_000;
    const ids: Array<string | number> = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? `E${i % 700}` : (i * 7) % 6_000));
    const batch: TxBatch = {
      length: n,
      ids,
      ts: Float64Array.from({ length: n }, (_, i) => Date.UTC(2026, 5, 1) + i * 600_000),
      amount: Float64Array.from({ length: n }, (_, i) => (i % 11 === 0 ? -5 : 10 + (i % 37))),
      margin: null,
      eventIds: ids.map((_, i) => `ev-${i}`),
    };
    expect((await publishRows(a.js, 'ev-a', 8, batch)).stored).toBe(n);
    // One machine reads the same rows after its input, in the streams' order (by shard, then as published).
    const order = ids.map((_, i) => i).sort((x, y) => shardOf(ids[x]!, 8) - shardOf(ids[y]!, 8) || x - y);
    const pick = <T>(f: (i: number) => T) => order.map(f);
    const extra: TxBatch = { length: n, ids: pick((i) => ids[i]!), ts: Float64Array.from(pick((i) => batch.ts[i]!)), amount: Float64Array.from(pick((i) => batch.amount[i]!)), margin: null };
    const input = join(dir, 'pq');
    // snapshots.keep = 1: the earlier tests' snapshots leave the bucket once this one is live.
    const config = parseConfig({ snapshots: { keep: 1 } });
    await rescore({ input, asOf: '2026-06-30', dataDir: join(dir, 'ev-single'), extra: [extra], config });
    const earlier = (await readLivePointer(a))!;
    await (await jobBucket(a)).delete(jobKey.live);
    const summary = await clusterRescore({ input, asOf: '2026-06-30', dataDir: join(dir, 'ev-cluster'), cluster: a, tasks: 4, config });
    const store = await a.objectStore(SNAPSHOT_BUCKET);
    expect((await store.info(earlier.objects[0]!.name))?.deleted).toBe(true);
    const kept = (await store.list()).filter((o) => !o.deleted);
    expect(kept.length).toBeGreaterThan(2);
    expect(kept.every((o) => o.name.startsWith(`${summary.cluster.job}/`))).toBe(true);
    const single = await liveCustomers(join(dir, 'ev-single'));
    const cluster = await clusterCustomers(a);
    expect(cluster.rows.length).toBe(single.rows.length);
    expect(cluster.rows.length).toBeGreaterThan(6_000 + 600);
    expect(byId(cluster.rows)).toEqual(byId(single.rows));
    const { inputs: ci, rows: cr, ...cm } = comparableManifest(cluster.manifest);
    const { inputs: si, rows: sr, ...sm } = comparableManifest(single.manifest);
    expect(cm).toEqual(sm);
    expect(cr).toEqual(sr);
    expect((ci as Array<{ path: string; rows: number }>).at(-1)).toMatchObject({ path: '(event streams)', rows: n });
    // The pointer says how far each stream is folded: every message published; the stream is trimmed through it.
    const folded = (await readLivePointer(a))!.folded!;
    expect(Object.keys(folded).length).toBeGreaterThan(0);
    for (const [shard, seq] of Object.entries(folded)) {
      const state = (await a.jsm.streams.info(eventStream(Number(shard)))).state;
      expect(seq).toBe(state.last_seq);
      expect(seq).toBeGreaterThan(0);
      expect(state.messages).toBe(0);
    }
    expect(summary.rows.read).toBe(sr && (sr as { read: number }).read);
    for (let s = 0; s < 8; s++) await a.jsm.streams.purge(eventStream(s));
  }, 120_000);

  test('folded streams are trimmed once the pointer moves; rows acknowledged during the rescore stay, the next one folds them after the archive, and a shard\'s archive objects are compacted into one', async () => {
    const a = await connect('trim-a');
    await ensureEventStreams(a, 8);
    await (await jobBucket(a)).delete(jobKey.live);
    const rowsOf = (prefix: string, n: number, day: number): TxBatch => {
      const ids: Array<string | number> = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? `${prefix}${i % 300}` : (i * 11) % 6_000));
      return { length: n, ids, ts: Float64Array.from({ length: n }, (_, i) => Date.UTC(2026, 5, day) + i * 60_000), amount: Float64Array.from({ length: n }, (_, i) => 5 + (i % 29)), margin: null, eventIds: ids.map((_, i) => `${prefix}-${i}`) };
    };
    const early = rowsOf('T', 1_500, 3);
    const during = rowsOf('D', 900, 10);
    expect((await publishRows(a.js, 'trim-a', 8, early)).stored).toBe(early.length);
    const input = join(dir, 'pq');
    const config = parseConfig({ snapshots: { keep: 1 } });
    // Rows acknowledged once the rescore noted its fold (it is taking its first task): not in this snapshot, kept in the streams.
    let sent: Promise<unknown> | null = null;
    const log = (line: string): void => {
      if (sent === null && line.startsWith('took ')) sent = publishRows(a.js, 'trim-a', 8, during);
    };
    const first = await clusterRescore({ input, asOf: '2026-06-30', dataDir: join(dir, 'trim-1'), cluster: a, tasks: 2, config, log });
    expect(await sent).toMatchObject({ stored: during.length });
    const pointer = (await readLivePointer(a))!;
    expect(pointer.snapshot).toBe(first.snapshot);
    let kept = 0;
    for (let s = 0; s < 8; s++) {
      const state = (await a.jsm.streams.info(eventStream(s))).state;
      if (pointer.folded?.[String(s)] !== undefined) expect(state.first_seq).toBeGreaterThan(pointer.folded[String(s)]!);
      if (state.messages > 0) for await (const b of streamBatches(a.js, { shard: s, first: state.first_seq, last: state.last_seq })) kept += b.length;
    }
    // Every row acknowledged after the fold is still in the streams; none folded is.
    expect(kept).toBe(during.length);
    const second = await clusterRescore({ input, asOf: '2026-06-30', dataDir: join(dir, 'trim-2'), cluster: a, tasks: 2, config });
    const archive = (await readLivePointer(a))!.archive!;
    expect(Object.values(archive).some((names) => names.length === 2)).toBe(true);
    for (let s = 0; s < 8; s++) expect((await a.jsm.streams.info(eventStream(s))).state.messages).toBe(0);
    // One machine reads the same rows after the same files, twice (the second run warm-starts its
    // fits and gives tiers their grace from the first, as the cluster's does): per shard the
    // earlier rows (archived), then those of the stream.
    const inStreamOrder = (both: TxBatch[]): TxBatch => {
      const order = both.flatMap((b, k) => b.ids.map((id, i) => ({ shard: shardOf(id, 8), k, i }))).sort((x, y) => x.shard - y.shard || x.k - y.k || x.i - y.i);
      return { length: order.length, ids: order.map((o) => both[o.k]!.ids[o.i]!), ts: Float64Array.from(order, (o) => both[o.k]!.ts[o.i]!), amount: Float64Array.from(order, (o) => both[o.k]!.amount[o.i]!), margin: null };
    };
    await rescore({ input, asOf: '2026-06-30', dataDir: join(dir, 'trim-single'), extra: [inStreamOrder([early])], config });
    await rescore({ input, asOf: '2026-06-30', dataDir: join(dir, 'trim-single'), extra: [inStreamOrder([early, during])], config });
    // The cluster's live snapshot is `snapshot` and equals one machine's, customers and manifest (but its inputs).
    const expectLiveEqualsSingle = async (snapshot: string): Promise<void> => {
      const single = await liveCustomers(join(dir, 'trim-single'));
      const cluster = await clusterCustomers(a);
      expect(cluster.id).toBe(snapshot);
      expect(byId(cluster.rows)).toEqual(byId(single.rows));
      const { inputs: _ci, ...cm } = comparableManifest(cluster.manifest);
      const { inputs: _si, ...sm } = comparableManifest(single.manifest);
      expect(cm).toEqual(sm);
    };
    await expectLiveEqualsSingle(second.snapshot);

    // A third fold over two archived objects, with at most two kept: each such shard's archive becomes
    // one object of all its rows in fold order, the objects it replaced are deleted, the snapshot is still one machine's.
    const late = rowsOf('L', 600, 20);
    expect((await publishRows(a.js, 'trim-a', 8, late)).stored).toBe(late.length);
    const third = await clusterRescore({ input, asOf: '2026-06-30', dataDir: join(dir, 'trim-3'), cluster: a, tasks: 2, config, archiveObjectsMax: 2 });
    const compacted = (await readLivePointer(a))!.archive!;
    const store = await openArchive(a);
    const all = inStreamOrder([early, during, late]);
    let shardsCompacted = 0;
    for (const [shard, names] of Object.entries(compacted)) {
      expect(names).toEqual([`${third.cluster.job}/${shard}`]);
      if (archive[shard]!.length === 2) shardsCompacted++;
      for (const old of archive[shard]!) expect((await store.info(old))?.deleted ?? true).toBe(true);
      // The object holds the shard's rows of all three folds, in the order the folds read them.
      const rows: Array<[string | number, number, number]> = [];
      for await (const b of archiveBatches(store, names[0]!)) for (let i = 0; i < b.length; i++) rows.push([b.ids[i]!, b.ts[i]!, b.amount[i]!]);
      const want: Array<[string | number, number, number]> = [];
      for (let i = 0; i < all.length; i++) if (shardOf(all.ids[i]!, 8) === Number(shard)) want.push([all.ids[i]!, all.ts[i]!, all.amount[i]!]);
      expect(rows).toEqual(want);
    }
    expect(shardsCompacted).toBeGreaterThan(0);
    await rescore({ input, asOf: '2026-06-30', dataDir: join(dir, 'trim-single'), extra: [all], config });
    await expectLiveEqualsSingle(third.snapshot);
  }, 240_000);

  test('no node takes the tasks: the job fails cleanly, the pointer stays, the queue forgets its tasks', async () => {
    const coordinator = await connect('lonely');
    const before = await readLivePointer(coordinator);
    const input = join(dir, 'pq');
    await expect(clusterRescore({ input, dataDir: join(dir, 'lonely'), cluster: coordinator, work: false, timeoutMs: 3_000, asOf: '2026-06-30' })).rejects.toMatchObject({ code: 'SEG_ERR_CLUSTER_JOB_FAILED' });
    expect((await readLivePointer(coordinator))?.snapshot).toBe(before!.snapshot);
    expect((await coordinator.jsm.streams.info(TASK_STREAM)).state.messages).toBe(0);
  }, 60_000);
});
