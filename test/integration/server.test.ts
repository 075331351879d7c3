import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/build-server.js';
import { makeDataDir } from '../server/fixture.js';

// `npm test` builds dist/ first; while developing, run `npx tsc -p tsconfig.json` before this file.
const CLI = join(import.meta.dirname, '../../dist/cli/segstream.js');
const TOKEN = 'integration-secret';

let dir: string;
let dataDir: string;

beforeAll(async () => {
  ({ dir, dataDir } = await makeDataDir());
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
}

/** Starts `segstream serve` on a free port and waits for the URL it prints. */
async function serve(args: string[], env: Record<string, string> = { SEGSTREAM_TOKEN: TOKEN }): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--data', dataDir, '--port', '0', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 20_000);
    const check = () => {
      const m = /at (http:\/\/[^\s]+) /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
  return { child, url, output: () => out };
}

describe('the server on a real socket', () => {
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    app = await buildServer({ dataDir, reloadIntervalMs: 0 });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => app.close());

  it('answers lookups, batch-gets and listings over HTTP', async () => {
    const one = await fetch(`${base}/v1/customers/12`);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ customer_id: '12' });
    const batch = await fetch(`${base}/v1/customers/batch-get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: [12, '13'] }) });
    expect(((await batch.json()) as { customers: unknown[] }).customers).toHaveLength(2);
    const segs = (await (await fetch(`${base}/v1/segments`)).json()) as { segments: { name: string; customers: number }[] };
    const seg = segs.segments.find((s) => s.customers > 0)!;
    const csv = await fetch(`${base}/v1/segments/${seg.name}/customers`, { headers: { accept: 'text/csv' } });
    expect((await csv.text()).trim().split('\n')).toHaveLength(seg.customers + 1);
    expect((await fetch(`${base}/v1/customers/unknown-id`)).status).toBe(404);
  });
});

describe('segstream serve', () => {
  it('keeps a purchase answered 202 across a SIGKILL and exits 0 on SIGTERM', async () => {
    const first = await serve([]);
    const posted = await fetch(`${first.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify([{ customer_id: 'survivor', ts: '2026-07-01T08:00:00Z', amount: 77.5 }]),
    });
    expect(posted.status).toBe(202);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');

    const second = await serve([]);
    const r = await fetch(`${second.url}/v1/customers/survivor`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ customer_id: 'survivor', orders: 1, revenue: 77.5, live: true });
    second.child.kill('SIGTERM');
    const [code] = (await once(second.child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it.each(['[::1]', '::1'])('binds the IPv6 loopback written as %s', async (host) => {
    const served = await serve(['--host', host]);
    try {
      expect(served.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect((await fetch(`${served.url}/healthz`)).status).toBe(200);
    } finally {
      served.child.kill('SIGTERM');
      await once(served.child, 'exit');
    }
  });

  it('starts a job inside --input-root, refuses one outside, and exits 0 on SIGTERM while a job runs', async () => {
    const served = await serve(['--input-root', dir, '--job-timeout', '10m']);
    const headers = { 'content-type': 'application/json', authorization: `bearer ${TOKEN}` };
    const outside = await fetch(`${served.url}/v1/jobs/rescore`, { method: 'POST', headers, body: JSON.stringify({ input: '/etc/passwd' }) });
    expect([outside.status, ((await outside.json()) as { code: string }).code]).toEqual([403, 'SEG_ERR_INPUT_FORBIDDEN']);
    const started = await fetch(`${served.url}/v1/jobs/rescore`, { method: 'POST', headers, body: JSON.stringify({ input: join(dir, 'tx.csv') }) });
    expect(started.status).toBe(202);
    served.child.kill('SIGTERM');
    const [code] = (await once(served.child, 'exit')) as [number | null];
    expect(code, served.output()).toBe(0);
  });

  it('refuses to bind a non-loopback address without a token', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--data', dataDir, '--host', '0.0.0.0', '--port', '0'], {
      env: { ...process.env, SEGSTREAM_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(err).toContain('SEG_ERR_ARGUMENT');
  });
});
