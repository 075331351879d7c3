/**
 * What a file looks like before any reader opens it: gzip to read through gunzip, or a kind
 * segstream refuses (a ZIP/Excel workbook, R data, another binary file) with one line that says
 * what it looks like and what to export instead — never a dump of its bytes.
 */
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import { InputUnreadableError } from '../errors.js';
import { formatFromExtension, startsWith } from './detect-format.js';

/** gzip's magic: 1f 8b. */
export const GZIP_MAGIC = Uint8Array.of(0x1f, 0x8b);

/** Bytes of a file's head sniffed for its kind (and, for gzip, inflated to sniff what it holds). */
export const SNIFF_BYTES = 64 << 10;

/** True when `path` ends in `.gz` (any case). */
export function isGzipName(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

/** The path without a trailing `.gz`, so `orders.csv.gz` names its format by `.csv`. */
export function withoutGz(path: string): string {
  return isGzipName(path) ? path.slice(0, -3) : path;
}

/**
 * True when a folder's file is a data file segstream reads: a known data extension
 * (`.csv .tsv .txt .ndjson .jsonl .json .arrow .arrows .ipc .feather .parquet .pq`), or `.gz` of one.
 */
export function isDataFileName(path: string): boolean {
  return formatFromExtension(withoutGz(path)) !== null;
}

/** The first bytes a gzip head inflates to (as many as the head holds; a cut stream is fine here). */
export function gunzipHead(head: Uint8Array): Buffer {
  try {
    return gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return Buffer.alloc(0);
  }
}

/** A byte stream inflated from gzip, chunk by chunk (multi-member files such as `cat a.gz b.gz` included). */
export async function* gunzipChunks(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  const feed = (async () => {
    try {
      for await (const chunk of chunks) {
        if (!gunzip.write(chunk)) await new Promise<void>((resolve) => gunzip.once('drain', resolve));
      }
      gunzip.end();
    } catch (err) {
      gunzip.destroy(err as Error);
    }
  })();
  try {
    for await (const out of gunzip as AsyncIterable<Buffer>) yield out;
  } finally {
    gunzip.destroy();
    await feed;
  }
}

const ZIP = Uint8Array.of(0x50, 0x4b, 0x03, 0x04);
const ZIP_EMPTY = Uint8Array.of(0x50, 0x4b, 0x05, 0x06);
const OLE2 = Uint8Array.of(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1);
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const R_DATA = ['RDX2\n', 'RDX3\n', 'RDA2\n', 'RDA3\n', 'RDB2\n', 'RDB3\n'].map(ascii);
// An .rds file is a bare serialization: X\n (XDR), A\n (ASCII) or B\n (native) then the version.
const R_SERIAL = [ascii('X\n\0\0\0'), ascii('B\n\0\0\0')];

/** What a refused file looks like, and what to export instead. */
const REFUSED = {
  excel: 'looks like an Excel workbook (a ZIP archive); export the sheet as CSV (File > Save As > CSV UTF-8) and read that',
  zip: 'looks like a ZIP archive; unpack it and read the CSV, NDJSON, Arrow or Parquet files inside',
  xls: 'looks like a legacy Excel .xls workbook; export the sheet as CSV and read that',
  r: 'looks like R data (.rda/.RData/.rds); export the data frame with write.csv() or arrow::write_parquet() and read that',
  binary: 'looks like a binary file, not CSV, NDJSON, Arrow or Parquet; export the data as CSV or Parquet and read that',
} as const;

/**
 * Refuses a file whose first bytes (`head`, already inflated for a gzip file) show a kind no
 * reader takes. `format` is what the extension or the magic decided: a text format whose head
 * holds NUL bytes is binary. Arrow and Parquet heads are binary by nature and pass.
 */
export function refuseUnreadableKind(source: string, head: Uint8Array, format: string | null): void {
  const why = refusedKind(source, head, format);
  if (why !== null) throw new InputUnreadableError(`${source}: ${REFUSED[why]}`);
}

function refusedKind(source: string, head: Uint8Array, format: string | null): keyof typeof REFUSED | null {
  const lower = source.toLowerCase();
  if (startsWith(head, ZIP) || startsWith(head, ZIP_EMPTY)) return /\.xls[xmb]?$/.test(lower) ? 'excel' : lower.endsWith('.zip') ? 'zip' : 'excel';
  if (startsWith(head, OLE2)) return 'xls';
  if (R_DATA.some((m) => startsWith(head, m)) || R_SERIAL.some((m) => startsWith(head, m))) return 'r';
  if (format === 'arrow' || format === 'parquet') return null;
  if (/\.(rda|rdata|rds)$/.test(withoutGz(lower))) return 'r';
  if (/\.(xlsx|xlsm|xlsb|xls|ods|sav|dta|sas7bdat|zip)$/.test(lower)) return 'binary';
  // Text has no NUL byte (UTF-16 would, and is refused too: export as UTF-8).
  const n = Math.min(head.length, 4096);
  for (let i = 0; i < n; i++) if (head[i] === 0) return 'binary';
  return null;
}
