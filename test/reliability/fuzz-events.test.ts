/**
 * Fuzzing POST /v1/events of a real server (listening on a port, spoken to over HTTP): a sample
 * of the generated inputs per body format. Every answer is a 202 whose counts add up or a 4xx with
 * a SEG_ERR_* code, never a 5xx; afterwards the server still answers lookups and listings, and a
 * rescore job over the poisoned event log still succeeds with an exportable snapshot.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSnapshot } from '../../engine/snapshot/export-snapshot.js';
import { buildServer } from '../../server/build-server.js';
import { makeDataDir } from '../server/fixture.js';
import { FUZZ_SEED, type FuzzCase, type FuzzFormat, fuzzCases } from './fuzz-generators.js';

const SEED = FUZZ_SEED + 2;
const PER_FORMAT = 100;
const TOKEN = 'fuzz-token';
const CONTENT_TYPES: Partial<Record<FuzzFormat, string>> = {
  csv: 'text/csv',
  ndjson: 'application/x-ndjson',
  'arrow-file': 'application/vnd.apache.arrow.file',
  'arrow-stream': 'application/vnd.apache.arrow.stream',
};

let dir: string;
let dataDir: string;
let input: string;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  ({ dir, dataDir, input } = await makeDataDir());
  app = await buildServer({ dataDir, token: TOKEN, reloadIntervalMs: 0, inputRoots: [dir] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The same rows as a JSON array body (a damaged line makes the whole body invalid JSON: a 400). */
function jsonArray(c: FuzzCase): Uint8Array {
  const lines = Buffer.from(c.bytes).toString('utf8').split('\n').filter((l) => l.trim() !== '');
  return Buffer.from(`[${lines.join(',')}]`);
}

async function post(body: Uint8Array, contentType: string): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const r = await fetch(`${base}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType }, body });
  const text = await r.text();
  try {
    return { status: r.status, json: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: r.status, json: null };
  }
}

describe(`fuzzing POST /v1/events (seed ${SEED})`, () => {
  it('answers every mutated body with a 202 whose counts add up or a coded 4xx, and keeps serving and rescoring', async () => {
    const problems: string[] = [];
    const outcomes: Record<string, number> = {};
    const bodies: Array<{ where: string; body: Uint8Array; type: string }> = [];
    for (const [format, type] of Object.entries(CONTENT_TYPES) as [FuzzFormat, string][]) {
      for (const c of fuzzCases(format, PER_FORMAT, SEED)) bodies.push({ where: `${format} #${c.index} (seed ${SEED}; ${c.mutation})`, body: c.bytes, type });
    }
    for (const c of fuzzCases('ndjson', PER_FORMAT, SEED + 1)) bodies.push({ where: `json #${c.index} (seed ${SEED + 1}; ${c.mutation})`, body: jsonArray(c), type: 'application/json' });
    for (const { where, body, type } of bodies) {
      const { status, json } = await post(body, type);
      outcomes[String(status)] = (outcomes[String(status)] ?? 0) + 1;
      if (status === 202 && json !== null) {
        const byReason = Object.values((json['rejected_by_reason'] ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
        if (byReason !== json['rejected']) problems.push(`${where}: ${String(json['rejected'])} rejected, ${byReason} by reason`);
        for (const row of (json['rejected_rows'] ?? []) as Array<{ value?: unknown }>) {
          if (row.value !== undefined && (typeof row.value !== 'string' || row.value.length > 200)) problems.push(`${where}: a rejected row's value is not short flat text`);
        }
      } else if (status >= 400 && status < 500 && typeof json?.['code'] === 'string' && /^SEG_ERR_[A-Z_]+$/.test(json['code'])) {
        outcomes[json['code']] = (outcomes[json['code']] ?? 0) + 1;
      } else {
        problems.push(`${where}: ${status} ${JSON.stringify(json)?.slice(0, 300)}`);
      }
    }
    console.log(`fuzz events seed ${SEED}: ${bodies.length} bodies, outcomes ${JSON.stringify(outcomes)}`);
    expect(problems.slice(0, 20), `seed ${SEED}: ${problems.length} broken promises`).toEqual([]);

    // Whatever was accepted, lookups and listings still answer.
    expect((await fetch(`${base}/v1/segments`)).status).toBe(200);
    for (const id of ['1', '2', '7', '042']) expect([200, 404]).toContain((await fetch(`${base}/v1/customers/${id}`)).status);

    // And a rescore job folds the accepted events into a snapshot that exports.
    const started = await fetch(`${base}/v1/jobs/rescore`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ input }) });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    let job: { status: string; summary: { snapshot: string } | null; error: { code: string } | null };
    for (;;) {
      job = (await (await fetch(`${base}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as typeof job;
      if (job.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(job.error?.code ?? 'none').not.toBe('SEG_ERR_INTERNAL');
    if (job.status === 'succeeded') await exportSnapshot({ dataDir, id: job.summary!.snapshot, format: 'ndjson', out: join(dir, 'export.ndjson') });
    else expect(job.error?.code).toBe('SEG_ERR_PUBLISH_REFUSED');
  }, 120_000);
});
