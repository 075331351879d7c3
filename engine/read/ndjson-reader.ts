import { readColumns, resolveColumns } from './column-map.js';
import { DEFAULT_BATCH_SIZE, openChunks, sourceName, toInputError, type ByteSource } from './byte-source.js';
import type { MalformedRow, RawBatch, ReadColumnName, ReadOptions } from './raw-batch.js';

const LF = 0x0a;
const DETAIL_CHARS = 200;

/**
 * Reads NDJSON (one JSON object per line) as batches of `json` columns: values exactly as
 * `JSON.parse` gave them, `undefined` where a key is absent. Blank lines are skipped and not
 * counted, so row numbers count non-blank lines. A line that is not valid JSON or not an object
 * becomes a MalformedRow whose detail is its first 200 characters.
 *
 * NDJSON has no header, so columns are judged from the rows: a required column absent from
 * every valid row of the first batch that has valid rows throws ColumnMissingError (every such
 * column named at once); the columns found there are in every later batch, and an optional
 * column is present in a batch when any row of that batch has it.
 */
export async function* readNdjson(src: ByteSource, options: ReadOptions): AsyncGenerator<RawBatch> {
  const source = sourceName(src);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const NAMES = readColumns(options.columns);
  const keys = NAMES.map((name) => options.columns[name] ?? name);
  resolveColumns(source, keys, options.columns); // checks the map itself (an empty name is an ArgumentError)

  let values: unknown[][] = NAMES.map(() => []);
  let seen = NAMES.map(() => false);
  let malformed: MalformedRow[] = [];
  let length = 0;
  let firstRow = 1;
  let bytesRead = 0;
  // The columns the first batch with valid rows resolved: carried by every batch after it.
  let present: ReadonlySet<ReadColumnName> = new Set(['customer_id', 'ts']);
  let checked = false;
  let firstKeys: string[] | null = null;

  const addLine = (line: string): void => {
    const c = line.charCodeAt(0);
    if (line.length === 0 || (c <= 0x20 && line.trim() === '')) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      obj = undefined;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      for (const col of values) col.push(undefined);
      malformed.push({ index: length, reason: 'malformed_row', detail: line.trimEnd().slice(0, DETAIL_CHARS) });
    } else {
      const record = obj as Record<string, unknown>;
      firstKeys ??= Object.keys(record);
      for (let k = 0; k < keys.length; k++) {
        const v = record[keys[k]!];
        values[k]!.push(v);
        if (v !== undefined) seen[k] = true;
      }
    }
    length++;
  };

  const flush = (): RawBatch => {
    if (!checked && firstKeys !== null) {
      checked = true;
      // Only the first batch with valid rows decides: later rows may omit keys (the parser rejects them).
      const found = [...new Set([...firstKeys, ...keys.filter((_, k) => seen[k])])];
      present = new Set(resolveColumns(source, found, options.columns).names);
    }
    const columns: RawBatch['columns'] = {};
    NAMES.forEach((name, k) => {
      if (present.has(name) || seen[k]) columns[name] = { kind: 'json', values: values[k]! };
    });
    const batch: RawBatch = { source, firstRow, length, columns, malformed, bytesRead };
    firstRow += length;
    values = NAMES.map(() => []);
    seen = NAMES.map(() => false);
    malformed = [];
    length = 0;
    return batch;
  };

  const chunks = openChunks(src);
  // Bytes after the last newline, waiting for the rest of their line.
  let carry: Buffer = Buffer.alloc(0);
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        throw toInputError(source, err);
      }
      if (next.done === true) {
        if (carry.length > 0) addLine(carry.toString('utf8'));
        if (length > 0) yield flush();
        return;
      }
      const chunk = next.value;
      bytesRead += chunk.length;
      const lastLF = chunk.lastIndexOf(LF);
      if (lastLF < 0) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      // Decoding many lines at once is much cheaper than one toString per line.
      const text = (carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, lastLF)]) : chunk.subarray(0, lastLF)).toString('utf8');
      carry = Buffer.from(chunk.subarray(lastLF + 1));
      let from = 0;
      for (;;) {
        const nl = text.indexOf('\n', from);
        addLine(nl < 0 ? text.slice(from) : text.slice(from, nl));
        if (nl < 0) break;
        from = nl + 1;
        if (length >= batchSize) yield flush();
      }
      if (length >= batchSize) yield flush();
    }
  } finally {
    await chunks.return(undefined);
  }
}
