/**
 * Runs generated inputs through `rescore()` in-process and checks every promise the fuzzing suite
 * makes: a run either publishes a snapshot that export reads back, or fails with a SegError whose
 * code is SEG_ERR_* and leaves the live snapshot as it was; every row read is valid or rejected
 * with a reason. Each lane owns a data folder, so lanes run side by side.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../engine/config/load-config.js';
import { SegError } from '../../engine/errors.js';
import { type RescoreSummary, rescore } from '../../engine/rescore/rescore.js';
import { exportSnapshot } from '../../engine/snapshot/export-snapshot.js';
import { currentSnapshotId } from '../../engine/snapshot/snapshot-store.js';
import { FUZZ_SEED, type FuzzCase, type FuzzFormat, fuzzCases } from './fuzz-generators.js';

/**
 * Models off keeps a run at milliseconds (they take no part in reading input). The publishing
 * guard is loosened so that runs with poison rows do publish, and their snapshots are exported;
 * a refusal (no valid row, 90% rejected) still counts as a coded failure.
 */
export const FUZZ_CONFIG = parseConfig({ models: { enabled: false }, snapshots: { keep: 2 }, publish: { max_reject_share: 0.9, max_customer_drop: 1 } });

// A run that takes this long on an input of kilobytes has hung.
const HANG_MS = 30_000;

/** What happened to the inputs of one format. */
export interface FuzzTally {
  tried: number;
  published: number;
  /** Failures by code. */
  codes: Record<string, number>;
  /** Rows read, valid and rejected over the runs that got that far. */
  rowsRead: number;
  rowsRejected: number;
  /** Broken promises, each naming the input: must stay empty. */
  problems: string[];
}

/** An empty tally. */
export function newTally(): FuzzTally {
  return { tried: 0, published: 0, codes: {}, rowsRead: 0, rowsRejected: 0, problems: [] };
}

/** A folder pair (input, data) whose data folder starts with a good live snapshot. */
export interface FuzzLane {
  readonly input: string;
  readonly data: string;
  readonly out: string;
}

/** Makes lane `k` under `root` and publishes a first good snapshot there. */
export async function openLane(root: string, k: number): Promise<FuzzLane> {
  const dir = join(root, `lane-${k}`);
  mkdirSync(dir, { recursive: true });
  const lane = { input: join(dir, 'in'), data: join(dir, 'data'), out: join(dir, 'export.ndjson') };
  const good = join(dir, 'good.csv');
  const rows = ['customer_id,ts,amount'];
  for (let i = 0; i < 12; i++) rows.push(`${1 + (i % 6)},2026-0${1 + (i % 6)}-15,${10 + i}`);
  writeFileSync(good, `${rows.join('\n')}\n`);
  await rescore({ input: good, dataDir: lane.data, config: FUZZ_CONFIG });
  return lane;
}

function describeCase(c: FuzzCase, seed: number): string {
  return `${c.format} #${c.index} (seed ${seed}; ${c.mutation})`;
}

function checkRows(s: RescoreSummary, where: string, problems: string[]): void {
  const byReason = Object.values(s.rejects).reduce((a, b) => a + (b ?? 0), 0);
  if (s.rows.read !== s.rows.valid + s.rows.rejected) problems.push(`${where}: rows read ${s.rows.read} != valid ${s.rows.valid} + rejected ${s.rows.rejected}`);
  if (byReason !== s.rows.rejected) problems.push(`${where}: ${s.rows.rejected} rejected but ${byReason} counted by reason`);
}

/** Runs one input through rescore in `lane` and records what happened in `tally`. */
export async function runCase(lane: FuzzLane, c: FuzzCase, seed: number, tally: FuzzTally): Promise<void> {
  const where = describeCase(c, seed);
  const input = `${lane.input}${c.ext}`;
  writeFileSync(input, c.bytes);
  const before = await currentSnapshotId(lane.data);
  tally.tried++;
  let timer: NodeJS.Timeout | undefined;
  try {
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer after ${HANG_MS} ms`)), HANG_MS);
    });
    const s = await Promise.race([rescore({ input, dataDir: lane.data, config: FUZZ_CONFIG }), hang]);
    tally.published++;
    tally.rowsRead += s.rows.read;
    tally.rowsRejected += s.rows.rejected;
    checkRows(s, where, tally.problems);
    if ((await currentSnapshotId(lane.data)) !== s.snapshot) tally.problems.push(`${where}: published ${s.snapshot} is not live`);
    // Every published snapshot must export: a timestamp beyond the Date range once made it unreadable.
    const exported = await exportSnapshot({ dataDir: lane.data, id: s.snapshot, format: 'ndjson', out: lane.out });
    const lines = readFileSync(lane.out, 'utf8').split('\n').filter((l) => l !== '').length;
    if (exported.customers !== s.customers || lines !== s.customers) tally.problems.push(`${where}: export gave ${lines} lines for ${s.customers} customers`);
    rmSync(lane.out, { force: true });
  } catch (err) {
    if (!(err instanceof SegError) || !/^SEG_ERR_[A-Z_]+$/.test(err.code)) {
      tally.problems.push(`${where}: uncoded failure ${err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : String(err)}`);
      return;
    }
    tally.codes[err.code] = (tally.codes[err.code] ?? 0) + 1;
    if (err.code === 'SEG_ERR_INTERNAL') tally.problems.push(`${where}: SEG_ERR_INTERNAL: ${err.message.slice(0, 200)}`);
    // The publishing guard's refusal names data paths and every failed check (part of another change).
    if (err.message.length > 500) tally.problems.push(`${where}: a ${err.message.length}-character message: ${err.message.slice(0, 700)}`);
    const summary = (err as { summary?: RescoreSummary }).summary;
    if (summary !== undefined) {
      tally.rowsRead += summary.rows.read;
      tally.rowsRejected += summary.rows.rejected;
      checkRows(summary, where, tally.problems);
    }
    const after = await currentSnapshotId(lane.data);
    if (after !== before) tally.problems.push(`${where}: failed with ${err.code} but the live snapshot changed (${before} -> ${after})`);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `cases` over `lanes` lanes side by side (each lane one run at a time). */
export async function runLanes(lanes: readonly FuzzLane[], cases: Iterable<FuzzCase>, seed: number, tally: FuzzTally): Promise<void> {
  const it = cases[Symbol.iterator]();
  await Promise.all(
    lanes.map(async (lane) => {
      for (let next = it.next(); next.done !== true; next = it.next()) await runCase(lane, next.value, seed, tally);
    }),
  );
}

/** Collects uncaught exceptions and unhandled rejections while `run` goes. */
export async function catchingUncaught<T>(run: () => Promise<T>): Promise<{ result: T; uncaught: string[] }> {
  const uncaught: string[] = [];
  const onError = (err: unknown): void => {
    uncaught.push(err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : String(err));
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  try {
    return { result: await run(), uncaught };
  } finally {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  }
}

const LANES = 4;

/**
 * Defines the fuzz test of one format: `parts` (format, inputs) through rescore on LANES lanes,
 * then every promise checked; the seed is in every failure message.
 */
export function describeFuzz(name: string, parts: ReadonlyArray<readonly [FuzzFormat, number]>): void {
  const root = mkdtempSync(join(tmpdir(), `segstream-fuzz-${name}-`));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  describe(`fuzzing rescore with ${name} (seed ${FUZZ_SEED})`, () => {
    it('publishes an exportable snapshot or fails with a SEG_ERR_* code for every mutated input, the live snapshot untouched by failures, every bad row counted', async () => {
      const lanes = await Promise.all(Array.from({ length: LANES }, (_, k) => openLane(root, k)));
      const tally = newTally();
      const { uncaught } = await catchingUncaught(async () => {
        for (const [format, count] of parts) await runLanes(lanes, fuzzCases(format, count), FUZZ_SEED, tally);
      });
      console.log(
        `fuzz ${name} seed ${FUZZ_SEED}: ${tally.tried} inputs, ${tally.published} published, failures by code ${JSON.stringify(tally.codes)}, ` +
          `rows read ${tally.rowsRead}, rejected ${tally.rowsRejected}`,
      );
      expect(uncaught, `seed ${FUZZ_SEED}: uncaught exceptions`).toEqual([]);
      expect(tally.problems.slice(0, 20), `seed ${FUZZ_SEED}: ${tally.problems.length} broken promises`).toEqual([]);
      expect(tally.tried).toBe(parts.reduce((s, [, n]) => s + n, 0));
      expect(tally.published).toBeGreaterThan(0);
    }, 300_000);
  });
}
