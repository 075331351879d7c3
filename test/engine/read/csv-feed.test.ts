/**
 * Splits of a file read in place (csv-feed.ts, line-range.ts): the lines a byte range owns, and
 * the batches of a CSV file cut into random splits, through the native scanner and the
 * TypeScript one, against the whole file read by the TypeScript scanner (the reference).
 */
import { open } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { InputDialect } from '../../../engine/parse/input-dialect.js';
import { parseBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import { nativeCsvBinding } from '../../../engine/read/csv-native.js';
import { planSplits, readCsv, readSplit } from '../../../engine/read/csv-reader.js';
import { lineRange, lineRangeChunks } from '../../../engine/read/line-range.js';
import { DEFAULT_COLUMN_MAP, type RawBatch } from '../../../engine/read/raw-batch.js';
import { tempDir, write } from './fixtures.js';

const dir = tempDir();

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The lines whose first byte lies in [start, end), by looking at every byte. */
function ownedLines(bytes: Buffer, start: number, end: number): string {
  let out = '';
  let lineStart = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      const line = bytes.subarray(lineStart, Math.min(bytes.length, i + 1));
      if (lineStart < bytes.length && lineStart >= start && lineStart < end) out += line.toString('latin1');
      lineStart = i + 1;
    }
  }
  return out;
}

async function drain(chunks: AsyncIterable<Buffer>): Promise<string> {
  let out = '';
  for await (const c of chunks) out += c.toString('latin1');
  return out;
}

describe('line ranges', () => {
  it('own the lines whose first byte lies in them, for random files and ranges', async () => {
    const rnd = random(3);
    for (let round = 0; round < 40; round++) {
      // Short and long lines, empty lines, a last line with or without a newline.
      const lines = Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => 'x'.repeat(rnd() < 0.1 ? Math.floor(rnd() * 200_000) : Math.floor(rnd() * 12)));
      const text = lines.join('\n') + (rnd() < 0.5 ? '\n' : '');
      const bytes = Buffer.from(text, 'latin1');
      const path = write(dir, `lines-${round}.txt`, bytes);
      const fh = await open(path, 'r');
      try {
        for (let k = 0; k < 20; k++) {
          const a = Math.floor(rnd() * (bytes.length + 1));
          const b = a + Math.floor(rnd() * (bytes.length - a + 1));
          const { from, to } = await lineRange(fh, bytes.length, a, b);
          expect(bytes.subarray(from, Math.max(from, to)).toString('latin1')).toBe(ownedLines(bytes, a, b));
          expect(await drain(lineRangeChunks(path, a, b))).toBe(ownedLines(bytes, a, b));
        }
      } finally {
        await fh.close();
      }
      // Splits that cover the file own every line once.
      const pieces = planSplits(path, bytes.length, 1 + Math.floor(rnd() * 6), 1);
      let whole = '';
      for (const s of pieces) whole += await drain(lineRangeChunks(path, s.start, s.end));
      expect(whole).toBe(text);
    }
  });
});

interface Read {
  rows: number;
  parsed: unknown[];
  rejects: unknown;
}

/** Reads and parses batches as the pool's aggregate task does, with a dialect decided from the file's head. */
async function parsed(batches: AsyncIterable<RawBatch>, dialect: InputDialect, out: Read, rejects: RejectLog, rowBase: number): Promise<void> {
  for await (const raw of batches) {
    const tx = parseBatch({ ...raw, firstRow: raw.firstRow + rowBase }, rejects, dialect);
    out.rows += raw.length;
    out.parsed.push(...tx.ids.map((id, i) => [id, tx.ts[i], tx.amount[i], tx.margin?.[i]]));
  }
}

describe.runIf(nativeCsvBinding() !== null)('CSV splits read in place', () => {
  it('give the whole file rows in order through either scanner, for random files cut at random points', async () => {
    const rnd = random(11);
    for (let round = 0; round < 12; round++) {
      const rows = ['customer_id,ts,amount,margin'];
      for (let i = 0; i < 400 + Math.floor(rnd() * 2000); i++) {
        const id = rnd() < 0.5 ? String(Math.floor(rnd() * 500)) : `C${Math.floor(rnd() * 500)}`;
        const ts = `2024-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 10)}${rnd() < 0.5 ? 'T' : ' '}0${Math.floor(rnd() * 10)}:1${Math.floor(rnd() * 10)}:2${Math.floor(rnd() * 10)}${rnd() < 0.3 ? '.5Z' : ''}`;
        const amount = rnd() < 0.02 ? 'n/a' : (rnd() * 200 - 20).toFixed(Math.floor(rnd() * 3));
        rows.push(`${id},${ts},${amount},${rnd() < 0.1 ? '' : (rnd() * 10).toFixed(2)}`);
        if (rnd() < 0.01) rows.push('');
      }
      const text = `${round % 2 === 0 ? '\ufeff' : ''}${rows.join(round % 3 === 0 ? '\r\n' : '\n')}${rnd() < 0.5 ? '\n' : ''}`;
      const path = write(dir, `split-${round}.csv`, text);
      const size = Buffer.byteLength(text);
      const head = new InputDialect();
      for await (const raw of readCsv({ kind: 'file', path, size }, { columns: DEFAULT_COLUMN_MAP, scanner: 'js' })) {
        head.observe(raw);
        break;
      }
      const reference: Read = { rows: 0, parsed: [], rejects: null };
      const refRejects = new RejectLog(1000);
      await parsed(readCsv({ kind: 'file', path, size }, { columns: DEFAULT_COLUMN_MAP, scanner: 'js' }), new InputDialect(undefined, head.decisions), reference, refRejects, 0);
      reference.rejects = refRejects.kept.map((r) => [r.reason, r.value, r.row]);
      for (const scanner of ['native', 'js'] as const) {
        const pieces = planSplits(path, size, 1 + Math.floor(rnd() * 5), 1);
        const got: Read = { rows: 0, parsed: [], rejects: null };
        const rejects = new RejectLog(1000);
        for (const split of pieces) {
          const flags = { quoted: false };
          const dialect = new InputDialect(undefined, head.decisions);
          const before = got.rows;
          await parsed(readSplit(split, { columns: DEFAULT_COLUMN_MAP, dialect, scanner, batchSize: 1 + Math.floor(rnd() * 300) }, flags), dialect, got, rejects, before);
          expect(flags.quoted).toBe(false);
        }
        got.rejects = rejects.kept.map((r) => [r.reason, r.value, r.row]);
        expect(got).toEqual(reference);
      }
    }
  });

  it('say a split held a quote, and read a record longer than the feed holds', async () => {
    const long = 'y'.repeat(5 << 20);
    const text = `customer_id,ts,amount\n1,2024-01-01,5\n"${long}",2024-01-02,6\n2,2024-01-03,"7"\n`;
    const path = write(dir, 'quoted.csv', text);
    const size = Buffer.byteLength(text);
    const dialect = () => new InputDialect(undefined, { ts: { kind: 'iso', source: 'given' }, decimal: { mark: '.', source: 'given' } });
    const ids: unknown[] = [];
    const rejects = new RejectLog();
    let rows = 0;
    for (const split of planSplits(path, size, 2, 1)) {
      const flags = { quoted: false };
      const d = dialect();
      for await (const raw of readSplit(split, { columns: DEFAULT_COLUMN_MAP, dialect: d, scanner: 'native' }, flags)) {
        rows += raw.length;
        ids.push(...parseBatch(raw, rejects, d).ids);
      }
      expect(flags.quoted).toBe(true);
    }
    // The long id is read whole (and refused for its length), the rows after it as ever.
    expect({ rows, ids, rejects: rejects.counts }).toEqual({ rows: 3, ids: [1, 2], rejects: { bad_customer_id: 1 } });
  });
});
