/**
 * Customer views as a file: Arrow IPC (stream or file) with the snapshot's column types, or CSV
 * written by the same code as `segstream export`, so a listing export and a snapshot export of
 * the same customers agree byte for byte in CSV.
 */
import { Table, type Vector, tableToIPC } from 'apache-arrow';
import type { CustomerView } from '../../engine/live/live-state.js';
import { columnVector, valuesOfCells } from '../../engine/snapshot/arrow-columns.js';
import { CUSTOMER_FIELDS } from '../../engine/snapshot/customer-schema.js';
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

/** The views as an Arrow table with the snapshot's columns. */
export function viewsToTable(views: readonly CustomerView[]): Table {
  const columns: Record<string, Vector> = {};
  for (const f of CUSTOMER_FIELDS) columns[f.name] = columnVector(f.kind, valuesOfCells(f.kind, views.map((v) => v[f.name] ?? null)));
  return new Table(columns);
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
