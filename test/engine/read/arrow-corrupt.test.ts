import { Field, Float64, makeData, RecordBatch, Schema, Struct, TimestampSecond, tableFromArrays, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { InputUnreadableError, SegError } from '../../../engine/errors.js';
import { toRawBatch } from '../../../engine/read/arrow-reader.js';
import { readFile, readStream } from '../../../engine/read/open-input.js';
import { chunked, collect, IDENTITY, tempDir, write } from './fixtures.js';

const dir = tempDir();
const n = 2000;
const table = tableFromArrays({
  customer_id: Array.from({ length: n }, (_, i) => `c${i % 300}`),
  ts: Float64Array.from({ length: n }, (_, i) => 1.6e12 + i * 1e6),
  amount: Float64Array.from({ length: n }, (_, i) => i / 7),
});
const file = tableToIPC(table, 'file');
const stream = tableToIPC(table, 'stream');
const footerLength = new DataView(file.buffer, file.byteOffset).getInt32(file.length - 10, true);
const footerStart = file.length - 10 - footerLength;

async function readPath(bytes: Uint8Array, name = 'x.arrow'): Promise<number> {
  const path = write(dir, name, bytes);
  const batches = await collect(readFile({ path, size: bytes.length, format: 'arrow' }, IDENTITY));
  return batches.reduce((s, b) => s + b.length, 0);
}

async function outcome(run: Promise<number>): Promise<string> {
  try {
    await run;
    return 'ok';
  } catch (err) {
    if (err instanceof SegError) return err.code;
    throw err; // anything uncoded fails the test
  }
}

function mutate(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const m = Uint8Array.from(bytes);
  m[at] = value;
  return m;
}

describe('corrupt Arrow IPC', () => {
  it('fails with SEG_ERR_INPUT_UNREADABLE, allocating nothing, when one footer byte claims 40,000 record batches', async () => {
    // Footer byte 24 is the high byte of the batch vector's length here: apache-arrow trusted it,
    // took 1.3 GB and looped over the phantom batches for good.
    const err = await readPath(mutate(file, footerStart + 24, 64)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputUnreadableError);
    expect((err as Error).message).toContain('x.arrow');
  });

  it('fails cleanly on a footer length beyond the file', async () => {
    const m = Uint8Array.from(file);
    new DataView(m.buffer).setInt32(m.length - 10, 0x7fff_ff00, true);
    expect(await outcome(readPath(m))).toBe('SEG_ERR_INPUT_UNREADABLE');
  });

  it('reads or refuses with a code every single-byte change of the footer and the last message, holding memory to the input', async () => {
    const seen = new Map<string, number>();
    const before = process.memoryUsage().arrayBuffers;
    for (let at = footerStart - 400; at < file.length; at++) {
      for (const value of [0xff, 0x7f, 0x00]) {
        if (file[at] === value) continue;
        const o = await outcome(readPath(mutate(file, at, value)));
        seen.set(o, (seen.get(o) ?? 0) + 1);
      }
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
    expect([...seen.keys()].every((k) => ['ok', 'SEG_ERR_INPUT_UNREADABLE', 'SEG_ERR_COLUMN_MISSING'].includes(k))).toBe(true);
    expect(seen.get('SEG_ERR_INPUT_UNREADABLE')).toBeGreaterThan(100);
  });

  it('checks a stream message by message: a huge metadata length, a cut body and flipped bytes fail with a code', async () => {
    const read = (bytes: Uint8Array): Promise<number> =>
      collect(readStream(chunked(bytes, 4096), 'request', { ...IDENTITY, format: 'arrow' })).then((bs) => bs.reduce((s, b) => s + b.length, 0));
    expect(await read(stream)).toBe(n);
    const hugeMeta = Uint8Array.from(stream);
    new DataView(hugeMeta.buffer).setInt32(4, 0x7fff_fff0, true);
    expect(await outcome(read(hugeMeta))).toBe('SEG_ERR_INPUT_UNREADABLE');
    expect(await outcome(read(stream.subarray(0, stream.length - 100)))).toBe('SEG_ERR_INPUT_UNREADABLE');
    const seen = new Set<string>();
    for (let at = 0; at < 1200; at += 3) seen.add(await outcome(read(mutate(stream, at, stream[at]! ^ 0xff))));
    expect([...seen].every((k) => ['ok', 'SEG_ERR_INPUT_UNREADABLE', 'SEG_ERR_COLUMN_MISSING'].includes(k))).toBe(true);
  });

  it('refuses a batch whose column holds fewer values than its rows, before any typed array is built over them', () => {
    // A fuzzed stream claimed 536 rows over 24 timestamps: the parser's Int32Array view threw a RangeError.
    const fields = [new Field('customer_id', new Float64()), new Field('ts', new TimestampSecond())];
    const children = [
      makeData({ type: new Float64(), length: 536, data: new Float64Array(536) }),
      makeData({ type: new TimestampSecond(), length: 536, data: new BigInt64Array(24) }),
    ];
    const batch = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 536, children }));
    const resolved = { names: ['customer_id', 'ts'] as const, sourceNames: ['customer_id', 'ts'], indices: [0, 1] };
    expect(() => toRawBatch('short.arrows', 1, batch, resolved, -1)).toThrow(InputUnreadableError);
  });
});
