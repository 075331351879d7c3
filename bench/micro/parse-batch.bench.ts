/**
 * parseBatch on 1M CSV-like rows (16 batches of 65,536), plain ISO timestamps and `12.34` amounts:
 * without a dialect, with the `auto` dialect (decided ISO and `.` on the first batch), and — with
 * `--baseline <dir>` — the parse-batch.ts of another tree (e.g. `git archive <commit> engine`),
 * side by side, interleaved, so the common path's cost can be compared. Also a line-item set
 * (order ids, quantity x price, `12/1/2010 8:26` dates) under `auto`. Prints rows per CPU-second (median
 * and best of rounds) and writes bench/results/parse-batch.json. Asserts no time.
 *
 *   node --import tsx bench/micro/parse-batch.bench.ts [--baseline /tmp/before] [--rounds 7] [--only <case text>]
 *
 * Cases share call sites in one process; `--only` runs one in a process of its own, and
 * `--pair <case>` alternates one case with the baseline and prints their median ratio.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputDialect } from '../../engine/parse/input-dialect.js';
import { parseBatch } from '../../engine/parse/parse-batch.js';
import { RejectLog } from '../../engine/parse/reject-log.js';
import type { RawBatch } from '../../engine/read/raw-batch.js';

const arg = (name: string) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const ROUNDS = Number(arg('--rounds') ?? 7);
const BATCH = 65_536;
const BATCHES = 16;
const DAY = 86_400_000;

let seed = 2024;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};

function plainBatch(b: number): RawBatch {
  const ids: string[] = [];
  const ts: string[] = [];
  const amount: string[] = [];
  for (let i = 0; i < BATCH; i++) {
    ids.push(String(Math.floor(rnd() ** 2 * 100_000)));
    ts.push(new Date(Date.UTC(2024, 0, 1) + Math.floor(rnd() * 730 * DAY)).toISOString().slice(0, 19));
    amount.push((Math.round(rnd() * 30000) / 100).toFixed(2));
  }
  return {
    source: 'bench.csv',
    firstRow: 1 + b * BATCH,
    length: BATCH,
    columns: { customer_id: { kind: 'text', values: ids }, ts: { kind: 'text', values: ts }, amount: { kind: 'text', values: amount } },
    malformed: [],
    bytesRead: -1,
  };
}

function lineBatch(b: number): RawBatch {
  const ids: string[] = [];
  const ts: string[] = [];
  const order: string[] = [];
  const qty: string[] = [];
  const price: string[] = [];
  for (let i = 0; i < BATCH; i++) {
    ids.push(`${12000 + Math.floor(rnd() ** 2 * 5000)}.0`);
    const d = new Date(Date.UTC(2010, 11, 1) + Math.floor(rnd() * 365 * DAY));
    ts.push(`${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${d.getUTCHours()}:${String(d.getUTCMinutes()).padStart(2, '0')}`);
    order.push(String(536365 + Math.floor((b * BATCH + i) / 20)));
    qty.push(String(1 + Math.floor(rnd() * 24)));
    price.push((Math.round(rnd() * 1000) / 100).toFixed(2));
  }
  return {
    source: 'bench.csv',
    firstRow: 1 + b * BATCH,
    length: BATCH,
    columns: {
      customer_id: { kind: 'text', values: ids },
      ts: { kind: 'text', values: ts },
      order_id: { kind: 'text', values: order },
      quantity: { kind: 'text', values: qty },
      price: { kind: 'text', values: price },
    },
    malformed: [],
    bytesRead: -1,
  };
}

type Parse = (raw: RawBatch, rejects: RejectLog, dialect?: InputDialect) => { length: number };

function time(parse: Parse, batches: RawBatch[], dialect: () => InputDialect | undefined): number {
  const rejects = new RejectLog();
  const d = dialect();
  // CPU time of this thread's work, not wall time: on a shared machine other processes' load
  // would otherwise show up as a slower parser.
  const c0 = process.cpuUsage();
  let rows = 0;
  for (const b of batches) rows += parse(b, rejects, d).length;
  const c = process.cpuUsage(c0);
  const s = (c.user + c.system) / 1e6;
  if (rows !== batches.length * BATCH) throw new Error(`rejected ${batches.length * BATCH - rows} rows`);
  return (batches.length * BATCH) / s;
}

const plain = Array.from({ length: BATCHES }, (_, b) => plainBatch(b));
const lines = Array.from({ length: BATCHES }, (_, b) => lineBatch(b));
const cases: Array<[string, Parse, RawBatch[], () => InputDialect | undefined]> = [
  ['plain ISO, no dialect', parseBatch, plain, () => undefined],
  ['plain ISO, auto dialect', parseBatch, plain, () => new InputDialect()],
  ['line items, auto dialect', parseBatch, lines, () => new InputDialect()],
];
const baseline = arg('--baseline');
if (baseline) {
  const old = (await import(pathToFileURL(join(resolve(baseline), 'engine/parse/parse-batch.ts')).href)) as { parseBatch: Parse };
  cases.splice(1, 0, ['plain ISO, baseline', old.parseBatch, plain, () => undefined]);
}
// --pair <case>: that case and the baseline in turns, round by round, and the median of their
// ratios — on a loaded machine adjacent runs share the load, so the ratio is steadier than either rate.
const pair = arg('--pair');
if (pair && baseline) {
  const a = cases.find(([name]) => name.includes(pair))!;
  const b = cases.find(([name]) => name.includes('baseline'))!;
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS + 1; r++) {
    const first = r % 2 === 0;
    const ra = first ? time(a[1], a[2], a[3]) : 0;
    const rb = time(b[1], b[2], b[3]);
    const ra2 = first ? ra : time(a[1], a[2], a[3]);
    if (r > 0) ratios.push(ra2 / rb);
  }
  ratios.sort((x, y) => x - y);
  const med = ratios[Math.floor(ratios.length / 2)]!;
  console.log(`${a[0]} / baseline, rows per CPU-second: median ratio ${med.toFixed(3)} over ${ratios.length} rounds (quartiles ${ratios[Math.floor(ratios.length / 4)]!.toFixed(3)}..${ratios[Math.floor((3 * ratios.length) / 4)]!.toFixed(3)})`);
  process.exit(0);
}
const only = arg('--only');
if (only) cases.splice(0, cases.length, ...cases.filter(([name]) => name.includes(only)));
const results = new Map<string, number[]>(cases.map(([name]) => [name, []]));
for (let r = 0; r < ROUNDS + 1; r++) {
  for (const [name, parse, batches, dialect] of cases) {
    const rate = time(parse, batches, dialect);
    if (r > 0) results.get(name)!.push(rate); // round 0 warms the JIT
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const table = cases.map(([name]) => ({ case: name, 'rows/s (median)': Math.round(median(results.get(name)!)), 'rows/s (best)': Math.round(Math.max(...results.get(name)!)) }));
console.table(table);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/parse-batch.json', `${JSON.stringify({ rows: BATCH * BATCHES, rounds: ROUNDS, results: table }, null, 2)}\n`);
