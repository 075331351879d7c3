/**
 * The line-item case of rescore-vs-duckdb (`--line-items`): as many rows as the plain case, as
 * invoice lines (`order_id`, `quantity`, `price`, no amount; line-items.ts), rescored with
 * `--map amount=quantity*price,order_id=order_id` so orders are distinct invoices, against
 * DuckDB's count(DISTINCT order_id). Its peer query is this file's own (the peer job has
 * no order ids); it runs as a child too: `node --import tsx line-items-case.ts --duckdb-job ...`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeLineItems } from './line-items.js';
import { timedProcess } from './timed-process.js';

const AS_OF = '2026-06-30';

/** One measured run of the line-item case. */
export interface LineItemRow {
  job: string;
  format: 'parquet' | 'csv';
  workers: number;
  wall_s: number;
  cpu_s: number | null;
  peak_rss_mib: number | null;
  rows_per_s: number;
}

async function duckdbLineItems(file: string, format: string, threads: number, out: string): Promise<void> {
  const asOfMs = Date.parse(`${AS_OF}T23:59:59.999Z`);
  const asOfDay = Math.floor(asOfMs / 86_400_000);
  const columns = `{'customer_id': 'BIGINT', 'ts': 'TIMESTAMPTZ', 'order_id': 'VARCHAR', 'quantity': 'BIGINT', 'price': 'DOUBLE'}`;
  const source = format === 'parquet' ? `read_parquet('${file}')` : `read_csv('${file}', header = true, columns = ${columns})`;
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const conn = await db.connect();
  await conn.run(`
    COPY (
      WITH rows AS (
        SELECT customer_id, epoch_ms(ts) AS ms, epoch_ms(ts) // 86400000 AS day, quantity * price AS amount, order_id
        FROM ${source} WHERE epoch_ms(ts) <= ${asOfMs}
      ), agg AS (
        SELECT customer_id,
          count(DISTINCT order_id) FILTER (WHERE amount >= 0) AS orders,
          count(DISTINCT day) FILTER (WHERE amount >= 0) AS purchase_days,
          min(ms) FILTER (WHERE amount >= 0) AS first_purchase_at,
          max(ms) FILTER (WHERE amount >= 0) AS last_purchase_at,
          sum(amount) AS revenue,
          count(DISTINCT order_id) FILTER (WHERE amount < 0) AS returns,
          coalesce(-sum(amount) FILTER (WHERE amount < 0), 0) AS returned_amount,
          coalesce(sum(amount) FILTER (WHERE day > ${asOfDay - 90}), 0) AS revenue_90d,
          coalesce(sum(amount) FILTER (WHERE day > ${asOfDay - 365}), 0) AS revenue_365d
        FROM rows GROUP BY customer_id
      )
      SELECT *,
        CASE WHEN orders >= 1 THEN ntile(5) OVER (PARTITION BY orders >= 1 ORDER BY last_purchase_at) ELSE 0 END AS r_score,
        CASE WHEN orders >= 1 THEN ntile(5) OVER (PARTITION BY orders >= 1 ORDER BY orders) ELSE 0 END AS f_score,
        CASE WHEN orders >= 1 THEN ntile(5) OVER (PARTITION BY orders >= 1 ORDER BY revenue) ELSE 0 END AS m_score
      FROM agg
    ) TO '${out}' (FORMAT parquet)`);
  conn.closeSync();
}

/** Generates the line items once (kept beside the other inputs) and times both sides, alternating. */
export async function runLineItems(opts: { root: string; dataDir: string; customers: number; transactions: number; workers: number; engine: string }): Promise<LineItemRow[]> {
  const files = { csv: join(opts.dataDir, 'lines.csv'), parquet: join(opts.dataDir, 'lines.parquet') } as const;
  if (!existsSync(files.csv) || !existsSync(files.parquet)) {
    const lines = await writeLineItems({ customers: opts.customers, orders: Math.round(opts.transactions / 3.5), seed: 1, ...files });
    process.stdout.write(`generated ${lines.toLocaleString('en-US')} invoice lines as ${files.csv} and .parquet\n`);
  }
  const rows: LineItemRow[] = [];
  for (const format of ['parquet', 'csv'] as const) {
    const data = mkdtempSync(join(tmpdir(), 'segstream-bench-data-'));
    let read = 0;
    try {
      const r = timedProcess(process.execPath, ['dist/cli/segstream.js', 'rescore', '--input', files[format], '--data', data, '--as-of', AS_OF, '--workers', String(opts.workers),
        '--engine', opts.engine, '--map', 'amount=quantity*price,order_id=order_id', '--json'], opts.root);
      const summary = JSON.parse(r.stdout) as { rows: { read: number }; peak_rss_bytes: number };
      read = summary.rows.read;
      rows.push({ job: 'segstream rescore (line items)', format, workers: opts.workers, wall_s: r.wall_s, cpu_s: r.cpu_s, peak_rss_mib: (r.peak_rss_bytes ?? summary.peak_rss_bytes) / 2 ** 20, rows_per_s: read / r.wall_s });
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
    const out = join(tmpdir(), `segstream-bench-lines-${process.pid}.parquet`);
    const r = timedProcess(process.execPath, ['--import', 'tsx', 'bench/e2e/lib/line-items-case.ts', '--duckdb-job', files[format], format, String(opts.workers), out], opts.root);
    rmSync(out, { force: true });
    rows.push({ job: 'duckdb count(DISTINCT order_id)', format, workers: opts.workers, wall_s: r.wall_s, cpu_s: r.cpu_s, peak_rss_mib: r.peak_rss_bytes === null ? null : r.peak_rss_bytes / 2 ** 20, rows_per_s: read / r.wall_s });
  }
  return rows;
}

if (process.argv[2] === '--duckdb-job') {
  const [file, format, threads, out] = process.argv.slice(3) as [string, string, string, string];
  await duckdbLineItems(file, format, Number(threads), out);
}
