/**
 * Customer views as a file: Arrow IPC (stream or file) with the snapshot's column types, or CSV
 * written by the same code as `segstream export`, so a listing export and a snapshot export of
 * the same customers agree byte for byte in CSV.
 */
import { Table, type Vector, tableToIPC } from 'apache-arrow';
import type { CustomerView } from '../../engine/live/live-state.js';
import { boolVector, dictionaryVector, float64Vector, int32Vector, timestampVector, uintVector, utf8Vector } from '../../engine/snapshot/arrow-columns.js';
import { CUSTOMER_COLUMNS } from '../../engine/snapshot/customers-file.js';
import { writeTextRows } from '../../engine/snapshot/export-snapshot.js';

/** Export formats by media type. */
export const EXPORT_TYPES = {
  'text/csv': 'csv',
  'application/vnd.apache.arrow.stream': 'arrow-stream',
  'application/vnd.apache.arrow.file': 'arrow-file',
} as const;

/** One of the export formats. */
export type ExportKind = (typeof EXPORT_TYPES)[keyof typeof EXPORT_TYPES];

/** The export the Accept header asks for, or null for JSON. */
export function exportKind(accept: string | undefined): { kind: ExportKind; type: string } | null {
  if (!accept) return null;
  for (const [type, kind] of Object.entries(EXPORT_TYPES)) if (accept.includes(type)) return { kind, type };
  return null;
}

const INT = new Set(['orders', 'purchase_days', 'returns', 'recency_days', 'tenure_days']);
const SCORE = new Set(['r_score', 'f_score', 'm_score']);
const DICT = new Set(['segment', 'tier', 'lifecycle']);

function numbers(views: readonly CustomerView[], name: string, map: (v: unknown) => number = (v) => (v === null ? Number.NaN : Number(v))): Float64Array {
  return Float64Array.from(views, (v) => map(v[name] ?? null));
}

function column(views: readonly CustomerView[], name: string): Vector {
  if (name === 'customer_id' || name === 'rfm_cell') return utf8Vector(views.map((v) => String(v[name] ?? '')));
  if (name === 'win_back') return boolVector(Uint8Array.from(views, (v) => (v[name] ? 1 : 0)));
  if (name === 'spend_band') return uintVector(Uint16Array.from(views, (v) => Number(v[name] ?? 0)));
  if (SCORE.has(name)) return uintVector(Uint8Array.from(views, (v) => Number(v[name] ?? 0)));
  if (name === 'first_purchase_at' || name === 'last_purchase_at') return timestampVector(numbers(views, name, (v) => (v === null ? Number.NaN : Date.parse(String(v)))));
  if (DICT.has(name)) {
    const names: string[] = [];
    const index = new Map<string, number>();
    const codes = Uint16Array.from(views, (v) => {
      const s = String(v[name]);
      let c = index.get(s);
      if (c === undefined) {
        c = names.push(s) - 1;
        index.set(s, c);
      }
      return c;
    });
    return dictionaryVector(codes, names);
  }
  return INT.has(name) ? int32Vector(numbers(views, name)) : float64Vector(numbers(views, name));
}

/** The views as an Arrow table with the snapshot's columns. */
export function viewsToTable(views: readonly CustomerView[]): Table {
  return new Table(Object.fromEntries(CUSTOMER_COLUMNS.map((n) => [n, column(views, n)])));
}

/** Encodes views in an export format. */
export async function encodeViews(views: readonly CustomerView[], kind: ExportKind): Promise<Buffer> {
  const table = viewsToTable(views);
  if (kind === 'arrow-stream') return Buffer.from(tableToIPC(table, 'stream'));
  if (kind === 'arrow-file') return Buffer.from(tableToIPC(table, 'file'));
  const parts: string[] = [];
  await writeTextRows(table, 'csv', async (text) => void parts.push(text));
  return Buffer.from(parts.join(''));
}
