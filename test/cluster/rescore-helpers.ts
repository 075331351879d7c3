/**
 * Inputs and comparisons of the cluster tests: a line-item CSV with text ids, returns and quoted
 * descriptions written here from a seeded generator, events as the streams order them, a
 * field-for-field comparison of two snapshots' customers, and three serve nodes on a test cluster.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { type Table, tableFromIPC } from 'apache-arrow';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { ensureEventStreams } from '../../engine/cluster/event-stream.js';
import { connectCluster, type NatsCluster } from '../../engine/cluster/nats-connection.js';
import { readLivePointer, SNAPSHOT_BUCKET, snapshotName } from '../../engine/cluster/rescore-cluster.js';
import { shardOf } from '../../engine/cluster/shard-map.js';
import type { TxBatch } from '../../engine/parse/parse-batch.js';
import { currentSnapshotId, snapshotsDir } from '../../engine/snapshot/snapshot-store.js';
import { buildServer } from '../../server/build-server.js';

/** A line-item export: `C<n>` ids, invoices with several lines, `C` cancellation invoices, quoted descriptions when `quoted`. */
export function writeLineItemCsv(path: string, lines: number, seed: number, quoted: boolean): void {
  let x = seed >>> 0;
  const rand = (): number => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = ['InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice,Description'];
  let invoice = 500000;
  const start = Date.UTC(2025, 0, 1);
  for (let i = 0; i < lines; ) {
    invoice++;
    const customer = `C${Math.floor(rand() ** 2 * lines * 0.15)}`;
    const ts = new Date(start + Math.floor(rand() * 540) * 86_400_000 + Math.floor(rand() * 86_400_000)).toISOString();
    const cancel = rand() < 0.05;
    const n = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < n && i < lines; k++, i++) {
      const qty = (1 + Math.floor(rand() * 6)) * (cancel ? -1 : 1);
      const price = (Math.floor(rand() * 5000) / 100).toFixed(2);
      const desc = rand() < 0.02 && quoted ? `"MUG, ""BLUE"""` : `ITEM ${Math.floor(rand() * 300)}`;
      out.push(`${cancel ? 'C' : ''}${invoice},${customer},${ts},${qty},${price},${desc}`);
    }
  }
  writeFileSync(path, `${out.join('\n')}\n`);
}

/** The live snapshot's customers as rows of plain values (Arrow's view of customers.arrow). */
export async function liveCustomers(dataDir: string): Promise<{ id: string; columns: string[]; rows: unknown[][]; manifest: Record<string, unknown> }> {
  const id = await currentSnapshotId(dataDir);
  if (!id) throw new Error(`no live snapshot in ${dataDir}`);
  const dir = join(snapshotsDir(dataDir), id);
  const { columns, rows } = rowsOf([tableFromIPC(await readFile(join(dir, 'customers.arrow')))]);
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  return { id, columns, rows, manifest };
}

/**
 * The cluster's live snapshot as the nodes wrote it: every shard's customers.arrow (concatenated in
 * shard order, each shard in its own first-appearance order) and the coordinator's manifest.
 */
export async function clusterCustomers(cluster: NatsCluster): Promise<{ id: string; columns: string[]; rows: unknown[][]; manifest: Record<string, unknown>; parts: number }> {
  const live = await readLivePointer(cluster);
  if (!live) throw new Error('no live cluster snapshot');
  const store = await cluster.objectStore(SNAPSHOT_BUCKET);
  const parts = live.objects.filter((o) => o.name.includes('/customers/'));
  const tables: Table[] = [];
  for (const o of parts) tables.push(tableFromIPC((await store.getBlob(o.name))!));
  const manifest = JSON.parse(new TextDecoder().decode((await store.getBlob(snapshotName.manifest(live.job)))!)) as Record<string, unknown>;
  return { id: live.snapshot, ...rowsOf(tables), manifest, parts: parts.length };
}

function rowsOf(tables: readonly Table[]): { columns: string[]; rows: unknown[][] } {
  const columns = tables[0]?.schema.fields.map((f) => f.name) ?? [];
  const rows: unknown[][] = [];
  for (const table of tables) {
    const vectors = columns.map((c) => table.getChild(c)!);
    for (let r = 0; r < table.numRows; r++) rows.push(vectors.map((v) => normalize(v.get(r))));
  }
  return { columns, rows };
}

/** Rows ordered by customer id (the first column): a cluster snapshot is cut by shard, not in first-appearance order. */
export function byId(rows: readonly unknown[][]): unknown[][] {
  return [...rows].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0));
}

function normalize(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.getTime();
  return v;
}

/**
 * The manifest without what differs between any two runs (ids, times, timings, which stage ran
 * where). Money summed over many customers (revenue, the spend bands' revenue, shares and means)
 * to 12 significant digits: a cluster adds each shard's sum, one machine adds in base order, and
 * floating-point addition is not associative. Counts, thresholds and model parameters stay exact.
 */
export function comparableManifest(m: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, created_at: _c, timings_ms: _t, previous: _p, ...rest } = m;
  const sum = (v: unknown): unknown => (typeof v === 'number' ? Number(v.toPrecision(12)) : v);
  const bands = (rest['spend_bands'] as Array<Record<string, unknown>>).map((b) => ({ ...b, revenue: sum(b['revenue']), share_revenue: sum(b['share_revenue']), mean_weekly_spend: sum(b['mean_weekly_spend']) }));
  return { ...rest, revenue: sum(rest['revenue']), spend_bands: bands };
}

/** The cluster's live snapshot equals one machine's in `singleData`, field for field (money sums over many customers to a few units of the 12th digit). */
export async function expectSameSnapshot(coordinator: NatsCluster, singleData: string): Promise<void> {
  const want = await liveCustomers(singleData);
  const got = await clusterCustomers(coordinator);
  expect(got.columns).toEqual(want.columns);
  expect(byId(got.rows)).toEqual(byId(want.rows));
  const { inputs: gotInputs, ...gotManifest } = comparableManifest(got.manifest);
  const { inputs: wantInputs, ...wantManifest } = comparableManifest(want.manifest);
  // comparableManifest's money sums to 12 digits can differ in the last one where a sum falls on a rounding boundary: a few units of it allowed.
  const near = (v: unknown): unknown => (typeof v === 'number' ? expect.closeTo(v, 10 - Math.floor(Math.log10(Math.abs(v) || 1))) : v);
  const bands = (wantManifest['spend_bands'] as Array<Record<string, unknown>>).map((b) => ({ ...b, revenue: near(b['revenue']), share_revenue: near(b['share_revenue']), mean_weekly_spend: near(b['mean_weekly_spend']) }));
  expect(gotManifest).toEqual({ ...wantManifest, revenue: near(wantManifest['revenue']), spend_bands: bands });
  // The events are "(event streams)" in the cluster, "(event log)" on one machine: the same rows, each id once.
  const rowsOf = (inputs: unknown): number[] => (inputs as Array<{ rows: number }>).map((i) => i.rows);
  expect(rowsOf(gotInputs)).toEqual(rowsOf(wantInputs));
}

/** What the tests use of scripts/nats-cluster.mjs (a plain .mjs without declarations). */
export interface NatsTestCluster {
  readonly servers: string[];
  kill(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the project's three-node loopback cluster (throws when nats-server is missing: the tests fail, not skip). */
export async function startTestCluster(dir: string, port: number): Promise<NatsTestCluster> {
  const script = '../../scripts/nats-cluster.mjs';
  const { startNatsCluster } = (await import(script)) as { startNatsCluster: (o: { dir: string; port: number }) => Promise<NatsTestCluster> };
  return startNatsCluster({ dir, port });
}

/** An event as a test posts it to `POST /v1/events`. */
export interface EventRow {
  customer_id: string | number;
  ts: string;
  amount: number;
  event_id: string;
}

/** Rows in the streams' order (by shard, then as given): what one machine reads after its files to equal a cluster's fold. */
export function asStreamBatch(rows: readonly EventRow[], shards: number): TxBatch {
  const order = rows.map((_, i) => i).sort((x, y) => shardOf(rows[x]!.customer_id, shards) - shardOf(rows[y]!.customer_id, shards) || x - y);
  return {
    length: rows.length,
    ids: order.map((i) => rows[i]!.customer_id),
    ts: Float64Array.from(order, (i) => Date.parse(rows[i]!.ts)),
    amount: Float64Array.from(order, (i) => rows[i]!.amount),
    margin: null,
    eventIds: order.map((i) => rows[i]!.event_id),
  };
}

/** Polls `probe` every 200 ms until it gives a value; throws naming `what` after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Three serve nodes (a, b, c) of a fresh test cluster in a temporary folder, settled, and a coordinator's connection with the shard streams made. */
export interface ServeCluster {
  readonly dir: string;
  readonly nats: NatsTestCluster;
  readonly coordinator: NatsCluster;
  readonly nodes: FastifyInstance[];
  /** Closes the nodes still in `nodes`, `others` (one machine's servers), the coordinator and the cluster; removes the folder. */
  stop(others?: ReadonlyArray<FastifyInstance | undefined>): Promise<void>;
}

export async function startServeCluster(prefix: string, port: number, shards: number): Promise<ServeCluster> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const nats = await startTestCluster(join(dir, 'nats'), port);
  const nodes: FastifyInstance[] = [];
  for (const node of ['a', 'b', 'c']) nodes.push(await buildServer({ dataDir: join(dir, `data-${node}`), cluster: { servers: nats.servers, node, shards } }));
  const coordinator = await connectCluster({ servers: nats.servers, node: 'coordinator', shards });
  await ensureEventStreams(coordinator, shards);
  for (const app of nodes) await app.segstream.cluster!.settled();
  return {
    dir,
    nats,
    coordinator,
    nodes,
    async stop(others = []) {
      for (const app of [...nodes, ...others]) await app?.close().catch(() => undefined);
      await coordinator.close().catch(() => undefined);
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A customer as a server answers it, without the snapshot id (each node publishes under an id of its own); null when not 200. */
export async function lookupCustomer(app: FastifyInstance, id: string | number): Promise<Record<string, unknown> | null> {
  const res = await app.inject({ method: 'GET', url: `/v1/customers/${encodeURIComponent(String(id))}` });
  if (res.statusCode !== 200) return null;
  const { snapshot: _s, ...rest } = res.json() as Record<string, unknown>;
  return rest;
}

/** Posts rows to `POST /v1/events`: a 202 accepting every one (a row whose event id was acknowledged before is accepted too). */
export async function postEvents(app: FastifyInstance, rows: EventRow[]): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/v1/events', payload: rows });
  expect(res.statusCode).toBe(202);
  expect((res.json() as { accepted: number }).accepted).toBe(rows.length);
}
