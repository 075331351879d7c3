import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { InputFormat } from './raw-batch.js';

const BY_EXTENSION: Readonly<Record<string, InputFormat>> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.txt': 'csv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.json': 'ndjson',
  '.arrow': 'arrow',
  '.arrows': 'arrow',
  '.ipc': 'arrow',
  '.feather': 'arrow',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

/** Bytes `formatFromMagic` needs to decide. */
export const MAGIC_BYTES = 8;

/** The format a file's extension names (case-insensitive), or null when it names none. */
export function formatFromExtension(path: string): InputFormat | null {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dot = path.lastIndexOf('.');
  if (dot <= slash + 1) return null;
  return BY_EXTENSION[path.slice(dot).toLowerCase()] ?? null;
}

/**
 * The format the first bytes show: `PAR1` Parquet, `ARROW1` an Arrow IPC file, the 0xFFFFFFFF
 * continuation marker an Arrow IPC stream, `{` (after a BOM or blanks) NDJSON, else CSV.
 */
export function formatFromMagic(head: Uint8Array): InputFormat {
  if (startsWith(head, PAR1)) return 'parquet';
  if (startsWith(head, ARROW1) || startsWith(head, CONTINUATION)) return 'arrow';
  let i = startsWith(head, BOM) ? BOM.length : 0;
  while (i < head.length && isBlank(head[i]!)) i++;
  return head[i] === 0x7b ? 'ndjson' : 'csv';
}

/** The format of a file on disk: its extension, else its first bytes. */
export async function detectFileFormat(path: string): Promise<InputFormat> {
  return formatFromExtension(path) ?? formatFromMagic(await readHead(path, 64));
}

/** The first `n` bytes of a file (fewer if it is shorter). */
export async function readHead(path: string, n: number): Promise<Buffer> {
  // O_NONBLOCK: should a FIFO take the file's place after listInputs checked it, opening must not hang.
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** True when `bytes` begins with `prefix`. */
export function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** Parquet's leading (and trailing) magic. */
export const PAR1 = Uint8Array.of(0x50, 0x41, 0x52, 0x31);
/** Arrow IPC file magic. */
export const ARROW1 = Uint8Array.of(0x41, 0x52, 0x52, 0x4f, 0x57, 0x31);
/** Arrow IPC stream: every message since format 0.15 starts with this continuation marker. */
export const CONTINUATION = Uint8Array.of(0xff, 0xff, 0xff, 0xff);
const BOM = Uint8Array.of(0xef, 0xbb, 0xbf);

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
