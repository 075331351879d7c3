import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tableToIPC, Table as ArrowTable, vectorFromArray, Utf8, Int64, Int32, Float64, TimestampMillisecond, TimestampMicrosecond } from 'apache-arrow';
import fc from 'fast-check';
import { Compression, Encoding, Table as WasmTable, WriterPropertiesBuilder, WriterVersion, writeParquet } from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import { finalize } from '../../../engine/aggregate/finalize.js';
import { listInputs } from '../../../engine/read/open-input.js';
import { nativeParquetBinding, planSplits, readSplit } from '../../../engine/read/parquet-native.js';
import { aggregateInputs } from '../../../engine/rescore/aggregate-inputs.js';
import { parseBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import type { ColumnMap } from '../../../engine/read/raw-batch.js';
import { CLI } from '../../helpers/cli.js';
import { collect, tempDir, write } from './fixtures.js';
import { cells, readBoth } from './parquet-native-compare.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/parquet');
const duckdbFiles = readdirSync(join(FIXTURES, 'duckdb')).map((f) => join(FIXTURES, 'duckdb', f));
const wasmFiles = readdirSync(join(FIXTURES, 'parquet-wasm')).map((f) => join(FIXTURES, 'parquet-wasm', f));

// Every column of the fixtures, mapped onto the reader's eight slots in two passes.
const DUCKDB_MAPS: ColumnMap[] = [
  { customer_id: 'customer_id', ts: 'ts', amount: 'amount', margin: 'dec9', order_id: 'order_id', quantity: 'qty', price: 'dec18', event_id: 'note' },
  { customer_id: 'customer_no', ts: 'ts_ms', amount: 'amount_f', margin: 'dec30', order_id: 'ts_ns', quantity: 'day', price: 'note' },
];
const WASM_MAPS: ColumnMap[] = [
  { customer_id: 'customer_id', ts: 'ts', amount: 'amount', order_id: 'order_id', quantity: 'qty', price: 'customer_no', event_id: 'ts_us' },
];

describe.runIf(nativeParquetBinding() !== null)('the native Parquet reader against parquet-wasm', () => {
  it.each([...duckdbFiles, ...wasmFiles].map((f) => [f.slice(FIXTURES.length + 1), f]))('%s: the same cells, batches and row numbers', async (_name, path) => {
    for (const map of path.includes('/duckdb/') ? DUCKDB_MAPS : WASM_MAPS) {
      const { native, wasm } = await readBoth(path, map);
      expect(wasm.code).toBeUndefined();
      expect(native.code).toBeUndefined();
      expect(native.batches.length).toBeGreaterThan(0);
      expect(native.batches).toEqual(wasm.batches);
      // Types match too, except text the native reader keeps dictionary-encoded.
      for (const [name, type] of Object.entries(native.types)) expect(type.replace('Dictionary<Int32, Utf8>', 'Utf8')).toBe(wasm.types[name]!.replace(/Timestamp<(\w+), UTC>/, 'Timestamp<$1, +00:00>'));
      if (path.includes('brotli')) expect(native.notice).toMatch(/read by parquet-wasm \(.*BROTLI pages\)/);
      else expect(native.notice).toBeUndefined();
    }
  });

  it('parses into the same transactions, rejects included, from every way of writing the file', async () => {
    const maps: ColumnMap[] = [
      { customer_id: 'customer_id', ts: 'ts', amount: 'amount', order_id: 'order_id' },
      { customer_id: 'customer_no', ts: 'ts_ns', amount: 'dec9' },
      { customer_id: 'note', ts: 'day', amount: 'dec30' },
      { customer_id: 'customer_id', ts: 'ts_ms', amount: 'amount_f', margin: 'dec18' },
    ];
    for (const path of duckdbFiles.filter((f) => /(zstd-v2-dict-6000|snappy-v1-plain|lz4_raw-v2-dict|gzip-v1-dict)/.test(f))) {
      for (const map of maps) {
        const { nativeBatches, wasmBatches } = await readBoth(path, map, 777);
        const [nativeRejects, wasmRejects] = [new RejectLog(), new RejectLog()];
        const parsedNative = nativeBatches.map((b) => parseBatch(b, nativeRejects));
        const parsedWasm = wasmBatches.map((b) => parseBatch(b, wasmRejects));
        expect(parsedNative).toEqual(parsedWasm);
        expect(nativeRejects).toEqual(wasmRejects);
        expect(parsedNative.reduce((n, b) => n + b.length, 0)).toBeGreaterThan(0);
      }
    }
  });

  it('keeps a text chunk that is dictionary-encoded throughout as Dictionary<Utf8, Int32>, and one that falls back midway as Utf8', async () => {
    const dict = await readBoth(join(FIXTURES, 'duckdb/snappy-v1-dict-6000-rg2048.parquet'), { customer_id: 'customer_id', ts: 'ts', amount: 'amount', order_id: 'order_id' });
    expect(dict.native.types).toMatchObject({ customer_id: 'Dictionary<Int32, Utf8>', order_id: 'Utf8' });
    const fallback = await readBoth(join(FIXTURES, 'parquet-wasm/dict-fallback-zstd-v1.parquet'), { customer_id: 'customer_id', ts: 'ts', amount: 'amount' });
    expect(fallback.native.types.customer_id).toBe('Utf8');
    expect(fallback.native.batches).toEqual(fallback.wasm.batches);
  });

  it('is named by segstream --version, and without the addon parquet-wasm is', () => {
    const version = (env: Record<string, string>) => spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8', env: { ...process.env, ...env } }).stdout;
    expect(version({})).toMatch(/\(kernels: native, parquet reader: native\)/);
    expect(version({ SEGSTREAM_NATIVE_ADDON: join(import.meta.dirname, 'no-such-addon.node') })).toMatch(/\(kernels: js, parquet reader: parquet-wasm\)/);
  });

  it('cuts a file into row-group splits that read back as the whole file', async () => {
    const path = join(FIXTURES, 'duckdb/zstd-v2-dict-6000-rg2048.parquet');
    const splits = await planSplits(path);
    expect(splits.map((s) => [s.from, s.to, s.rows])).toEqual([[0, 1, 2048], [1, 2, 2048], [2, 3, 1904]]);
    expect(splits.every((s) => s.bytes > 0)).toBe(true);
    const map: ColumnMap = { customer_id: 'customer_id', ts: 'ts', amount: 'amount' };
    const whole = (await readBoth(path, map)).native.batches.flatMap((b) => b.columns.customer_id!);
    const parts: unknown[] = [];
    for (const split of splits) {
      const batches = await collect(readSplit(split, { columns: map, batchSize: 1000 }));
      expect(batches[0]!.firstRow).toBe(1);
      for (const b of batches) parts.push(...cells((b.columns.customer_id as { vector: Parameters<typeof cells>[0] }).vector));
    }
    expect(parts).toEqual(whole);
  });
});

const CODECS = [Compression.UNCOMPRESSED, Compression.SNAPPY, Compression.GZIP, Compression.ZSTD, Compression.LZ4_RAW, Compression.LZ4];
const TEXT_ENCODINGS = [Encoding.PLAIN, Encoding.DELTA_LENGTH_BYTE_ARRAY, Encoding.DELTA_BYTE_ARRAY];

describe.runIf(nativeParquetBinding() !== null)('the native Parquet reader on random files written by parquet-wasm', () => {
  const dir = tempDir();
  it('gives what parquet-wasm gives, for any rows and writer settings', async () => {
    const row = fc.record({
      id: fc.option(fc.oneof(fc.stringMatching(/^C\d{1,6}$/), fc.string({ maxLength: 12, unit: 'grapheme' })), { nil: null }),
      no: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      small: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      amount: fc.option(fc.double({ noNaN: true }), { nil: null }),
      ms: fc.integer({ min: -1e13, max: 1e13 }),
    });
    const settings = fc.record({
      codec: fc.constantFrom(...CODECS),
      v2: fc.boolean(),
      dict: fc.boolean(),
      text: fc.constantFrom(...TEXT_ENCODINGS),
      deltaInts: fc.boolean(),
      splitFloats: fc.boolean(),
      rowGroup: fc.integer({ min: 1, max: 400 }),
      page: fc.integer({ min: 64, max: 4096 }),
    });
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 600 }), settings, async (rows, s) => {
        const table = new ArrowTable({
          customer_id: vectorFromArray(rows.map((r) => r.id), new Utf8()),
          no: vectorFromArray(rows.map((r) => r.no), new Int64()),
          small: vectorFromArray(rows.map((r) => r.small), new Int32()),
          amount: vectorFromArray(rows.map((r) => r.amount), new Float64()),
          ts: vectorFromArray(rows.map((r) => r.ms), new TimestampMillisecond()),
          ts_us: vectorFromArray(rows.map((r) => r.ms), new TimestampMicrosecond()),
        });
        let props = new WriterPropertiesBuilder()
          .setCompression(s.codec)
          .setWriterVersion(s.v2 ? WriterVersion.V2 : WriterVersion.V1)
          .setDictionaryEnabled(s.dict)
          .setMaxRowGroupSize(s.rowGroup)
          .setDataPageSizeLimit(s.page)
          .setColumnEncoding('customer_id', s.text);
        if (s.deltaInts) for (const c of ['no', 'small', 'ts', 'ts_us']) props = props.setColumnEncoding(c, Encoding.DELTA_BINARY_PACKED);
        if (s.splitFloats) props = props.setColumnEncoding('amount', Encoding.BYTE_STREAM_SPLIT);
        const path = write(dir, `random-${k++}.parquet`, writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), props.build()));
        const { native, wasm } = await readBoth(path, { customer_id: 'customer_id', ts: 'ts', amount: 'amount', order_id: 'no', quantity: 'small', price: 'ts_us' }, 250);
        expect(native.code).toBeUndefined();
        expect(native.notice).toBeUndefined();
        expect(native.batches).toEqual(wasm.batches);
      }),
      { numRuns: 60, seed: 20261202 },
    );
  });
});

describe.runIf(nativeParquetBinding() !== null)('a rescore on the native Parquet reader', () => {
  async function table(path: string, reader: 'native' | 'wasm', columns: ColumnMap) {
    const before = process.env.SEGSTREAM_PARQUET_READER;
    process.env.SEGSTREAM_PARQUET_READER = reader === 'wasm' ? 'wasm' : 'native';
    try {
      const { agg, rejects } = await aggregateInputs(await listInputs(path), { columns, batchSize: 1000 }, { asOfMs: Date.UTC(2026, 0, 1) - 1 });
      return { table: finalize(agg, Date.UTC(2026, 0, 1) - 1, [90, 365]), rejects: rejects.counts };
    } finally {
      if (before === undefined) delete process.env.SEGSTREAM_PARQUET_READER;
      else process.env.SEGSTREAM_PARQUET_READER = before;
    }
  }

  it.each([
    ['duckdb/snappy-v1-dict-6000-rg2048.parquet', { customer_id: 'customer_id', ts: 'ts', amount: 'amount' }],
    ['duckdb/zstd-v2-dict-6000-rg2048.parquet', { customer_id: 'note', ts: 'ts_ns', amount: 'dec9', order_id: 'order_id' }],
    ['parquet-wasm/dict-lz4hadoop-v2.parquet', { customer_id: 'customer_id', ts: 'ts', amount: 'amount', order_id: 'order_id' }],
  ] as const)('aggregates %s to the customer table parquet-wasm gives', async (file, columns) => {
    const path = join(FIXTURES, file);
    const native = await table(path, 'native', columns);
    const wasm = await table(path, 'wasm', columns);
    expect(native.table.size).toBeGreaterThan(10);
    expect(native.table.customerId).toEqual(wasm.table.customerId);
    expect(native.table.fields).toEqual(wasm.table.fields);
    expect(native.table.windows).toEqual(wasm.table.windows);
    expect(native.rejects).toEqual(wasm.rejects);
  });
});
