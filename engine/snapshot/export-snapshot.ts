/**
 * `segstream export`: a snapshot's customers as CSV, NDJSON or Arrow IPC, every DESIGN field,
 * `customer_id` first, timestamps ISO-8601 in the text formats, null as an empty CSV field or
 * JSON null. Streams in chunks, so the export of millions of customers stays in bounded memory.
 */
import { copyFile, type FileHandle, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Table, Vector } from 'apache-arrow';
import { ArgumentError } from '../errors.js';
import { type Cell, CUSTOMER_FIELDS, cellOf } from './customer-schema.js';
import { isUnwritable, outputError } from './output-error.js';
import { loadSnapshot } from './snapshot-store.js';

/** Export formats. */
export type ExportFormat = 'csv' | 'ndjson' | 'arrow';

const CHUNK = 16_384;

function csvCell(v: Cell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Writes the rows of `table` as text lines to `write`, one chunk of rows at a time. */
export async function writeTextRows(table: Table, format: 'csv' | 'ndjson', write: (text: string) => Promise<void>): Promise<void> {
  const fields = CUSTOMER_FIELDS.filter((f) => table.getChild(f.name) !== null);
  const names = fields.map((f) => f.name);
  const vectors = names.map((n) => table.getChild(n) as Vector);
  if (format === 'csv') await write(`${names.join(',')}\n`);
  for (let start = 0; start < table.numRows; start += CHUNK) {
    const end = Math.min(table.numRows, start + CHUNK);
    const cols = vectors.map((v) => v.slice(start, end));
    const lines: string[] = [];
    for (let i = 0; i < end - start; i++) {
      const cells = cols.map((col, j) => cellOf(fields[j]!.kind, col.get(i)));
      if (format === 'csv') lines.push(cells.map(csvCell).join(','));
      else lines.push(JSON.stringify(Object.fromEntries(names.map((n, j) => [n, cells[j]]))));
    }
    await write(`${lines.join('\n')}\n`);
  }
}

/** Where an export goes: a chunk writer that waits for the stream to drain, and its end. */
interface ExportSink {
  write(chunk: string | Uint8Array): Promise<void>;
  end(): Promise<void>;
}

/** Standard output; a closed pipe (`| head`) is the CLI's to handle (it exits quietly). */
function stdoutSink(): ExportSink {
  return {
    async write(chunk) {
      if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
    },
    async end() {},
  };
}

/** A file opened here, so a path that cannot be written fails with one coded line before any work. */
async function fileSink(path: string): Promise<ExportSink> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'w');
  } catch (cause) {
    throw outputError(cause, `--out ${path}`);
  }
  const stream = fh.createWriteStream();
  let failed: unknown = null;
  // Without a listener a failed write (ENOSPC) would be an uncaught 'error' event.
  stream.on('error', (e) => (failed ??= e));
  const check = () => {
    if (failed !== null) throw failed;
  };
  return {
    async write(chunk) {
      check();
      if (!stream.write(chunk)) await once(stream, 'drain');
      check();
    },
    async end() {
      check();
      stream.end();
      await once(stream, 'finish');
      check();
    },
  };
}

/** Exports a snapshot (`id` defaults to the live one) to `out` (`-` for standard output). */
export async function exportSnapshot(opts: { dataDir: string; id?: string; format: ExportFormat; out: string }): Promise<{ snapshot: string; customers: number }> {
  if (!['csv', 'ndjson', 'arrow'].includes(opts.format)) throw new ArgumentError(`--format must be csv, ndjson or arrow, not ${String(opts.format).slice(0, 40)}`);
  const snap = await loadSnapshot(opts.dataDir, opts.id);
  const arrowFile = join(snap.dir, 'customers.arrow');
  if (opts.format === 'arrow' && opts.out !== '-') {
    try {
      await copyFile(arrowFile, opts.out);
    } catch (cause) {
      throw outputError(cause, `--out ${opts.out}`);
    }
    return { snapshot: snap.id, customers: snap.customers.numRows };
  }
  const sink = opts.out === '-' ? stdoutSink() : await fileSink(opts.out);
  try {
    if (opts.format === 'arrow') await sink.write(await readFile(arrowFile));
    else await writeTextRows(snap.customers, opts.format, (text) => sink.write(text));
    await sink.end();
  } catch (cause) {
    if (opts.out === '-') throw cause;
    // A partial export must not pass for a whole one.
    await rm(opts.out, { force: true }).catch(() => {});
    throw isUnwritable(cause) ? outputError(cause, `--out ${opts.out}`) : cause;
  }
  return { snapshot: snap.id, customers: snap.customers.numRows };
}
