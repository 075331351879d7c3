/**
 * `GET /v1/customers/<id>` over a real socket is taken before fastify (lookup-queue.ts `takeRaw`)
 * and answered from the columns; everything else it meets goes to fastify's route. Over the
 * socket and through `inject` (which calls fastify's handler directly, so always the route), every
 * answer must be the same bytes: status, content-type, content-length and body.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/build-server.js';
import { makeDataDir } from './fixture.js';

interface Answer {
  readonly status: number;
  readonly type: string | undefined;
  readonly length: string | undefined;
  readonly body: string;
}

/** One request over a socket, with the raw path as written (no normalisation). */
function overSocket(port: number, method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], length: res.headers['content-length'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function throughFastify(app: FastifyInstance, method: 'GET' | 'HEAD', path: string): Promise<Answer> {
  const r = await app.inject({ method, url: path });
  const length = r.headers['content-length'];
  return { status: r.statusCode, type: r.headers['content-type'] as string | undefined, length: length === undefined ? undefined : String(length), body: r.body };
}

describe('lookups taken off the socket', () => {
  let dir: string;
  let app: FastifyInstance;
  let port: number;
  /** Requests fastify's router saw. */
  const routed: string[] = [];

  beforeAll(async () => {
    const made = await makeDataDir();
    dir = made.dir;
    app = await buildServer({ dataDir: made.dataDir, token: 'secret', reloadIntervalMs: 0 });
    app.addHook('onRequest', async (request) => {
      routed.push(request.url);
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
    // A customer only the live overlay knows, and one whose live events change its snapshot row.
    const auth = { authorization: 'Bearer secret' };
    const posted = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth,
      payload: [
        { customer_id: 'new one', ts: '2026-07-01', amount: 0.1 },
        { customer_id: 'new one', ts: '2026-07-02', amount: 0.2 },
        { customer_id: 9, ts: '2026-07-01', amount: 12.5 },
      ],
    });
    expect(posted.statusCode).toBe(202);
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers a snapshot customer, a live one and a changed one as the route does, without routing them', async () => {
    for (const path of ['/v1/customers/7', '/v1/customers/042', '/v1/customers/9', '/v1/customers/60']) {
      routed.length = 0;
      const raw = await overSocket(port, 'GET', path);
      expect(routed).toEqual([]);
      expect(raw.status).toBe(200);
      expect(raw).toEqual(await throughFastify(app, 'GET', path));
    }
    const live = await overSocket(port, 'GET', '/v1/customers/new%20one');
    expect(JSON.parse(live.body)).toMatchObject({ customer_id: 'new one', orders: 2, revenue: 0.3, live: true });
    expect(JSON.parse((await overSocket(port, 'GET', '/v1/customers/9')).body)).toMatchObject({ customer_id: '9', live: true });
  });

  it('hands every other request to the route: misses, encoded and refused ids, HEAD, queries, longer paths', async () => {
    const cases: ['GET' | 'HEAD', string][] = [
      ['GET', '/v1/customers/nobody'],
      ['GET', '/v1/customers/new%20one'],
      ['GET', `/v1/customers/${'x'.repeat(257)}`],
      ['GET', '/v1/customers/%ZZ'],
      ['GET', '/v1/customers/NA'],
      ['GET', '/v1/customers/7?fields=all'],
      ['GET', '/v1/customers/7/extra'],
      ['HEAD', '/v1/customers/7'],
    ];
    for (const [method, path] of cases) {
      routed.length = 0;
      const raw = await overSocket(port, method, path);
      // fastify's router refuses a broken escape before any hook runs.
      expect(routed).toEqual(path.includes('%ZZ') ? [] : [path]);
      expect(raw).toEqual(await throughFastify(app, method, path));
    }
    expect((await overSocket(port, 'GET', '/v1/customers/%ZZ')).status).toBe(400);
    expect((await overSocket(port, 'GET', '/v1/customers/nobody')).status).toBe(404);
  });

  it('times the lookups it answers in the lookup histogram, once each', async () => {
    const count = async () => {
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      const line = text.split('\n').find((l) => l.startsWith('segstream_lookup_duration_seconds_count') && l.includes('"/v1/customers/:id"'));
      return Number(line?.split(' ').pop());
    };
    const before = await count();
    await overSocket(port, 'GET', '/v1/customers/7');
    await overSocket(port, 'GET', '/v1/customers/nobody');
    expect(await count()).toBe(before + 2);
  });
});

describe('lookups before the first snapshot', () => {
  it('are handed to the route, which answers 503 SEG_ERR_NOT_READY', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'segstream-fast-'));
    const app = await buildServer({ dataDir: join(dir, 'data'), reloadIntervalMs: 0 });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as { port: number }).port;
      const raw = await overSocket(port, 'GET', '/v1/customers/7');
      expect(raw.status).toBe(503);
      expect(JSON.parse(raw.body).code).toBe('SEG_ERR_NOT_READY');
      expect(raw).toEqual(await throughFastify(app, 'GET', '/v1/customers/7'));
    } finally {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
