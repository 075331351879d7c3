/** Test helper: reads a generated file of any format back into plain columns. */

import { readFileSync } from 'node:fs';
import { tableFromIPC, type Table } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';

export interface Columns {
  customerId: number[];
  ts: number[];
  amount: number[];
  margin: number[];
}

function fromText(lines: string[], parse: (line: string) => [number, number, number, number]): Columns {
  const columns: Columns = { customerId: [], ts: [], amount: [], margin: [] };
  for (const line of lines) {
    if (line === '') continue;
    const [id, ts, amount, margin] = parse(line);
    columns.customerId.push(id);
    columns.ts.push(ts);
    columns.amount.push(amount);
    columns.margin.push(margin);
  }
  return columns;
}

function fromTable(table: Table): Columns {
  const column = (name: string): number[] => {
    const vector = table.getChild(name);
    if (vector === null) throw new Error(`column ${name} missing`);
    return Array.from(vector, (value) => Number(value));
  };
  return { customerId: column('customer_id'), ts: column('ts'), amount: column('amount'), margin: column('margin') };
}

/** Reads `path` written in `format` into columns. */
export function readBack(path: string, format: 'csv' | 'ndjson' | 'arrow' | 'parquet'): Columns {
  const bytes = readFileSync(path);
  switch (format) {
    case 'csv': {
      const [header, ...lines] = bytes.toString('latin1').split('\n');
      if (header !== 'customer_id,ts,amount,margin') throw new Error(`bad header ${header}`);
      return fromText(lines, (line) => {
        const [id, ts, amount, margin] = line.split(',');
        return [Number(id), Date.parse(ts ?? ''), Number(amount), Number(margin)];
      });
    }
    case 'ndjson':
      return fromText(bytes.toString('latin1').split('\n'), (line) => {
        const row = JSON.parse(line) as { customer_id: number; ts: string; amount: number; margin: number };
        return [row.customer_id, Date.parse(row.ts), row.amount, row.margin];
      });
    case 'arrow':
      return fromTable(tableFromIPC(bytes));
    case 'parquet':
      return fromTable(tableFromIPC(readParquet(bytes, { batchSize: 65_536 }).intoIPCStream()));
  }
}
