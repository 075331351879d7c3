import { appendFile, type FileHandle, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_ORDER } from '../../../engine/live/tx-batches.js';
import type { TxBatch } from '../../../engine/parse/parse-batch.js';
import { readWal } from '../../../engine/wal/read-wal.js';
import { decodeRecord, encodeRecord } from '../../../engine/wal/wal-record.js';
import { WriteAheadLog } from '../../../engine/wal/write-ahead-log.js';

function batch(ids: (number | string)[], margin = false): TxBatch {
  const n = ids.length;
  return {
    length: n,
    ids,
    ts: Float64Array.from(ids.map((_, i) => 1_700_000_000_000 + i)),
    amount: Float64Array.from(ids.map((_, i) => i - 0.5)),
    margin: margin ? Float64Array.from(ids.map((_, i) => (i % 2 ? Number.NaN : i))) : null,
  };
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'segstream-wal-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('wal record', () => {
  it('round-trips ids, timestamps, amounts and margins, keeping 42 a number and "042" text', () => {
    const b = batch([42, '042', 'ünïcode', '12345678901234567890'], true);
    const r = decodeRecord(encodeRecord(b), 0);
    expect(r.kind).toBe('record');
    if (r.kind !== 'record') return;
    expect(r.batch.ids).toEqual([42, '042', 'ünïcode', '12345678901234567890']);
    expect([...r.batch.ts]).toEqual([...b.ts]);
    expect([...r.batch.amount]).toEqual([...b.amount]);
    expect([...r.batch.margin!]).toEqual([...b.margin!]);
  });

  it('stores a batch of integer ids as numbers (flag bit 3, 8 bytes an id) and reads them back as the same keys', () => {
    const ids = [42, 0, Number.MAX_SAFE_INTEGER, -7, 1_000_000];
    const b = { ...batch(ids, true), eventIds: ['e-1', null, null, null, 'e-5'] };
    const buf = encodeRecord(b);
    expect(buf[8 + 4]! & 8).toBe(8);
    const r = decodeRecord(buf, 0);
    expect(r.kind).toBe('record');
    if (r.kind !== 'record') return;
    expect(r.batch.ids).toEqual(ids);
    expect(r.batch.eventIds).toEqual(b.eventIds);
    expect([...r.batch.margin!]).toEqual([...b.margin!]);
    // One text id among them: every id goes as text, and 42 still reads back as the number.
    const mixed = encodeRecord(batch([42, '42x']));
    expect(mixed[8 + 4]! & 8).toBe(0);
    const m = decodeRecord(mixed, 0);
    expect(m.kind === 'record' && m.batch.ids).toEqual([42, '42x']);
  });

  it('round-trips event ids (null where a row has none) and reads records written without them', () => {
    const b = { ...batch([1, 'a', 3]), eventIds: ['e-1', null, '42'] };
    const r = decodeRecord(encodeRecord(b), 0);
    expect(r.kind === 'record' && r.batch.eventIds).toEqual(['e-1', null, '42']);
    const plain = decodeRecord(encodeRecord({ ...batch([1]), eventIds: [null] }), 0);
    expect(plain.kind === 'record' && plain.batch.eventIds).toBeUndefined();
    // A record from before event ids: flags byte 1 (margin) still reads as margin, no ids.
    const old = decodeRecord(encodeRecord(batch([7], true)), 0);
    expect(old.kind === 'record' && [old.batch.ids, old.batch.eventIds, old.batch.margin?.length]).toEqual([[7], undefined, 1]);
  });

  it('round-trips order ids with event ids, keeping 536365 a number, "C536379" text and a line without one its own order', () => {
    const b = { ...batch([1, 2, 3, 4]), eventIds: ['e-1', null, null, 'e-4'], orderIds: [536365, 'C536379', '\u0000request#3', '042'] };
    const r = decodeRecord(encodeRecord(b), 0);
    expect(r.kind).toBe('record');
    if (r.kind !== 'record') return;
    expect(r.batch.eventIds).toEqual(['e-1', null, null, 'e-4']);
    expect(r.batch.orderIds).toEqual([536365, 'C536379', NO_ORDER, '042']);
    const plain = decodeRecord(encodeRecord(batch([5])), 0);
    expect(plain.kind === 'record' && plain.batch.orderIds).toBeUndefined();
  });

  it('reports a torn record instead of misreading it', () => {
    const buf = encodeRecord(batch([1, 2, 3]));
    expect(decodeRecord(buf.subarray(0, buf.length - 1), 0).kind).toBe('torn');
    buf[buf.length - 1]! ^= 0xff;
    expect(decodeRecord(buf, 0)).toEqual({ kind: 'torn', reason: 'checksum mismatch' });
  });
});

describe('WriteAheadLog', () => {
  it('covers concurrent appends with fewer fsyncs than appends and reads them back in order', async () => {
    const dir = await tempDir();
    let fsyncs = 0;
    const wal = await WriteAheadLog.open(dir, { onFsync: () => void fsyncs++ });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => wal.append(batch([i]))));
    await wal.close();
    expect(results.every((r) => r.seq === 1)).toBe(true);
    expect(fsyncs).toBeLessThan(50);
    const ids = [];
    for await (const e of readWal(dir)) ids.push(...e.batch.ids);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('rotates to a new segment and trims sealed segments, keeping later appends', async () => {
    const dir = await tempDir();
    const wal = await WriteAheadLog.open(dir);
    await wal.append(batch([1]));
    const sealed = await wal.rotate();
    const after = await wal.append(batch([2]));
    expect(after.seq).toBe(sealed + 1);
    await wal.trimThrough(sealed);
    await wal.close();
    const ids = [];
    for await (const e of readWal(dir)) ids.push(...e.batch.ids);
    expect(ids).toEqual([2]);
  });

  it('stops reading a segment at a torn tail and opens a fresh segment after a restart', async () => {
    const dir = await tempDir();
    const wal = await WriteAheadLog.open(dir);
    await wal.append(batch([1, 2]));
    await wal.close();
    await appendFile(join(dir, '000000000001.wal'), encodeRecord(batch([3])).subarray(0, 10));
    const torn: string[] = [];
    const again = await WriteAheadLog.open(dir);
    await again.append(batch([4]));
    await again.close();
    expect(await readdir(dir)).toEqual(['000000000001.wal', '000000000002.wal']);
    const ids = [];
    for await (const e of readWal(dir, { onTorn: (_s, _o, reason) => torn.push(reason) })) ids.push(...e.batch.ids);
    expect(ids).toEqual([1, 2, 4]);
    expect(torn).toEqual(['truncated payload']);
  });

  it('finishes a write the disk took in part, and acknowledges it only then', async () => {
    const dir = await tempDir();
    const wal = await WriteAheadLog.open(dir);
    const fh = (wal as unknown as { fh: FileHandle }).fh;
    const real = fh.writev.bind(fh);
    let calls = 0;
    fh.writev = (async (bufs: Buffer[]) => {
      calls++;
      if (calls > 1) return real(bufs);
      const r = await real([bufs[0]!.subarray(0, 5)]);
      return { ...r, bytesWritten: 5 };
    }) as typeof fh.writev;
    await wal.append(batch([1, 2]));
    await wal.close();
    expect(calls).toBe(2);
    const ids = [];
    for await (const e of readWal(dir, { onTorn: () => expect.fail('torn') })) ids.push(...e.batch.ids);
    expect(ids).toEqual([1, 2]);
  });

  it('refuses a write the disk cut short, cuts the segment back, and stays broken', async () => {
    const dir = await tempDir();
    const wal = await WriteAheadLog.open(dir);
    await wal.append(batch([1]));
    const size = (await stat(join(dir, '000000000001.wal'))).size;
    const fh = (wal as unknown as { fh: FileHandle }).fh;
    const real = fh.writev.bind(fh);
    // A full disk: part of the record, then nothing more, and no exception.
    let calls = 0;
    fh.writev = (async (bufs: Buffer[]) => {
      calls++;
      if (calls > 1) return { bytesWritten: 0, buffers: bufs };
      const r = await real([bufs[0]!.subarray(0, 12)]);
      return { ...r, bytesWritten: 12 };
    }) as typeof fh.writev;
    await expect(wal.append(batch([2, 3]))).rejects.toMatchObject({ code: 'SEG_ERR_WAL_WRITE' });
    fh.writev = real;
    await expect(wal.append(batch([4]))).rejects.toMatchObject({ code: 'SEG_ERR_WAL_WRITE' });
    expect(wal.brokenBy).not.toBeNull();
    await wal.close().catch(() => undefined);
    expect((await stat(join(dir, '000000000001.wal'))).size).toBe(size);
    const ids = [];
    for await (const e of readWal(dir, { onTorn: () => expect.fail('torn') })) ids.push(...e.batch.ids);
    expect(ids).toEqual([1]);
  });
});
