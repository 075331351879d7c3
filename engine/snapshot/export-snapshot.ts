/**
 * `segstream export`: a snapshot's customers as CSV, NDJSON or Arrow IPC, every DESIGN field,
 * `customer_id` first, timestamps ISO-8601 in the text formats, null as an empty CSV field or
 * JSON null. Streams in chunks, so the export of millions of customers stays in bounded memory.
 */
import { createWriteStream } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Table, Vector } from 'apache-arrow';
import { ArgumentError } from '../errors.js';
import { CUSTOMER_COLUMNS, TIMESTAMP_COLUMNS } from './customers-file.js';
import { loadSnapshot } from './snapshot-store.js';

/** Export formats. */
export type ExportFormat = 'csv' | 'ndjson' | 'arrow';

const CHUNK = 16_384;

/** A cell as a JSON value: timestamps as ISO text, bigints as numbers. */
function jsonCell(v: unknown, isTimestamp: boolean): unknown {
  if (v === null || v === undefined) return null;
  if (isTimestamp) return new Date(Number(v)).toISOString();
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

function csvCell(v: unknown): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Writes the rows of `table` as text lines to `write`, one chunk of rows at a time. */
export async function writeTextRows(table: Table, format: 'csv' | 'ndjson', write: (text: string) => Promise<void>): Promise<void> {
  const names = CUSTOMER_COLUMNS.filter((n) => table.getChild(n) !== null);
  const vectors = names.map((n) => table.getChild(n) as Vector);
  const isTs = names.map((n) => TIMESTAMP_COLUMNS.has(n));
  if (format === 'csv') await write(`${names.join(',')}\n`);
  for (let start = 0; start < table.numRows; start += CHUNK) {
    const end = Math.min(table.numRows, start + CHUNK);
    const cols = vectors.map((v) => v.slice(start, end));
    const lines: string[] = [];
    for (let i = 0; i < end - start; i++) {
      const cells = cols.map((col, j) => jsonCell(col.get(i), isTs[j]!));
      if (format === 'csv') lines.push(cells.map(csvCell).join(','));
      else lines.push(JSON.stringify(Object.fromEntries(names.map((n, j) => [n, cells[j]]))));
    }
    await write(`${lines.join('\n')}\n`);
  }
}

/** Exports a snapshot (`id` defaults to the live one) to `out` (`-` for standard output). */
export async function exportSnapshot(opts: { dataDir: string; id?: string; format: ExportFormat; out: string }): Promise<{ snapshot: string; customers: number }> {
  if (!['csv', 'ndjson', 'arrow'].includes(opts.format)) throw new ArgumentError(`--format must be csv, ndjson or arrow, not ${opts.format}`);
  const snap = await loadSnapshot(opts.dataDir, opts.id);
  if (opts.format === 'arrow') {
    if (opts.out === '-') {
      process.stdout.write(await import('node:fs/promises').then((fs) => fs.readFile(join(snap.dir, 'customers.arrow'))));
    } else {
      await copyFile(join(snap.dir, 'customers.arrow'), opts.out);
    }
    return { snapshot: snap.id, customers: snap.customers.numRows };
  }
  const stream = opts.out === '-' ? process.stdout : createWriteStream(opts.out);
  const write = async (text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  await writeTextRows(snap.customers, opts.format, write);
  if (stream !== process.stdout) {
    stream.end();
    await once(stream, 'finish');
  }
  return { snapshot: snap.id, customers: snap.customers.numRows };
}
