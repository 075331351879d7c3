/**
 * Cluster mode on a three-node JetStream cluster on loopback (scripts/nats-cluster.mjs, its own
 * ports and data folders, stopped afterwards) with three segstream nodes over it: events posted to
 * any node are looked up from any node; a NATS server SIGKILLed during ingest under concurrent
 * writers loses no acknowledged row and stores none twice; a node that leaves hands its shards to
 * the others, which rebuild them from the streams; a node that joins (a real process) takes shards,
 * and when SIGKILLed its heartbeat expires and they move back; a node restarted on its folder
 * rebuilds its shards from the streams, each row once. Fails (does not skip) without nats-server.
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster, type NatsCluster } from '../../engine/cluster/index.js';
import { eventStream } from '../../engine/cluster/event-stream.js';
import { buildServer } from '../../server/build-server.js';
import { type NatsClusterProcs, startNatsCluster } from '../../scripts/nats-cluster.mjs';
import { makeDataDir } from '../server/fixture.js';
import { until } from './rescore-helpers.js';

const SHARDS = 4;
const NODES = ['a', 'b', 'c'];

let dir: string;
let nats: NatsClusterProcs;
let apps: FastifyInstance[] = [];
let admin: NatsCluster;
/** The fixture's data folder, before any node ran on a copy of it. */
let fixtureData: string;

async function customer(app: FastifyInstance, id: string): Promise<{ orders: number; revenue: number } | null> {
  const res = await app.inject({ method: 'GET', url: `/v1/customers/${encodeURIComponent(id)}` });
  // 404: not there yet; 503: its owner is changing (a move, a server restarting): asked again.
  if (res.statusCode === 404 || res.statusCode === 503) return null;
  expect(res.statusCode).toBe(200);
  return res.json();
}

async function post(app: FastifyInstance, rows: object[]): Promise<{ statusCode: number; body: { accepted: number; duplicates: number } }> {
  const res = await app.inject({ method: 'POST', url: '/v1/events', payload: rows });
  return { statusCode: res.statusCode, body: res.json() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'segstream-cluster-'));
  nats = await startNatsCluster({ dir: join(dir, 'nats'), port: 15322 });
  const { dataDir } = await makeDataDir();
  fixtureData = dataDir;
  for (const node of NODES) {
    const own = join(dir, `data-${node}`);
    await cp(dataDir, own, { recursive: true });
    apps.push(await buildServer({ dataDir: own, reloadIntervalMs: 0, cluster: { servers: nats.servers, node, shards: SHARDS } }));
  }
  admin = await connectCluster({ servers: nats.servers, node: 'test-admin', shards: SHARDS });
  // Every shard owned, by the three nodes together.
  await until('the shard map over three nodes', async () => {
    const owned = await Promise.all(
      apps.map(async (app) => {
        await app.segstream.cluster!.settled();
        return app.segstream.cluster!.ownedShards();
      }),
    );
    return owned.flat().length === SHARDS && owned.every((o) => o.length > 0 || SHARDS < NODES.length);
  });
}, 120_000);

afterAll(async () => {
  await admin?.close();
  for (const app of apps) await app.close().catch(() => {});
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('cluster mode', () => {
  it('takes events on any node and answers lookups of any customer from any node', async () => {
    const rows = [];
    for (let k = 0; k < 24; k++) rows.push({ customer_id: `new-${k}`, ts: '2026-06-20T10:00:00Z', amount: 10 + k, event_id: `one-${k}` });
    // An existing customer of the snapshot gets one more purchase.
    rows.push({ customer_id: 7, ts: '2026-06-21T10:00:00Z', amount: 5, event_id: 'one-old' });
    const before = await customer(apps[1]!, '7');
    const res = await post(apps[0]!, rows);
    expect(res.statusCode).toBe(202);
    expect(res.body.accepted).toBe(25);
    for (const app of apps) {
      for (let k = 0; k < 24; k++) {
        const c = await until(`new-${k}`, () => customer(app, `new-${k}`));
        expect(c).toMatchObject({ orders: 1, revenue: 10 + k });
      }
      const old = await until('customer 7 with the new row', async () => {
        const c = await customer(app, '7');
        return c && c.orders === before!.orders + 1 ? c : null;
      });
      expect(old.revenue).toBeCloseTo(before!.revenue + 5, 6);
    }
    // batch-get from one node mixes shards owned by all three, in the order asked.
    const ids = ['new-3', 'nobody', 'new-0', 7, 'new-17'];
    const batch = await apps[2]!.inject({ method: 'POST', url: '/v1/customers/batch-get', payload: { ids } });
    expect(batch.statusCode).toBe(200);
    const body = batch.json() as { customers: { customer_id: string }[]; not_found: unknown[] };
    expect(body.customers.map((c) => c.customer_id)).toEqual(['new-3', 'new-0', '7', 'new-17']);
    expect(body.not_found).toEqual(['nobody']);
    // The same body again: JetStream drops the retried message ids.
    const again = await post(apps[1]!, rows);
    expect(again.body.duplicates).toBe(25);
    // Bad input is refused as on one machine, before anything is published.
    const bad = await post(apps[0]!, [{ customer_id: 'x', ts: 'not a date', amount: 1 }]);
    expect(bad.statusCode).toBe(202);
    expect(bad.body.accepted).toBe(0);
  });

  it('SIGKILL of a NATS server during ingest under concurrent writers: every acknowledged row stored once', async () => {
    const WRITERS = 3;
    const BATCHES = 12;
    const acked = new Set<string>();
    const expected = new Map<string, number>();
    let killed = false;
    const writer = async (w: number) => {
      for (let b = 0; b < BATCHES; b++) {
        const rows = [];
        for (let k = 0; k < 40; k++) rows.push({ customer_id: `w${w}-c${k % 10}`, ts: '2026-06-25T08:00:00Z', amount: 1, event_id: `w${w}-b${b}-r${k}` });
        if (w === 0 && b === 4 && !killed) {
          killed = true;
          void nats.kill(2);
        }
        // A writer retries a batch until it is acknowledged, as a client of the API does.
        for (let attempt = 0; ; attempt++) {
          const res = await post(apps[w]!, rows);
          if (res.statusCode === 202) break;
          expect(res.statusCode).toBe(503);
          if (attempt > 100) throw new Error('no acknowledgement after 100 tries');
          await new Promise((r) => setTimeout(r, 100));
        }
        for (const r of rows) {
          acked.add(r.event_id);
          expected.set(r.customer_id, (expected.get(r.customer_id) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    expect(killed).toBe(true);
    expect(acked.size).toBe(WRITERS * BATCHES * 40);

    // The killed server comes back and catches up; then, in the streams: every acknowledged event id exactly once.
    await nats.start(2);
    const seen = new Map<string, number>();
    for (let s = 0; s < SHARDS; s++) {
      const info = await until(`stream ${s}`, () => admin.jsm.streams.info(eventStream(s)).catch(() => null));
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await until(`message ${seq} of stream ${s}`, () => admin.jsm.streams.getMessage(eventStream(s), { seq }).catch(() => null));
        for (const { e } of m.json() as { e: string }[]) seen.set(e, (seen.get(e) ?? 0) + 1);
      }
    }
    for (const id of acked) expect(seen.get(id), id).toBe(1);

    // In the owners' live state: each customer's orders are its acknowledged rows, none twice.
    for (const [id, n] of expected) {
      for (const app of apps) {
        let last: unknown = null;
        const c = await until(`${id} with ${n} orders`, async () => {
          const got = await customer(app, id);
          last = got?.orders;
          return got && got.orders >= n ? got : null;
        }).catch((error: Error) => {
          throw new Error(`${error.message} (has ${last}; shards ${apps.map((a) => a.segstream.cluster!.ownedShards().join('+')).join(' ')})`);
        });
        expect(c.orders).toBe(n);
      }
    }
  }, 120_000);

  it('a node that leaves hands its shards to the others, rebuilt from the streams', async () => {
    const leaving = apps[2]!;
    // After the server SIGKILL above a loaded machine can let a heartbeat lapse past its 5 s TTL: the node rejoins and gets shards back.
    const gone = await until('node c owning shards', async () => {
      await leaving.segstream.cluster!.settled();
      const owned = leaving.segstream.cluster!.ownedShards();
      return owned.length > 0 ? owned : null;
    });
    expect(gone.length).toBeGreaterThan(0);
    // Its customers: the ones the first test wrote that it owns now.
    const before = await Promise.all(Array.from({ length: 24 }, (_, k) => customer(apps[0]!, `new-${k}`)));
    await leaving.close();
    apps = apps.slice(0, 2);
    await until('the two nodes owning every shard', async () => {
      const owned = apps.flatMap((app) => app.segstream.cluster!.ownedShards());
      return owned.length === SHARDS && gone.every((s) => owned.includes(s));
    });
    for (const app of apps) {
      for (let k = 0; k < 24; k++) {
        const c = await until(`new-${k} after the move`, () => customer(app, `new-${k}`));
        expect(c).toEqual(before[k]);
      }
    }
  }, 120_000);

  it('a node that joins takes shards; SIGKILLed during ingest, no acknowledged row is lost or doubled and its shards move back', async () => {
    const before = await Promise.all(Array.from({ length: 24 }, (_, k) => customer(apps[0]!, `new-${k}`)));
    const data = join(dir, 'data-d');
    await cp(fixtureData, data, { recursive: true });
    // A real process, so the kill is a real SIGKILL: no goodbye, its heartbeat just stops.
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/segstream.ts', 'serve', '--data', data, '--port', '0', '--cluster', nats.servers.join(','), '--node', 'd'], {
      cwd: join(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`node d exited with ${code}`)));
    });
    try {
      const owned = () => apps.flatMap((app) => app.segstream.cluster!.ownedShards());
      await until('node d taking shards', async () => owned().length < SHARDS);
      // The joined node answers lookups of every customer, its own shards rebuilt from the streams.
      for (let k = 0; k < 24; k++) {
        const c = await until(`new-${k} from node d`, async () => {
          const res = await fetch(`${url}/v1/customers/new-${k}`);
          return res.status === 200 ? ((await res.json()) as unknown) : null;
        });
        expect(c).toEqual(before[k]);
      }
      // A writer posts to node d and is cut off by its SIGKILL mid-ingest; it sends the unanswered batch again to node a.
      const expected = new Map<string, number>();
      const writer = async () => {
        for (let b = 0; b < 10; b++) {
          const rows = Array.from({ length: 30 }, (_, k) => ({ customer_id: `d-c${k % 6}`, ts: '2026-06-27T08:00:00Z', amount: 2, event_id: `d-b${b}-r${k}` }));
          if (b === 3) child.kill('SIGKILL');
          const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rows) }).catch(() => null);
          if (res?.status !== 202) {
            for (;;) {
              const again = await post(apps[0]!, rows);
              if (again.statusCode === 202) break;
              await new Promise((r) => setTimeout(r, 100));
            }
          }
          for (const r of rows) expected.set(r.customer_id, (expected.get(r.customer_id) ?? 0) + 1);
        }
      };
      await writer();
      await until('the shards of the killed node back on the others', async () => owned().length === SHARDS, 20_000);
      for (const app of apps) {
        for (let k = 0; k < 24; k++) expect(await until(`new-${k} after the kill`, () => customer(app, `new-${k}`))).toEqual(before[k]);
        // Every acknowledged row once, whichever node took it.
        for (const [id, n] of expected) {
          const c = await until(`${id} with ${n} orders`, async () => {
            const got = await customer(app, id);
            return got && got.orders >= n ? got : null;
          });
          expect(c.orders).toBe(n);
        }
      }
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);

  it('a node restarted over its data folder rebuilds its shards from the streams, each row once', async () => {
    // Rows that arrive while c is away, then c comes back on its own folder.
    const late = Array.from({ length: 12 }, (_, k) => ({ customer_id: `late-${k}`, ts: '2026-06-26T09:00:00Z', amount: 3 + k, event_id: `late-${k}` }));
    expect((await post(apps[0]!, late)).statusCode).toBe(202);
    const back = await buildServer({ dataDir: join(dir, 'data-c'), reloadIntervalMs: 0, cluster: { servers: nats.servers, node: 'c', shards: SHARDS } });
    apps.push(back);
    await until('c owning shards again', async () => back.segstream.cluster!.ownedShards().length > 0);
    for (const k of Array.from({ length: 24 }, (_, i) => i)) {
      const want = await until(`new-${k} on a`, () => customer(apps[0]!, `new-${k}`));
      expect(await until(`new-${k} on c`, () => customer(back, `new-${k}`))).toEqual(want);
    }
    for (let k = 0; k < 12; k++) expect(await until(`late-${k} on c`, () => customer(back, `late-${k}`))).toMatchObject({ orders: 1, revenue: 3 + k });
    // The concurrent writers' customers: what node a counts (each acknowledged row once, checked above).
    for (let w = 0; w < 3; w++) {
      for (let k = 0; k < 10; k++) {
        const want = await until(`w${w}-c${k} on a`, () => customer(apps[0]!, `w${w}-c${k}`));
        expect(await until(`w${w}-c${k} on c`, () => customer(back, `w${w}-c${k}`))).toEqual(want);
      }
    }
    // Nothing of the streams went into c's own event log (before or after the restart): they are the rows' record.
    expect(back.segstream.store.knownEventIds).toBe(0);
  }, 120_000);
});
