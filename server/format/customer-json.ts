/**
 * Customer views as JSON text, written straight from the snapshot's columns: one writer per
 * column, compiled once per snapshot, each appending its field's JSON to one string; no object
 * per customer and no schema-driven serialization on the lookup path.
 *
 * The text is the one fastify's response schema (schemas.ts CUSTOMER_SCHEMA, fast-json-stringify)
 * wrote for the same view, byte for byte: fields in the schema's order (the customer row's, then
 * snapshot, as_of, live), a field the view lacks left out, numbers as `String(n)` (non-finite as
 * null), text as JSON.stringify writes it. A test holds the two to the same bytes.
 */
import type { CustomerView, LiveState } from '../../engine/live/live-state.js';
import type { SnapshotColumns } from '../../engine/live/snapshot-columns.js';
import { CUSTOMER_COLUMNS, cellJson } from '../../engine/snapshot/customer-schema.js';

type Writer = (row: number) => string;

/** The fields of a view after the customer row's own, in the schema's order. */
const META = ['snapshot', 'as_of', 'live'] as const;
const VIEW_KEYS: readonly string[] = [...CUSTOMER_COLUMNS, ...META];
const KEY_JSON: ReadonlyMap<string, string> = new Map(VIEW_KEYS.map((k) => [k, `${JSON.stringify(k)}:`]));

function writerOf(columns: SnapshotColumns, index: number): Writer {
  const { read, coded } = columns.readers[index]!;
  if (coded) {
    // A category has a few names: their JSON is written once.
    const names = coded.names.map((n) => JSON.stringify(n));
    const codes = coded.codes;
    return (row) => names[codes[row]!]!;
  }
  return (row) => cellJson(read(row));
}

/** JSON writers of one snapshot's customer views. */
export class CustomerJson {
  private readonly keys: string[];
  private readonly writers: Writer[];
  /** `,"snapshot":…,"as_of":…,"live":false}`: the same for every row the overlay does not hold. */
  private readonly tail: string;
  private readonly snapshotJson: string;

  constructor(columns: SnapshotColumns, snapshotId: string, asOf: string) {
    this.keys = columns.readers.map((r, i) => `${i === 0 ? '{' : ','}${KEY_JSON.get(r.field.name)}`);
    this.writers = columns.readers.map((_, i) => writerOf(columns, i));
    this.snapshotJson = JSON.stringify(snapshotId);
    const open = this.keys.length === 0 ? '{' : ',';
    this.tail = `${open}"snapshot":${this.snapshotJson},"as_of":${JSON.stringify(asOf)},"live":false}`;
  }

  /** The view of snapshot row `row` (a customer live events have not changed). */
  row(row: number): string {
    const { keys, writers } = this;
    let s = '';
    for (let i = 0; i < writers.length; i++) s += keys[i]! + writers[i]!(row);
    return s + this.tail;
  }

  /** A view built as an object (a customer the overlay holds). */
  view(view: CustomerView): string {
    let s = '';
    for (const key of VIEW_KEYS) {
      const v = view[key];
      if (v === undefined) continue;
      s += `${s === '' ? '{' : ','}${KEY_JSON.get(key)}${cellJson(v)}`;
    }
    return s === '' ? '{}' : `${s}}`;
  }

  /** The body of a batch-get: the views found, in order, and the ids asked for that were not. */
  batch(views: readonly string[], notFound: readonly (string | number)[]): string {
    return `{"snapshot":${this.snapshotJson},"customers":[${views.join(',')}],"not_found":${JSON.stringify(notFound)}}`;
  }
}

const compiled = new WeakMap<LiveState, CustomerJson>();

/** The JSON writers of a live state's snapshot, compiled on its first lookup. */
export function customerJsonOf(state: LiveState): CustomerJson {
  let json = compiled.get(state);
  if (!json) {
    json = new CustomerJson(state.columns, state.snapshot.id, state.snapshot.manifest.as_of);
    compiled.set(state, json);
  }
  return json;
}
