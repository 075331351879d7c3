/**
 * A campaign's group of customers from a file (DESIGN "Campaigns"): a CSV with a `customer_id`
 * column, or one id a line. Ids are canonical as everywhere (`42`, `"42"` and `42.0` are one
 * customer; engine/parse/parse-values.ts), blank lines and missing-id tokens are skipped, and a
 * repeated id counts once. No error quotes the file's content.
 */
import { readFile } from 'node:fs/promises';
import { ArgumentError, InputNotFoundError, InputUnreadableError } from '../errors.js';
import { customerKeyFromText } from '../parse/parse-values.js';

/** Largest ids file read (one id a line of 20 bytes: 50 million customers). */
const MAX_BYTES = 1 << 30;

/** The cells of one CSV line, quotes removed (`"a,b"` is one cell, `""` a quote). */
function cells(line: string, delimiter: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      out.push(cell);
      cell = '';
    } else cell += ch;
  }
  out.push(cell);
  return out;
}

/** The delimiter and column of `customer_id` when the first line is a CSV header naming it; null for one id a line. */
function headerOf(first: string): { delimiter: string; column: number } | null {
  for (const delimiter of [',', ';', '\t', '|']) {
    const names = cells(first, delimiter).map((c) => c.trim().toLowerCase());
    const column = names.indexOf('customer_id');
    if (column >= 0) return { delimiter, column };
  }
  return null;
}

/** The distinct canonical ids of a text (see the module comment); `source` names it in errors. */
export function parseIdList(text: string, source: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = headerOf(lines[0] ?? '');
  // A first line of several cells without `customer_id` is a CSV whose id column is named otherwise.
  if (!header && /[,;\t]/.test(lines[0] ?? '')) throw new ArgumentError(`${source}: the first line has several columns but none is named customer_id`);
  const ids = new Set<string>();
  for (let i = header ? 1 : 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    // A lone id may be quoted too (`"42"`, as a one-column CSV without header writes it); a line holds no newline to split on.
    const raw = header ? cells(line, header.delimiter)[header.column] : cells(line.trim(), '\n')[0];
    const key = customerKeyFromText(raw?.trim());
    if (key === null) throw new ArgumentError(`${source}, line ${i + 1}: the customer id is longer than 1024 bytes`);
    if (key !== undefined) ids.add(String(key));
  }
  return [...ids];
}

/** Reads the distinct ids of a file; a missing file is InputNotFoundError, a binary or unreadable one InputUnreadableError. */
export async function readIdFile(path: string, flag: string): Promise<string[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputNotFoundError(`${flag} ${path}: no such file`, { cause });
    throw new InputUnreadableError(`${flag} ${path} cannot be read (${code ?? 'error'})`, { cause });
  }
  if (bytes.length > MAX_BYTES) throw new InputUnreadableError(`${flag} ${path} is larger than ${MAX_BYTES} bytes; an ids file is one id a line`);
  // A NUL byte or invalid UTF-8 is no ids text (an Excel workbook, a Parquet file): say so without showing it.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new InputUnreadableError(`${flag} ${path} is not UTF-8 text; give a CSV with a customer_id column or one id a line`, { cause });
  }
  if (text.includes('\u0000')) throw new InputUnreadableError(`${flag} ${path} is a binary file; give a CSV with a customer_id column or one id a line`);
  return parseIdList(text, `${flag} ${path}`);
}
