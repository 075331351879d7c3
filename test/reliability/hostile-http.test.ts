/**
 * Hostile HTTP (issue 8): no request kills or wedges the server, every refusal has its status and
 * code, jobs read only inside --input-root, are cancellable and timed, and no answer or job record
 * ever holds a line of a file outside the data directory.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/build-server.js';
import { makeDataDir } from '../server/fixture.js';
import { idleAfterOneRequest, sendLargeBody, slowClient } from './http-sockets.js';

const TOKEN = `hostile-${randomBytes(8).toString('hex')}`;
const auth = { authorization: `Bearer ${TOKEN}` };
const SECRET_LINES = [`SECRET-ONE-${randomBytes(6).toString('hex')}`, `SEGSTREAM_TOKEN=${TOKEN}`, `customer_id,ts,amount-${randomBytes(4).toString('hex')}`];
/** What the files we must never echo look like: the password and shadow files, a process environment. */
const SYSTEM_FILE_LINE = /root:[x*!$]|\bPATH=\/|\bHOME=\//;

let dir: string;
let dataDir: string;
let root: string;
let outside: string;
let app: FastifyInstance;
let port: number;
let unixSocket: Server;
/** Every response body and job record the tests saw, for the leak check at the end. */
const seen: string[] = [];

async function call(opts: InjectOptions): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const r = await app.inject(opts);
  seen.push(r.body);
  let body: Record<string, unknown> = {};
  try {
    body = r.json();
  } catch {}
  return { status: r.statusCode, body, text: r.body };
}

async function startJob(payload: unknown, server = app): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await server.inject({ method: 'POST', url: '/v1/jobs/rescore', headers: auth, payload: payload as Record<string, unknown> });
  seen.push(r.body);
  return { status: r.statusCode, body: r.json() };
}

async function jobRecord(id: string, server = app): Promise<Record<string, unknown>> {
  await server.segstream.jobs.idle();
  const r = await server.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth });
  seen.push(r.body);
  return r.json();
}

beforeAll(async () => {
  let input: string;
  ({ dir, dataDir, input } = await makeDataDir());
  root = join(dir, 'root');
  outside = join(dir, 'outside');
  await mkdir(join(root, 'nested'), { recursive: true });
  await mkdir(outside);
  await copyFile(input, join(root, 'tx.csv'));
  await writeFile(join(outside, 'secret.txt'), `${SECRET_LINES.join('\n')}\n`);
  await writeFile(join(outside, 'secret.json'), `${SECRET_LINES.join('\n')}\n`);
  await symlink(join(outside, 'secret.txt'), join(root, 'link-out.csv'));
  await copyFile(input, join(root, 'nested', 'good.csv'));
  await symlink(join(outside, 'secret.txt'), join(root, 'nested', 'sneaky.csv'));
  await symlink('/etc/passwd', join(root, 'passwd.csv'));
  await mkdir(join(root, 'fifo-folder'));
  await copyFile(input, join(root, 'fifo-folder', 'good.csv'));
  execFileSync('mkfifo', [join(root, 'fifo.csv')]);
  execFileSync('mkfifo', [join(root, 'fifo-folder', 'blocked.csv')]);
  unixSocket = createServer().listen(join(root, 'socket.csv'));
  await new Promise((r) => unixSocket.once('listening', r));
  // Files inside the root whose content must not come back either.
  await writeFile(join(root, 'one-line.csv'), `${SECRET_LINES[0]}\n`);
  await writeFile(join(root, 'one-customer.csv'), 'customer_id,ts,amount\nalone,2026-06-01,10\n');
  await writeFile(join(root, 'bad-config.json'), `${SECRET_LINES[0]}\n`);
  await writeFile(join(root, 'mapped.csv'), (await import('node:fs')).readFileSync(input, 'utf8').replace('customer_id,ts,amount', 'CustomerID,InvoiceDate,Total'));

  app = await buildServer({
    dataDir,
    token: TOKEN,
    reloadIntervalMs: 0,
    inputRoots: [root],
    headersTimeoutMs: 400,
    requestTimeoutMs: 3_000,
    keepAliveTimeoutMs: 400,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
});

afterAll(async () => {
  await app?.close();
  unixSocket?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('timeouts', () => {
  it('closes clients that trickle their headers, and idle keep-alive connections', async () => {
    const clients = Array.from({ length: 8 }, () => slowClient(port, 50));
    try {
      const answers = await Promise.all(clients.map((c) => c.closed));
      // Node answers 408 to a request whose headers did not arrive in time.
      for (const a of answers) expect(a === '' || a.startsWith('HTTP/1.1 408')).toBe(true);
      for (const c of clients) expect(c.sent()).toBeGreaterThan(0);
    } finally {
      for (const c of clients) c.destroy();
    }
    const idle = await idleAfterOneRequest(port);
    expect(idle).toMatch(/^HTTP\/1\.1 200/);
    expect((await call({ method: 'GET', url: '/healthz' })).status).toBe(200);
  });
});

describe('bodies', () => {
  it('answers text/plain with 415 on every route that takes a body', async () => {
    for (const url of ['/v1/events', '/v1/jobs/rescore', '/v1/customers/batch-get']) {
      const r = await call({ method: 'POST', url, headers: { ...auth, 'content-type': 'text/plain' }, payload: 'hello' });
      expect([r.status, r.body['code']], url).toEqual([415, 'SEG_ERR_UNSUPPORTED_MEDIA_TYPE']);
    }
  });

  it('answers a 100,000-deep JSON array with 400, as a body and as a row', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    for (const payload of [deep, `[${deep}]`, `[{"customer_id":${deep},"ts":"2026-07-01","amount":1}]`]) {
      const r = await call({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': 'application/json' }, payload });
      expect([r.status, r.body['code']]).toEqual([400, 'SEG_ERR_BAD_REQUEST']);
    }
    const job = await call({ method: 'POST', url: '/v1/jobs/rescore', headers: { ...auth, 'content-type': 'application/json' }, payload: deep });
    expect([job.status, job.body['code']]).toEqual([400, 'SEG_ERR_BAD_REQUEST']);
  });

  it('answers a deeply nested NDJSON row without a 500', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const r = await call({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': 'application/x-ndjson' }, payload: `{"customer_id":${deep},"ts":"2026-07-01","amount":1}\n` });
    expect(r.status).toBeLessThan(500);
  });

  it('answers 100,001 rows with 413 for JSON, NDJSON, CSV and Arrow bodies, and takes none of them', async () => {
    const n = 100_001;
    const rows = Array.from({ length: n }, () => ({ customer_id: 'too-many', ts: '2026-07-01', amount: 1 }));
    const csv = `customer_id,ts,amount\n${'too-many,2026-07-01,1\n'.repeat(n)}`;
    const ndjson = '{"customer_id":"too-many","ts":"2026-07-01","amount":1}\n'.repeat(n);
    const table = tableFromArrays({ customer_id: Int32Array.from({ length: n }, () => 999_999), ts: Float64Array.from({ length: n }, () => Date.parse('2026-07-01')), amount: Float64Array.from({ length: n }, () => 1) });
    const bodies: [string, string | Buffer][] = [
      ['application/json', JSON.stringify(rows)],
      ['application/x-ndjson', ndjson],
      ['text/csv', csv],
      ['application/vnd.apache.arrow.stream', Buffer.from(tableToIPC(table, 'stream'))],
    ];
    for (const [type, payload] of bodies) {
      const r = await call({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': type }, payload });
      expect([r.status, r.body['code']], type).toEqual([413, 'SEG_ERR_PAYLOAD_TOO_LARGE']);
    }
    for (const id of ['too-many', '999999']) expect((await call({ method: 'GET', url: `/v1/customers/${id}` })).status).toBe(404);
  });

  it('answers a 35 MB body with a 413 the client reads, on a real socket, and goes on serving', async () => {
    const size = 35 * 1024 * 1024;
    const head = `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`;
    const raw = await sendLargeBody(port, head, size);
    seen.push(raw.response);
    expect(raw.error).toBeNull();
    expect(raw.response).toMatch(/^HTTP\/1\.1 413/);
    expect(raw.response).toContain('SEG_ERR_PAYLOAD_TOO_LARGE');
    const viaFetch = await fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: Buffer.alloc(size, 0x31) });
    expect(viaFetch.status).toBe(413);
    expect(((await viaFetch.json()) as { code: string }).code).toBe('SEG_ERR_PAYLOAD_TOO_LARGE');
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});

describe('auth', () => {
  it('needs the token on every job route, takes the scheme in any case, and refuses other schemes', async () => {
    const started = await startJob({ input: join(root, 'tx.csv') });
    expect(started.status).toBe(202);
    const id = String(started.body['id']);
    for (const [method, url] of [['GET', `/v1/jobs/${id}`], ['DELETE', `/v1/jobs/${id}`], ['POST', '/v1/jobs/rescore'], ['GET', '/v1/jobs/unknown']] as const) {
      const r = await call({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
      expect([r.status, r.body['code']], `${method} ${url}`).toEqual([401, 'SEG_ERR_UNAUTHORIZED']);
    }
    for (const authorization of [`Basic ${TOKEN}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer', `${TOKEN}`]) {
      const r = await call({ method: 'GET', url: `/v1/jobs/${id}`, headers: { authorization } });
      expect([r.status, r.body['code']], authorization).toEqual([401, 'SEG_ERR_UNAUTHORIZED']);
    }
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const r = await call({ method: 'GET', url: `/v1/jobs/${id}`, headers: { authorization: `${scheme} ${TOKEN}` } });
      expect(r.status, scheme).toBe(200);
    }
    expect((await jobRecord(id))['status']).toBe('succeeded');
  });
});

const forbidden: [string, Record<string, unknown>][] = [
  ['/etc/passwd as input', { input: '/etc/passwd' }],
  ['/etc/shadow as input', { input: '/etc/shadow' }],
  ['/proc/self/environ as input', { input: '/proc/self/environ' }],
  ['/dev/zero as input', { input: '/dev/zero' }],
  ['a missing file outside the roots', { input: '/nonexistent/tx.csv' }],
  ['the secret file as input', { input: '' }],
  ['the secret via ..', { input: '' }],
  ['a symlink in the root leading out', { input: '' }],
  ['a symlink in the root to /etc/passwd', { input: '' }],
  ['a folder with a symlink leading out', { input: '' }],
  ['a FIFO in the root', { input: '' }],
  ['a folder holding a FIFO', { input: '' }],
  ['a socket in the root', { input: '' }],
  ['standard input', { input: '-' }],
  ['/etc/passwd as config', { config: '/etc/passwd' }],
  ['/proc/self/environ as config', { config: '/proc/self/environ' }],
  ['the secret as config', { config: '' }],
  ['the secret as config via ..', { config: '' }],
  ['a symlink leading out as config', { config: '' }],
];

function resolvePaths(name: string, body: Record<string, unknown>): Record<string, unknown> {
  const paths: Record<string, string> = {
    'the secret file as input': join(outside, 'secret.txt'),
    'the secret via ..': join(root, '..', 'outside', 'secret.txt'),
    'a symlink in the root leading out': join(root, 'link-out.csv'),
    'a symlink in the root to /etc/passwd': join(root, 'passwd.csv'),
    'a folder with a symlink leading out': join(root, 'nested'),
    'a FIFO in the root': join(root, 'fifo.csv'),
    'a folder holding a FIFO': join(root, 'fifo-folder'),
    'a socket in the root': join(root, 'socket.csv'),
    'the secret as config': join(outside, 'secret.json'),
    'the secret as config via ..': join(root, '..', 'outside', 'secret.json'),
    'a symlink leading out as config': join(root, 'link-out.csv'),
  };
  const path = paths[name];
  if ('config' in body) return { input: join(root, 'tx.csv'), config: path ?? body['config'] };
  return { input: path ?? body['input'] };
}

describe('job confinement', () => {
  it.each(forbidden)('refuses %s with 403 SEG_ERR_INPUT_FORBIDDEN before reading it', async (name, body) => {
    const r = await startJob(resolvePaths(name, body));
    expect([r.status, r.body['code']]).toEqual([403, 'SEG_ERR_INPUT_FORBIDDEN']);
    expect(String(r.body['message']).length).toBeLessThanOrEqual(500);
    expect(app.segstream.jobs.current).toBeNull();
  });

  it('says 404 for a missing file inside a root, and runs later jobs after a FIFO was refused', async () => {
    const missing = await startJob({ input: join(root, 'missing.csv') });
    expect([missing.status, missing.body['code']]).toEqual([404, 'SEG_ERR_INPUT_NOT_FOUND']);
    const fifo = await startJob({ input: join(root, 'fifo.csv') });
    expect(fifo.status).toBe(403);
    const later = await startJob({ input: join(root, 'tx.csv') });
    expect(later.status).toBe(202);
    expect((await jobRecord(String(later.body['id'])))['status']).toBe('succeeded');
  });

  it('refuses every explicit input on a server started without an input root, and says how to allow it', async () => {
    const bare = await mkdtemp(join(tmpdir(), 'segstream-noroot-'));
    const server = await buildServer({ dataDir: bare, token: TOKEN, reloadIntervalMs: 0 });
    try {
      const r = await startJob({ input: join(root, 'tx.csv') }, server);
      expect([r.status, r.body['code']]).toEqual([403, 'SEG_ERR_INPUT_FORBIDDEN']);
      expect(r.body['message']).toContain('--input-root');
    } finally {
      await server.close();
      await rm(bare, { recursive: true, force: true });
    }
  });
});

describe('the job body', () => {
  it('refuses unknown keys with a hint, and a ts_format or decimal it cannot read', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ input: join(root, 'tx.csv'), asOf: '2026-01-01' }, 'did you mean as_of?'],
      [{ input: join(root, 'tx.csv'), includeLog: false }, 'did you mean include_log?'],
      [{ input: join(root, 'tx.csv'), columns: { customerid: 'CustomerID' } }, 'did you mean columns.customer_id?'],
      [{ input: join(root, 'tx.csv'), tsformat: '%Y-%m-%d' }, 'did you mean ts_format?'],
      [{ input: join(root, 'tx.csv'), ts_format: '%Q-%m' }, 'ts_format'],
      [{ input: join(root, 'tx.csv'), decimal: ';' }, 'decimal'],
      [{ input: join(root, 'tx.csv'), force: 'yes' }, 'force'],
    ];
    for (const [payload, hint] of cases) {
      const r = await startJob(payload);
      expect([r.status, r.body['code']], JSON.stringify(payload)).toEqual([400, 'SEG_ERR_BAD_REQUEST']);
      expect(r.body['message']).toContain(hint);
    }
    expect(app.segstream.jobs.current).toBeNull();
  });

  it('passes force to the publishing guard: refused without it, published with it', async () => {
    const before = app.segstream.store.ready().snapshot.id;
    const refused = await startJob({ input: join(root, 'one-customer.csv') });
    expect(await jobRecord(String(refused.body['id']))).toMatchObject({ status: 'failed', error: { code: 'SEG_ERR_PUBLISH_REFUSED' } });
    expect(app.segstream.store.ready().snapshot.id).toBe(before);
    const forced = await startJob({ input: join(root, 'one-customer.csv'), force: true });
    const job = await jobRecord(String(forced.body['id']));
    expect(job['status'], JSON.stringify(job['error'])).toBe('succeeded');
    expect(app.segstream.store.ready().snapshot.id).not.toBe(before);
  });

  it('maps columns and takes as_of', async () => {
    const r = await startJob({ input: join(root, 'mapped.csv'), columns: { customer_id: 'CustomerID', ts: 'InvoiceDate', amount: 'Total' }, as_of: '2026-07-31' });
    expect(r.status).toBe(202);
    const job = await jobRecord(String(r.body['id']));
    expect(job['status'], JSON.stringify(job['error'])).toBe('succeeded');
    expect(job['summary']).toMatchObject({ as_of: '2026-07-31T23:59:59.999Z' });
  });
});

describe('cancelling and timing jobs', () => {
  it('cancels a running job: status cancelled, SEG_ERR_JOB_CANCELLED, the live snapshot unchanged', async () => {
    const before = app.segstream.store.ready().snapshot.id;
    const r = await startJob({ input: join(root, 'tx.csv') });
    expect(r.status).toBe(202);
    const cancelled = await call({ method: 'DELETE', url: `/v1/jobs/${String(r.body['id'])}`, headers: auth });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', error: { code: 'SEG_ERR_JOB_CANCELLED' } });
    expect(await jobRecord(String(r.body['id']))).toMatchObject({ status: 'cancelled' });
    expect(app.segstream.store.ready().snapshot.id).toBe(before);
    const unknown = await call({ method: 'DELETE', url: '/v1/jobs/nope', headers: auth });
    expect([unknown.status, unknown.body['code']]).toEqual([404, 'SEG_ERR_JOB_NOT_FOUND']);
  });

  it('stops a job past its time limit with SEG_ERR_JOB_TIMEOUT and publishes nothing', async () => {
    const { dir: other, dataDir: otherData, input } = await makeDataDir();
    const server = await buildServer({ dataDir: otherData, token: TOKEN, reloadIntervalMs: 0, rescoreInput: input, jobTimeoutMs: 200 });
    try {
      const before = server.segstream.store.ready().snapshot.id;
      const r = await startJob({}, server);
      expect(r.status).toBe(202);
      const job = await jobRecord(String(r.body['id']), server);
      expect(job).toMatchObject({ status: 'failed', error: { code: 'SEG_ERR_JOB_TIMEOUT' } });
      expect(server.segstream.store.ready().snapshot.id).toBe(before);
    } finally {
      await server.close();
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe('secrets', () => {
  it('never quotes a file in a job record: a one-line file as input, a non-JSON file as config', async () => {
    for (const payload of [{ input: join(root, 'one-line.csv') }, { input: join(root, 'tx.csv'), config: join(root, 'bad-config.json') }]) {
      const r = await startJob(payload);
      expect(r.status).toBe(202);
      const job = await jobRecord(String(r.body['id']));
      expect(job['status']).toBe('failed');
    }
  });

  it('no response body or job record holds a line of a file outside the data directory', async () => {
    // Every hostile path again, this time following a job that starts to its record, so the
    // check stands on its own whatever the answers above were.
    const payloads = [
      ...forbidden.map(([name, body]) => resolvePaths(name, body)),
      { input: join(root, 'one-line.csv') },
      { input: join(root, 'tx.csv'), config: join(root, 'bad-config.json') },
    ];
    for (const payload of payloads) {
      // These would block or never end on a server that does not refuse them; the cases above cover them.
      if ([join(root, 'fifo.csv'), join(root, 'fifo-folder'), '/dev/zero'].includes(String(payload['input']))) continue;
      const r = await startJob(payload);
      if (r.status === 202) await jobRecord(String(r.body['id']));
    }
    expect(seen.length).toBeGreaterThan(payloads.length);
    for (const text of seen) {
      for (const line of SECRET_LINES) expect(text).not.toContain(line);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toMatch(SYSTEM_FILE_LINE);
      expect(text.length).toBeLessThan(20_000);
    }
    expect((await call({ method: 'GET', url: '/healthz' })).status).toBe(200);
  });
});
