import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../engine/config/load-config.js';
import { IdKeyCache } from '../../../engine/live/id-key-cache.js';
import { type JsonScanner, canonicalIsoMs, nativeJsonScanner, scanJsonBatch } from '../../../engine/live/json-rows.js';
import { jsonRowsBatch } from '../../../engine/live/tx-batches.js';
import { type TxBatch, parseBatch } from '../../../engine/parse/parse-batch.js';
import { parseIsoTimestamp } from '../../../engine/parse/parse-timestamp.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import type { Manifest } from '../../../engine/snapshot/manifest.js';
import { eventDialect } from '../../../server/event-dialect.js';
import { mulberry32 as rng } from '../../helpers/random.js';

const CONFIG = parseConfig({});

/** What the general path makes of a body, as the events route runs it: JSON.parse, jsonRowsBatch, parseBatch with the event dialect. */
function general(text: string): { batch: TxBatch; rejected: number } {
  const raw = jsonRowsBatch(JSON.parse(text) as unknown[], 'request');
  const rejects = new RejectLog(10);
  const batch = parseBatch(raw, rejects, eventDialect(CONFIG, {} as Manifest, raw));
  return { batch, rejected: rejects.total };
}

const IDS = new IdKeyCache();

/** The scanner the tests below run: the addon's first (where the build has it), or this file's alone. */
let scanner: JsonScanner = 'auto';

function scan(text: string, tsFormat = 'auto') {
  return scanJsonBatch(Buffer.from(text, 'utf8'), tsFormat, IDS, scanner);
}

/** The scan equals the general path bit for bit (toEqual would take -0 for 0 and NaN for NaN), with nothing rejected. */
function expectSame(text: string): void {
  const scanned = scan(text);
  expect(scanned, text).not.toBeNull();
  const want = general(text);
  expect(want.rejected, text).toBe(0);
  expect(scanned!.rows, text).toBe(want.batch.length);
  expect(scanned!.batch, text).toEqual(want.batch);
  for (const name of ['ts', 'amount', 'margin'] as const) {
    const got = scanned!.batch[name];
    const exp = want.batch[name];
    expect(got === null, `${name} ${text}`).toBe(exp === null);
    for (let i = 0; got && i < got.length; i++) expect(Object.is(got[i], exp![i]), `${name}[${i}] ${text}`).toBe(true);
  }
  for (let i = 0; i < want.batch.length; i++) expect(Object.is(scanned!.batch.ids[i], want.batch.ids[i]), `id ${i} ${text}`).toBe(true);
}


const NUMBER_TEXTS = ['0', '-0', '42', '-7', '59.9', '0.1', '0.2', '10.37', '123456789012345', '1234567890123456789', '9007199254740993', '0.30000000000000004', '1e3', '2.5E-3', '-1.25e+2', '1e400', '0.0000001', '3.14159265358979323846', '12.3400', '100000000000000000000000'];
const STRING_TEXTS = ['"C42"', '"2026-07-01T10:00:00Z"', '""', '"ünïcode €"', '"tab\\there"', '"quote \\" and \\\\"', '"\\u0041\\u00e9"', '"😀"', '"NA"', '"  42 "'];
const OTHER_TEXTS = ['null', 'true', 'false'];

function value(r: () => number): string {
  const pick = (list: readonly string[]) => list[Math.floor(r() * list.length)]!;
  const x = r();
  return x < 0.5 ? pick(NUMBER_TEXTS) : x < 0.85 ? pick(STRING_TEXTS) : pick(OTHER_TEXTS);
}

function body(seed: number): string {
  const r = rng(seed);
  const keys = ['customer_id', 'ts', 'amount', 'margin', 'event_id', 'quantity', 'price', 'order_id', 'note', 'amount'];
  const rows: string[] = [];
  const n = Math.floor(r() * 8);
  for (let i = 0; i < n; i++) {
    const parts: string[] = [];
    for (const k of keys) if (r() < 0.6) parts.push(`${r() < 0.5 ? ' ' : ''}"${k}"${r() < 0.3 ? ' ' : ''}:${r() < 0.3 ? '\n' : ''}${value(r)}`);
    rows.push(`{${parts.join(',')}}`);
  }
  return `${r() < 0.5 ? ' ' : ''}[${rows.join(r() < 0.5 ? ',' : ' ,\n ')}]${r() < 0.5 ? '\n' : ''}`;
}

const VALID_IDS = ['42', '-7', '0', '-0', '9007199254740991', '"C42"', '"042"', '"42"', '" 42 "', '"13085.0"', '"ünïcode €"', '"tab\\there"', '"\\u0041\\u00e9"', '"😀"', '12.0'];
const VALID_TS = [
  '"2026-07-01T10:00:00Z"',
  '"2026-07-01T10:00:00.123Z"',
  '"2026-07-01"',
  '"2024-02-29T23:59:59Z"',
  '"2026-01-31T00:00:00.999Z"',
  '"0001-01-01T00:00:00Z"',
  '"9999-12-28T23:59:59Z"',
  '"2026-07-01 10:00:00"',
  '"2026-07-01t10:00Z"',
  '"2026-07-01T10:00:00+02:00"',
  '"2026-07-01T10:00:00,5-0130"',
  '" 2026-07-01T10:00:00Z "',
  '"2026-07-01T10:00:00.1234567Z"',
];
const VALID_MONEY = ['59.9', '0.1', '0.2', '-0.1', '0', '-0', '10.37', '900719925474.0991', '0.30000000000000004', '1e3', '2.5E-3', '-1.25e+2', '3.14159265358979323846', '12.3400'];

/** A body of valid rows in the common shape: every value one parseBatch accepts. */
function validBody(seed: number): string {
  const r = rng(seed);
  const pick = (list: readonly string[]) => list[Math.floor(r() * list.length)]!;
  const rows: string[] = [];
  const n = 1 + Math.floor(r() * 8);
  for (let i = 0; i < n; i++) {
    const parts = [`"customer_id":${pick(VALID_IDS)}`, `"ts" : ${pick(VALID_TS)}`, `"amount":\n${pick(VALID_MONEY)}`];
    if (r() < 0.4) parts.push(`"margin":${r() < 0.3 ? 'null' : pick(VALID_MONEY)}`);
    if (r() < 0.3) parts.push(`"event_id":${r() < 0.5 ? `"e-${seed}-${i}"` : r() < 0.5 ? String(i) : 'null'}`);
    // Unknown keys, some starting like a known one (matched in place up to where they differ).
    if (r() < 0.4) parts.push(`"${pick(['note', 'tsx', 'amount_due', 'c', 'customer', 'marginal', 'event', 'o'])}":${r() < 0.5 ? '"x\\"y"' : 'true'}`);
    if (r() < 0.1) parts.push(`"amount":${pick(VALID_MONEY)}`);
    for (let k = parts.length - 1; k > 0; k--) {
      const j = Math.floor(r() * (k + 1));
      [parts[k], parts[j]] = [parts[j]!, parts[k]!];
    }
    rows.push(`{${parts.join(r() < 0.5 ? ',' : ' , ')}}`);
  }
  return `${r() < 0.5 ? ' ' : ''}[${rows.join(r() < 0.5 ? ',' : ' ,\n ')}]`;
}

describe.runIf(nativeJsonScanner() !== null)('the addon\'s JSON rows scanner', () => {
  it('reads the common shape itself (integer and text ids, margins, unknown keys) into the batch the TypeScript scanner makes', () => {
    const native = nativeJsonScanner();
    const text = JSON.stringify([
      { customer_id: 42, ts: '2026-07-01T10:00:00Z', amount: 59.9, margin: null },
      { customer_id: 'C7', ts: '2026-07-01T11:00:00.250Z', amount: -0.1, margin: 0.05, note: 'x' },
      { customer_id: '8', ts: '2026-07-01', amount: 0.2 },
    ]);
    const body = Buffer.from(text);
    const slots = 16;
    const cols = [new Float64Array(slots), new Float64Array(slots), new Float64Array(slots), new Float64Array(slots)] as const;
    const rows = native!(body, ...cols, new Int32Array(slots), new Int32Array(slots), new Float64Array(1));
    expect(rows).toBe(3);
    const viaAddon = scanJsonBatch(body, 'auto', IDS, 'auto')!;
    const viaScript = scanJsonBatch(body, 'auto', IDS, 'js')!;
    expect(viaAddon.batch).toEqual(viaScript.batch);
    expect(viaAddon.batch.ids).toEqual([42, 'C7', 8]);
  });
});

describe.each(['auto', 'js'] as const)('scanJsonBatch (%s)', (kind) => {
  beforeAll(() => {
    scanner = kind;
  });

  it('reads the common shape into the same batch as the general path', () => {
    expectSame(
      JSON.stringify([
        { customer_id: 42, ts: '2026-07-01T10:00:00Z', amount: 59.9 },
        { customer_id: 'C7', ts: '2026-07-01T11:00:00.250Z', amount: -0.1, margin: 0.05, event_id: 'e-1' },
        { customer_id: '8', ts: '2026-07-01', amount: 0.2, note: 'ignored' },
      ]),
    );
  });

  it.each(Array.from({ length: 300 }, (_, seed) => seed))('agrees with the general path on generated valid body %i (escapes, UTF-8, JSON numbers, ISO forms, null margins, repeated and unknown keys)', (seed) => {
    expectSame(validBody(seed));
  });

  it.each(Array.from({ length: 300 }, (_, seed) => seed))('never disagrees with the general path on generated body %i (bad values, missing keys, line items): a batch it reads is the general path\'s, with nothing rejected', (seed) => {
    const text = body(seed);
    if (scan(text) !== null) expectSame(text);
  });

  it('leaves every other shape, and every body with a row parseBatch would reject, to the general path', () => {
    for (const text of [
      '{"customer_id": 1}',
      '[]',
      '[1, 2]',
      '[{"customer_id": 1, "meta": {"a": 1}}]',
      '[{"customer_id": [1]}]',
      '[{"__proto__": {"x": 1}}]',
      '[{"constructor": {"prototype": {}}}]',
      '[{"cust\\u006fmer_id": 1}]',
      '[{"customer_id": 01}]',
      '[{"customer_id": 1.}]',
      '[{"customer_id": "a\tb"}]',
      '[{"customer_id": 1},]',
      '[{"customer_id": 1}] x',
      '[{"customer_id": tru}]',
      '',
      '[',
      // Valid JSON, rows parseBatch rejects or reads with rules this file does not have:
      '[{"ts": "2026-07-01T10:00:00Z", "amount": 1}]',
      '[{"customer_id": 1, "amount": 1}]',
      '[{"customer_id": 1, "ts": "2026-07-01T10:00:00Z"}]',
      '[{"customer_id": "NA", "ts": "2026-07-01T10:00:00Z", "amount": 1}]',
      '[{"customer_id": 1.5, "ts": "2026-07-01T10:00:00Z", "amount": 1}]',
      '[{"customer_id": 1, "ts": "2026-02-30T10:00:00Z", "amount": 1}]',
      '[{"customer_id": 1, "ts": "2026-07-01T24:00:00Z", "amount": 1}]',
      '[{"customer_id": 1, "ts": 1782900000000, "amount": 1}]',
      '[{"customer_id": 1, "ts": "2026-07-01T10:00:00Z", "amount": "5,30"}]',
      '[{"customer_id": 1, "ts": "2026-07-01T10:00:00Z", "amount": 1e300}]',
      '[{"customer_id": 1, "ts": "2026-07-01T10:00:00Z", "amount": 1, "margin": "0.5"}]',
      '[{"customer_id": 1, "ts": "2026-07-01T10:00:00Z", "amount": 1, "event_id": true}]',
      '[{"customer_id": 1, "ts": "2026-07-01T10:00:00Z", "quantity": 2, "price": 1}]',
      '[{"customer_id": 1, "ts": "2026-07-01T10:00:00Z", "amount": 1, "order_id": 7}]',
    ]) {
      expect(scan(text), text).toBeNull();
      // Each still reads as before on the general path (or is refused by JSON.parse).
    }
    // A configured timestamp pattern reads ISO text by other rules: the general path decides.
    expect(scan('[{"customer_id": 1, "ts": "2026-07-01T10:00:00Z", "amount": 1}]', '%Y-%m-%d %H:%M')).toBeNull();
    expect(scan('[{"customer_id": 1, "ts": "2026-07-01T10:00:00Z", "amount": 1}]', 'iso')).not.toBeNull();
  });
});

describe('canonicalIsoMs', () => {
  it('reads the canonical forms as parseIsoTimestamp does, and leaves every other text to it (NaN)', () => {
    const r = rng(11);
    const at = (text: string) => canonicalIsoMs(Buffer.from(text, 'latin1'), 0, text.length);
    for (let i = 0; i < 20_000; i++) {
      // Instants from year 1 to 9999 (Date's ISO form below year 10000 is the canonical one).
      const ms = Math.floor(-62_135_596_800_000 + r() * (253_402_300_799_999 + 62_135_596_800_000));
      const iso = new Date(ms).toISOString();
      const got = at(iso);
      // A day past the 28th is parseIsoTimestamp's to read.
      if (Number(iso.slice(8, 10)) > 28) expect(got, iso).toBeNaN();
      else expect(got, iso).toBe(parseIsoTimestamp(iso));
      const plain = iso.slice(0, 19) + 'Z';
      if (!Number.isNaN(got)) expect(at(plain), plain).toBe(parseIsoTimestamp(plain));
      if (!Number.isNaN(got)) expect(at(iso.slice(0, 10))).toBe(parseIsoTimestamp(iso.slice(0, 10)));
    }
    for (const text of ['2026-13-01T00:00:00Z', '2026-00-01', '2026-07-00', '2026-07-01T10:60:00Z', '2026-07-01T10:00:60Z', '2026-07-01T1a:00:00Z', '2026-07-01T10:00:00.12aZ', '2026-07-01T10:00:00,123Z', '2026-07-01t10:00:00Z', '2026-07-01 10:00:00Z', '2026-07-01T10:00:00+0000', '+02026-07-01', '2026/07/01']) {
      expect(at(text), text).toBeNaN();
    }
  });
});
