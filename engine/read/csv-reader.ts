import { CsvScanner, type CsvRows } from './csv-scanner.js';
import type { CsvDelimiter } from './csv-delimiter.js';
import { resolveColumns, type ResolvedColumns } from './column-map.js';
import { DEFAULT_BATCH_SIZE, openChunks, sourceName, toInputError, type ByteSource } from './byte-source.js';
import type { RawBatch, ReadOptions } from './raw-batch.js';
import { nativeCsvBinding, readCsvNative } from './csv-native.js';
import { CsvFeed, type CsvInput, type CsvSplit, type CsvSplitFlags } from './csv-feed.js';
import type { NativeCsvBinding } from '../kernels/native-binding.js';

export { type CsvSplit, type CsvSplitFlags, planSplits } from './csv-feed.js';

/** ReadOptions plus the CSV delimiter (default: `\t` for `.tsv` files, else detected from the header). */
export interface CsvReadOptions extends ReadOptions {
  readonly delimiter?: CsvDelimiter | 'auto';
  /**
   * `native`: the Rust scanner (csv-native.ts) where the addon has it; `js`: the TypeScript
   * scanner, the reference. Default: native for a read that parses by a dialect (a rescore's) and
   * for a head scan (ReadOptions.head), unless SEGSTREAM_CSV_SCANNER=js; js for the rest (tests
   * of the reader).
   */
  readonly scanner?: 'native' | 'js';
}

/** Reads one split of a CSV file (csv-feed.ts planSplits): the records whose first byte lies in it. */
export async function* readSplit(split: CsvSplit, options: CsvReadOptions, flags: CsvSplitFlags | null): AsyncGenerator<RawBatch> {
  const delimiter = options.delimiter ?? (split.path.toLowerCase().endsWith('.tsv') ? '\t' : 'auto');
  const input: CsvInput = { kind: 'split', split, flags };
  const native = nativeScanner(options);
  if (native !== null) yield* readCsvNative(input, { ...options, delimiter }, native);
  else yield* readCsv({ kind: 'stream', name: split.path, chunks: feedChunks(input) }, { ...options, delimiter, scanner: 'js' });
}

/** The addon's scanner when `options` ask for it (see CsvReadOptions.scanner) and it is there. */
function nativeScanner(options: CsvReadOptions): NativeCsvBinding | null {
  const wanted = options.scanner ?? ((options.dialect === undefined && options.head !== true) || process.env.SEGSTREAM_CSV_SCANNER === 'js' ? 'js' : 'native');
  return wanted === 'native' ? nativeCsvBinding() : null;
}

/** The bytes of `input` as chunks, for the TypeScript scanner. */
async function* feedChunks(input: CsvInput): AsyncGenerator<Buffer> {
  const feed = await CsvFeed.open(input);
  try {
    yield* feed.rest();
  } finally {
    await feed.close();
  }
}

/**
 * Reads a CSV source (header row first) as batches of `text` columns. Memory holds one chunk
 * and at most one batch of rows; a wrong field count becomes a MalformedRow in its slot.
 */
export async function* readCsv(src: ByteSource, options: CsvReadOptions): AsyncGenerator<RawBatch> {
  const native = nativeScanner(options);
  if (native !== null) {
    yield* readCsvNative(src, { ...options, delimiter: options.delimiter ?? defaultDelimiter(src) }, native);
    return;
  }
  const source = sourceName(src);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  let resolved: ResolvedColumns | null = null;
  // The scanner keeps each source field once; several contract columns may share one field.
  let fieldSlot: number[] = [];
  const scanner = new CsvScanner({
    source,
    delimiter: options.delimiter ?? defaultDelimiter(src),
    onHeader: (header) => {
      resolved = resolveColumns(source, header, options.columns);
      const fields = [...new Set(resolved.indices)];
      fieldSlot = resolved.indices.map((i) => fields.indexOf(i));
      return fields;
    },
  });
  let firstRow = 1;
  let bytesRead = 0;
  const batch = (rows: CsvRows): RawBatch => {
    const columns: RawBatch['columns'] = {};
    const names = resolved?.names ?? [];
    names.forEach((name, k) => {
      columns[name] = { kind: 'text', values: rows.columns[fieldSlot[k]!]! };
    });
    const out: RawBatch = { source, firstRow, length: rows.length, columns, malformed: rows.malformed, bytesRead };
    firstRow += rows.length;
    return out;
  };

  const chunks = openChunks(src);
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
        if (next.done === true) scanner.end();
        else {
          bytesRead += next.value.length;
          scanner.push(next.value);
        }
      } catch (err) {
        throw toInputError(source, err);
      }
      // Yielding outside that try keeps an error thrown into the generator from being relabelled.
      while (scanner.rowCount >= batchSize || (next.done === true && scanner.rowCount > 0)) {
        yield batch(scanner.take(batchSize));
      }
      if (next.done === true) return;
    }
  } finally {
    await chunks.return(undefined); // closes the file when the consumer stops early
  }
}

function defaultDelimiter(src: ByteSource): CsvDelimiter | 'auto' {
  return src.kind === 'file' && src.path.toLowerCase().endsWith('.tsv') ? '\t' : 'auto';
}
