/**
 * A rescore's intermediate states in the JetStream object store (bucket `segstream-partials`,
 * replicated like every stream): a share's per-shard partial packs (engine/aggregate/partial-pack.ts)
 * and a shard's finalized part (engine/pool/table-pack.ts), as plain little-endian columns.
 *
 *   blob = u32 header length | header JSON { meta, columns: [type, length][] } | columns, each 8-aligned
 *
 * Typed arrays round-trip bit for bit (money in exact units stays exact), so a shard merged from
 * packs that crossed the network equals one merged from packs handed between threads.
 */
import type { ObjectStore } from '@nats-io/obj';
import { AGGREGATE_FIELDS, type AggregateField } from '../aggregate/customer-table.js';
import type { PartitionPack } from '../aggregate/partial-pack.js';
import type { TablePart } from '../pool/table-pack.js';
import { type NatsCluster, readObject, retryTimeouts } from './nats-connection.js';

/** The object store bucket of every job's partial states. */
export const PARTIAL_BUCKET = 'segstream-partials';

type Column = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;
const TYPES = { f64: Float64Array, i32: Int32Array, u32: Uint32Array, u16: Uint16Array, u8: Uint8Array } as const;
type TypeName = keyof typeof TYPES;

function typeName(c: Column): TypeName {
  if (c instanceof Float64Array) return 'f64';
  if (c instanceof Int32Array) return 'i32';
  if (c instanceof Uint32Array) return 'u32';
  if (c instanceof Uint16Array) return 'u16';
  return 'u8';
}

const pad8 = (n: number): number => (n + 7) & ~7;

/** Columns and a JSON-able `meta` as one blob. */
export function encodeColumns(meta: unknown, columns: readonly Column[]): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({ meta, columns: columns.map((c) => [typeName(c), c.length]) }));
  const start = pad8(4 + header.length);
  let size = start;
  for (const c of columns) size += pad8(c.byteLength);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  let at = start;
  for (const c of columns) {
    out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
    at += pad8(c.byteLength);
  }
  return out;
}

/** The meta and columns of a blob of {@link encodeColumns} (each column a fresh, aligned copy). */
export function decodeColumns<M>(blob: Uint8Array): { meta: M; columns: Column[] } {
  const headerLength = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(blob.subarray(4, 4 + headerLength))) as { meta: M; columns: [TypeName, number][] };
  let at = pad8(4 + headerLength);
  const columns = header.columns.map(([type, length]) => {
    const Ctor = TYPES[type];
    const bytes = length * Ctor.BYTES_PER_ELEMENT;
    const col = new Ctor(length);
    new Uint8Array(col.buffer).set(blob.subarray(at, at + bytes));
    at += pad8(bytes);
    return col;
  });
  return { meta: header.meta, columns };
}

const PACK_COLUMNS = [
  'numKey', 'keyText', 'keyEnd', 'order', 'orders', 'returns', 'revenue', 'returnedAmount', 'margin', 'firstTs', 'lastTs',
  'dayCust', 'day', 'dayNet', 'dayPos', 'orderCust', 'orderKey', 'orderSide', 'orderText', 'orderTextEnd',
] as const satisfies readonly (keyof PartitionPack)[];

/** A partial pack as a blob. */
export function encodePack(pack: PartitionPack): Uint8Array {
  return encodeColumns({ size: pack.size }, PACK_COLUMNS.map((name) => pack[name]));
}

/** A partial pack from its blob. */
export function decodePack(blob: Uint8Array): PartitionPack {
  const { meta, columns } = decodeColumns<{ size: number }>(blob);
  const pack: Record<string, unknown> = { size: meta.size };
  PACK_COLUMNS.forEach((name, i) => {
    pack[name] = columns[i];
  });
  return pack as unknown as PartitionPack;
}

interface PartMeta {
  readonly size: number;
  readonly customerId: string[];
  readonly windows: number[];
}

/** A finalized shard as a blob (its ids in the JSON header). */
export function encodePart(part: TablePart): Uint8Array {
  const meta: PartMeta = { size: part.size, customerId: part.customerId, windows: part.windows.map(([w]) => w) };
  return encodeColumns(meta, [part.order, part.meanRepeatValue, part.lastYearRevenue, ...AGGREGATE_FIELDS.map((f) => part.fields[f]), ...part.windows.map(([, w]) => w)]);
}

/** A finalized shard from its blob. */
export function decodePart(blob: Uint8Array): TablePart {
  const { meta, columns } = decodeColumns<PartMeta>(blob);
  const f64 = columns as Float64Array[];
  const fields = {} as Record<AggregateField, Float64Array>;
  AGGREGATE_FIELDS.forEach((name, i) => {
    fields[name] = f64[3 + i]!;
  });
  const windows = meta.windows.map((w, i): [number, Float64Array] => [w, f64[3 + AGGREGATE_FIELDS.length + i]!]);
  return { size: meta.size, customerId: meta.customerId, order: f64[0]!, meanRepeatValue: f64[1]!, lastYearRevenue: f64[2]!, fields, windows };
}

/** Object names of a job's states. */
export const partialName = {
  pack: (job: string, share: number, shard: number): string => `${job}/pack/${share}/${shard}`,
  part: (job: string, shard: number): string => `${job}/part/${shard}`,
  /** A merged shard's sketches and model data (shard-score.ts), and its runs in the coordinator's brackets. */
  stats: (job: string, shard: number): string => `${job}/stats/${shard}`,
  select: (job: string, shard: number): string => `${job}/select/${shard}`,
};

/** Opens (creating when missing) the replicated partials bucket. */
export async function openPartialStore(cluster: NatsCluster): Promise<ObjectStore> {
  return cluster.objectStore(PARTIAL_BUCKET);
}

/**
 * Chunks of an object: the client's default is 128 KiB, eight times the messages (and the
 * per-message replication round trips) of chunks just under NATS's default 1 MiB max_payload.
 */
export const OBJECT_CHUNK_BYTES = 960 << 10;

/** Stores `bytes` under `name` in chunks of {@link OBJECT_CHUNK_BYTES}; resolves once the stream acknowledged every chunk. */
export function putObject(store: ObjectStore, name: string, bytes: Uint8Array): ReturnType<ObjectStore['putBlob']> {
  return retryTimeouts(() => store.putBlob({ name, options: { max_chunk_size: OBJECT_CHUNK_BYTES } }, bytes));
}

/** Reads an object that must be there (a task's input the coordinator saw written). */
export async function getRequired(store: ObjectStore, name: string): Promise<Uint8Array> {
  const blob = await readObject(store, name);
  if (blob === null) throw new Error(`cluster rescore: partial state ${name} is missing from ${PARTIAL_BUCKET}`);
  return blob;
}

/** Removes every object of a job and of its re-read (`<job>-whole`); best effort: a later job never reads another's names. */
export async function dropJob(store: ObjectStore, job: string): Promise<void> {
  const list = await store.list();
  for (const info of list) if (info.name.startsWith(`${job}/`) || info.name.startsWith(`${job}-`)) await store.delete(info.name).catch(() => undefined);
}
