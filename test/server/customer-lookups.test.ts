import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSnapshot } from '../../engine/snapshot/snapshot-store.js';
import { CUSTOMER_FIELDS, cellOf } from '../../engine/snapshot/customer-schema.js';
import { rescore } from '../../engine/rescore/rescore.js';
import type { LoadedSnapshot } from '../../engine/snapshot/snapshot-store.js';
import { buildServer } from '../../server/build-server.js';
import { CustomerJson } from '../../server/format/customer-json.js';
import { CUSTOMER_SCHEMA } from '../../server/schemas.js';

let dir: string;
let app: FastifyInstance;
// What fastify's response schema wrote for a customer view before lookups were written from the
// columns: the reference every answer must equal byte for byte.
const ref = Fastify();
ref.post('/', { schema: { response: { 200: CUSTOMER_SCHEMA } } }, async (request) => request.body);
async function schemaJson(view: unknown): Promise<string> {
  return (await ref.inject({ method: 'POST', url: '/', payload: view as object })).body;
}
let snap: LoadedSnapshot;

/** Ids of every kind a shop sends: text, integers, a leading zero, an integral decimal, quotes, non-ASCII. */
const TEXT_IDS = ['C000017', 'ACME', 'Zoë', 'O"Brien', 'back\\slash', '042', 'ünïcødé-客户'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'segstream-lookups-'));
  const lines = ['customer_id,ts,amount'];
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  for (let i = 1; i <= 400; i++) {
    const id = i % 5 === 0 ? `C${String(i).padStart(6, '0')}` : String(i);
    for (let k = 0; k <= i % 4; k++) lines.push(`${q(id)},2026-0${1 + ((i + k) % 6)}-${10 + k}T0${k}:1${k}:00Z,${((i * 7) % 200) + 5 * k + 0.25}`);
  }
  for (const [j, id] of TEXT_IDS.entries()) lines.push(`${q(id)},2026-05-${10 + j},${12.5 + j}`);
  lines.push('13085.0,2026-06-01,30', '13085,2026-06-02,20');
  // Before 1970: a negative epoch, written from the two halves of its Int64.
  lines.push('MOON,1969-07-20T20:17:40.250Z,19.69', 'MOON,2026-06-20,1');
  // Lost two years ago after heavy returns: lost_at and lost_reason set, a category with nulls elsewhere.
  lines.push('GONE,2024-01-05,50', 'GONE,2024-01-20,-20');
  // Only returns: null purchase fields, scores 0, segment no_purchases.
  lines.push('R1,2026-06-03,-40', 'R1,2026-06-04,-2.5');
  const input = join(dir, 'tx.csv');
  await writeFile(input, `${lines.join('\n')}\n`);
  const dataDir = join(dir, 'data');
  await rescore({ input, dataDir, asOf: '2026-06-30' } as never);
  snap = await loadSnapshot(dataDir);
  app = await buildServer({ dataDir, token: 'secret', reloadIntervalMs: 0 });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await ref.close();
  await rm(dir, { recursive: true, force: true });
});

/** The reference text of snapshot row `row`: Arrow's own value reader, the cell converter, fastify's schema serializer. */
function referenceOf(row: number): Promise<string> {
  const view: Record<string, unknown> = {};
  for (const f of CUSTOMER_FIELDS) view[f.name] = cellOf(f.kind, snap.customers.getChild(f.name)!.get(row));
  return schemaJson({ ...view, snapshot: snap.id, as_of: snap.manifest.as_of, live: false });
}

function rowOf(id: string): number {
  const ids = snap.customers.getChild('customer_id')!;
  for (let r = 0; r < ids.length; r++) if (ids.get(r) === id) return r;
  throw new Error(`no ${id}`);
}

describe('GET /v1/customers/:id written from the columns', () => {
  it('answers every customer with the bytes fastify’s schema serializer wrote, as application/json', async () => {
    const ids = snap.customers.getChild('customer_id')!;
    expect(ids.length).toBeGreaterThan(400);
    for (let r = 0; r < ids.length; r++) {
      const res = await app.inject({ method: 'GET', url: `/v1/customers/${encodeURIComponent(ids.get(r) as string)}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.body).toBe(await referenceOf(r));
    }
  });

  it('shows the values of the input: revenue, timestamps as ISO text, nulls of a customer with only returns', async () => {
    const c = (await app.inject({ method: 'GET', url: '/v1/customers/Zo%C3%AB' })).json();
    expect(c).toMatchObject({ customer_id: 'Zoë', orders: 1, revenue: 14.5, first_purchase_at: '2026-05-12T00:00:00.000Z', live: false, as_of: '2026-06-30T23:59:59.999Z' });
    expect((await app.inject({ method: 'GET', url: '/v1/customers/MOON' })).json()).toMatchObject({ first_purchase_at: '1969-07-20T20:17:40.250Z', orders: 2, revenue: 20.69 });
    const gone = (await app.inject({ method: 'GET', url: '/v1/customers/GONE' })).json();
    expect(gone).toMatchObject({ lifecycle: 'lost', lost_reason: 'returns_heavy', returned_share: 0.4 });
    expect(gone.lost_at).not.toBeNull();
    expect((await app.inject({ method: 'GET', url: '/v1/customers/42' })).json()).toMatchObject({ lost_reason: null, lost_at: null });
    const r = (await app.inject({ method: 'GET', url: '/v1/customers/R1' })).json();
    expect(r).toMatchObject({ orders: 0, returns: 2, returned_amount: 42.5, revenue: -42.5, first_purchase_at: null, recency_days: null, aov: null, r_score: 0, segment: 'no_purchases', margin: null });
    const quoted = await app.inject({ method: 'GET', url: `/v1/customers/${encodeURIComponent('O"Brien')}` });
    expect(quoted.body).toContain('"customer_id":"O\\"Brien"');
    expect(quoted.json().customer_id).toBe('O"Brien');
  });

  it('reads ids canonically: 042 is its own customer, 13085.0 is 13085, and an unknown id is a coded 404', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/customers/042' })).body).toBe(await referenceOf(rowOf('042')));
    expect((await app.inject({ method: 'GET', url: '/v1/customers/42' })).body).toBe(await referenceOf(rowOf('42')));
    const decimal = await app.inject({ method: 'GET', url: '/v1/customers/13085.0' });
    expect(decimal.body).toBe(await referenceOf(rowOf('13085')));
    expect(decimal.json()).toMatchObject({ customer_id: '13085', orders: 2, revenue: 50 });
    for (const id of ['nobody', '0042', '401', 'NULL', '%20']) {
      const res = await app.inject({ method: 'GET', url: `/v1/customers/${id}` });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('SEG_ERR_CUSTOMER_NOT_FOUND');
    }
  });

  it('answers ids beyond the router’s default 100 characters in its own codes: an unknown 256-character id is a 404, a longer one a 400', async () => {
    const unknown = await app.inject({ method: 'GET', url: `/v1/customers/${encodeURIComponent('é'.repeat(256))}` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('SEG_ERR_CUSTOMER_NOT_FOUND');
    const long = await app.inject({ method: 'GET', url: `/v1/customers/${'x'.repeat(257)}` });
    expect(long.statusCode).toBe(400);
    expect(long.json().code).toMatch(/^SEG_ERR_/);
  });
});

describe('POST /v1/customers/batch-get written from the columns', () => {
  it('answers the ids in the order asked, integers by value, the unknown ones in not_found as sent', async () => {
    const ids = [42, '42', '13085.0', 13085, '042', 'nobody', 7, 'Zoë', 99999, 'O"Brien', 'R1'];
    const res = await app.inject({ method: 'POST', url: '/v1/customers/batch-get', payload: { ids } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const found = ['42', '42', '13085', '13085', '042', '7', 'Zoë', 'O"Brien', 'R1'];
    const expected = `{"snapshot":${JSON.stringify(snap.id)},"customers":[${(await Promise.all(found.map((id) => referenceOf(rowOf(id))))).join(',')}],"not_found":["nobody",99999]}`;
    expect(res.body).toBe(expected);
  });

  it('answers a thousand ids as the lookups of each, and an empty list with empty arrays', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? 1 + (i % 400) : String(1 + ((i * 7) % 500))));
    const res = await app.inject({ method: 'POST', url: '/v1/customers/batch-get', payload: { ids } });
    const body = res.json();
    const singles = await Promise.all(ids.map((id) => app.inject({ method: 'GET', url: `/v1/customers/${id}` })));
    expect(body.customers).toEqual(singles.filter((s) => s.statusCode === 200).map((s) => s.json()));
    expect(body.not_found).toEqual(ids.filter((_, i) => singles[i]!.statusCode === 404));
    expect(body.not_found.length).toBeGreaterThan(0);
    const empty = await app.inject({ method: 'POST', url: '/v1/customers/batch-get', payload: { ids: [] } });
    expect(empty.body).toBe(`{"snapshot":${JSON.stringify(snap.id)},"customers":[],"not_found":[]}`);
  });
});

describe('a batch-get longer than one gathered chunk', () => {
  it('answers 2,500 ids (1,024 gathered at a time) as the lookups of each, misses and repeats included', async () => {
    const ids = Array.from({ length: 2500 }, (_, i) => (i % 7 === 0 ? `nobody-${i}` : i % 3 === 0 ? 1 + (i % 400) : String(1 + ((i * 13) % 420))));
    const res = await app.inject({ method: 'POST', url: '/v1/customers/batch-get', payload: { ids } });
    expect(res.statusCode).toBe(200);
    const distinct = [...new Set(ids.map(String))];
    const single = new Map<string, string | null>();
    for (const id of distinct) {
      const one = await app.inject({ method: 'GET', url: `/v1/customers/${encodeURIComponent(id)}` });
      single.set(id, one.statusCode === 200 ? one.body : null);
    }
    const found = ids.filter((id) => single.get(String(id)) !== null);
    expect(found.length).toBeGreaterThan(1024);
    const expected = `{"snapshot":${JSON.stringify(snap.id)},"customers":[${found.map((id) => single.get(String(id))).join(',')}],"not_found":${JSON.stringify(ids.filter((id) => single.get(String(id)) === null))}}`;
    expect(res.body).toBe(expected);
  });
});

describe('a customer with live events', () => {
  it('is answered from the overlay, as the schema serializer writes its view, in a lookup and in a batch', async () => {
    const post = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: 'Bearer secret' },
      payload: [{ customer_id: 'Zoë', ts: '2026-07-01T10:00:00Z', amount: 10 }, { customer_id: 'NEW-1', ts: '2026-07-02T10:00:00Z', amount: 5 }],
    });
    expect(post.statusCode).toBe(202);
    const state = app.segstream.store.ready();
    for (const id of ['Zoë', 'NEW-1']) {
      const res = await app.inject({ method: 'GET', url: `/v1/customers/${encodeURIComponent(id)}` });
      expect(res.json()).toMatchObject({ customer_id: id, live: true });
      expect(res.body).toBe(await schemaJson(state.get(id)));
    }
    expect((await app.inject({ method: 'GET', url: '/v1/customers/Zo%C3%AB' })).json()).toMatchObject({ orders: 2, revenue: 24.5, as_of: '2026-07-01T23:59:59.999Z' });
    const batch = await app.inject({ method: 'POST', url: '/v1/customers/batch-get', payload: { ids: ['NEW-1', 42, 'Zoë'] } });
    expect(batch.body).toBe(`{"snapshot":${JSON.stringify(snap.id)},"customers":[${await schemaJson(state.get('NEW-1'))},${await referenceOf(rowOf('42'))},${await schemaJson(state.get('Zoë'))}],"not_found":[]}`);
  });
});

describe('lookups that arrive together', () => {
  it('are answered in one gathered pass, each with its own bytes, status and error, over real sockets', async () => {
    // Known ids in several spellings, unknown ones, and the overlay's customers (posted above).
    const ids = Array.from({ length: 120 }, (_, i) => (i % 9 === 0 ? `nobody-${i}` : i % 11 === 0 ? 'NEW-1' : i % 13 === 0 ? 'Zoë' : i % 4 === 0 ? `${1 + (i % 400)}.0` : String(1 + ((i * 7) % 420))));
    const alone = new Map<string, { status: number; body: string }>();
    for (const id of new Set(ids)) {
      const res = await app.inject({ method: 'GET', url: `/v1/customers/${encodeURIComponent(id)}` });
      alone.set(id, { status: res.statusCode, body: res.body });
    }
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    // Calls through: records how many lookups each gathered pass answered.
    const spy = vi.spyOn(CustomerJson.prototype, 'several');
    try {
      const answers = await Promise.all(
        ids.map(async (id) => {
          const res = await fetch(`${url}/v1/customers/${encodeURIComponent(id)}`);
          return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
        }),
      );
      for (const [i, id] of ids.entries()) {
        expect({ id, status: answers[i]!.status, body: answers[i]!.body }).toEqual({ id, ...alone.get(id)! });
        expect(answers[i]!.type).toBe('application/json; charset=utf-8');
      }
      const missing = answers.filter((a) => a.status === 404);
      expect(missing.length).toBeGreaterThanOrEqual(ids.filter((id) => id.startsWith('nobody')).length);
      expect(missing.length).toBeLessThan(ids.length / 2);
      expect(new Set(missing.map((a) => JSON.parse(a.body).code))).toEqual(new Set(['SEG_ERR_CUSTOMER_NOT_FOUND']));
      expect(Math.max(...spy.mock.calls.map((c) => c[1]))).toBeGreaterThan(1);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('a queued lookup whose gathering fails', () => {
  it('is answered with a coded 500, as are the others of its turn, and the server goes on answering', async () => {
    const broken = vi.spyOn(CustomerJson.prototype, 'several').mockImplementationOnce(() => {
      throw new Error('gathering failed');
    });
    try {
      const answers = await Promise.all(['42', '7', 'nobody'].map((id) => app.inject({ method: 'GET', url: `/v1/customers/${id}` })));
      expect(answers.map((a) => [a.statusCode, a.json().code])).toEqual([
        [500, 'SEG_ERR_INTERNAL'],
        [500, 'SEG_ERR_INTERNAL'],
        [500, 'SEG_ERR_INTERNAL'],
      ]);
      expect(broken).toHaveBeenCalledTimes(1);
    } finally {
      broken.mockRestore();
    }
    expect((await app.inject({ method: 'GET', url: '/v1/customers/42' })).body).toBe(await referenceOf(rowOf('42')));
  });
});

describe('batch-gets sent at once', () => {
  it('each get their own bytes while earlier answers are still being written to slow readers', async () => {
    const bodies = Array.from({ length: 8 }, (_, k) => ({ ids: Array.from({ length: 1200 }, (_, i) => (i % 5 === 0 ? 1 + ((i + k * 37) % 400) : String(1 + ((i * (k + 3)) % 420)))) }));
    const expected = await Promise.all(bodies.map(async (b) => (await app.inject({ method: 'POST', url: '/v1/customers/batch-get', payload: b })).body));
    expect(new Set(expected).size).toBe(bodies.length);
    const url = app.server.listening ? `http://127.0.0.1:${(app.server.address() as { port: number }).port}` : await app.listen({ host: '127.0.0.1', port: 0 });
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        bodies.map(async (b, k) => {
          const res = await fetch(`${url}/v1/customers/batch-get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
          // Some readers wait before reading, so their answer's buffer is still held while others are written.
          if (k % 2 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
          return res.text();
        }),
      );
      expect(answers).toEqual(expected);
    }
  });
});

describe('the lookup latency histogram', () => {
  /** The count of the histogram's series of `route`, from GET /metrics. */
  async function lookupCount(route: string): Promise<number> {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const m = new RegExp(`^segstream_lookup_duration_seconds_count\\{route="${route.replaceAll('/', '\\/')}"\\} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  }

  it('counts every lookup, batch-get and listing under its route, and no write', async () => {
    const before = await lookupCount('/v1/customers/:id');
    const batches = await lookupCount('/v1/customers/batch-get');
    const segments = await lookupCount('/v1/segments');
    // Found, unknown, non-ASCII, a missing-value token and an empty id the route's schema refuses (both answered without a lookup).
    const statuses: number[] = [];
    for (const id of ['42', 'nobody', 'Zo%C3%AB', 'NA', '']) statuses.push((await app.inject({ method: 'GET', url: `/v1/customers/${id}` })).statusCode);
    expect(statuses).toEqual([200, 404, 200, 404, 400]);
    // A HEAD is no read the histogram counts (fastify's HEAD twin of a GET route shares its handler).
    expect((await app.inject({ method: 'HEAD', url: '/v1/customers/42' })).statusCode).toBe(200);
    await app.inject({ method: 'GET', url: '/v1/segments' });
    await app.inject({ method: 'POST', url: '/v1/customers/batch-get', payload: { ids: [42] } });
    await app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: 'Bearer secret' }, payload: [] });
    expect(await lookupCount('/v1/customers/:id')).toBe(before + 5);
    expect(await lookupCount('/v1/segments')).toBe(segments + 1);
    expect(await lookupCount('/v1/customers/batch-get')).toBe(batches + 1);
    expect(await lookupCount('/v1/events')).toBe(0);
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).not.toMatch(/segstream_lookup_duration_seconds_count\{route="\/metrics"\}/);
  });
});
