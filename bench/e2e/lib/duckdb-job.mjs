#!/usr/bin/env node
// segstream: a verbatim copy of ../shared/bench/duckdb-job.mjs, the peer job and data generator of issue 10,
// segstream: kept in the repository so the benchmark runs from a clean clone; rescore-vs-duckdb.ts checks it
// segstream: against the original wherever that is present, and derives its CSV variant by one named substitution.
// The DuckDB equivalent of a segstream rescore, as a whole process: Parquet in -> per-customer
// aggregates (orders, purchase days, revenue, returns, 90/365-day revenue, first/last) -> NTILE
// R/F/M scores -> Parquet out. usage: node duckdb-job.mjs IN.parquet OUT.parquet AS_OF_DATE THREADS
// also: node duckdb-job.mjs --generate OUT.parquet CUSTOMERS TRANSACTIONS
import { createRequire } from 'node:module';
const require = createRequire((process.env.DUCK_HOME ?? process.cwd()) + "/node_modules/");
const { DuckDBInstance } = require('@duckdb/node-api');
const args = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:', { threads: String(args[4] ?? args[3] ?? 2) });
const con = await inst.connect();
if (args[0] === '--generate') {
  const [, out, nc, nt] = args;
  // skewed customers (a few buy very often), time-ordered days over 3 years, lognormal-ish amounts, ~3% returns
  await con.run(`COPY (SELECT
      ('C' || (floor(${nc} * pow(random(), 2.5)))::BIGINT::VARCHAR) AS customer_id,
      (TIMESTAMP '2023-01-01' + to_milliseconds((i::HUGEINT * 94608000000 // ${nt})::BIGINT)) AS ts,
      round(exp(3.0 + (random() + random() + random() + random() - 2.0) * 1.7) * (CASE WHEN random() < 0.03 THEN -1 ELSE 1 END), 2) AS amount
    FROM range(${nt}) t(i)) TO '${out}' (FORMAT parquet)`);
  process.exit(0);
}
const [inp, out, asOf] = args;
const t0 = performance.now();
await con.run(`COPY (
  WITH tx AS (SELECT customer_id, ts, amount FROM read_parquet('${inp}') WHERE ts <= TIMESTAMP '${asOf} 23:59:59.999'),
  agg AS (SELECT customer_id,
      count(*) FILTER (WHERE amount >= 0) AS orders,
      count(DISTINCT CAST(ts AS DATE)) FILTER (WHERE amount >= 0) AS purchase_days,
      min(ts) FILTER (WHERE amount >= 0) AS first_purchase_at,
      max(ts) FILTER (WHERE amount >= 0) AS last_purchase_at,
      sum(amount) AS revenue,
      count(*) FILTER (WHERE amount < 0) AS returns,
      -coalesce(sum(amount) FILTER (WHERE amount < 0), 0) AS returned_amount,
      coalesce(sum(amount) FILTER (WHERE ts > TIMESTAMP '${asOf}' - INTERVAL 90 DAY), 0) AS revenue_90d,
      coalesce(sum(amount) FILTER (WHERE ts > TIMESTAMP '${asOf}' - INTERVAL 365 DAY), 0) AS revenue_365d
    FROM tx GROUP BY customer_id)
  SELECT *, DATE '${asOf}' - CAST(last_purchase_at AS DATE) AS recency_days,
    NTILE(5) OVER (ORDER BY last_purchase_at) AS r_score,
    NTILE(5) OVER (ORDER BY orders) AS f_score,
    NTILE(5) OVER (ORDER BY revenue) AS m_score
  FROM agg) TO '${out}' (FORMAT parquet)`);
console.log(JSON.stringify({ ms: performance.now() - t0 }));
