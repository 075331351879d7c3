/**
 * Prometheus metrics of one server instance, on a registry of its own (so two servers in one
 * process, as in tests, never share series). Names carry their unit; counters end in `_total`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LiveStore, LiveStoreHooks } from '../engine/live/live-store.js';
import type { JobInfo } from '../engine/live/rescore-jobs.js';
import { RouteLatency } from './route-latency.js';

/** The server's metrics. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly rowsIngested: Counter<'source'>;
  readonly rowsRejected: Counter<'reason'>;
  readonly eventsApplied: Counter;
  /** Read requests' latency by route: recorded on every lookup, so counted in typed arrays (route-latency.ts). */
  readonly lookupSeconds: RouteLatency;
  readonly rescoreSeconds: Histogram<'status'>;
  readonly rescoreRowsPerSecond: Gauge;
  readonly walWrittenBytes: Counter;
  readonly walFsyncSeconds: Histogram;
  /** Set once the store exists; the gauges read it at scrape time. */
  store: LiveStore | null = null;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'segstream_' });
    this.rowsIngested = new Counter({ name: 'segstream_rows_ingested_total', help: 'Valid event rows accepted, by source', labelNames: ['source'], registers });
    this.rowsRejected = new Counter({ name: 'segstream_rows_rejected_total', help: 'Event rows rejected, by reason', labelNames: ['reason'], registers });
    this.eventsApplied = new Counter({ name: 'segstream_events_applied_total', help: 'Event rows applied to the live state (ingested or replayed)', registers });
    this.lookupSeconds = new RouteLatency(
      'segstream_lookup_duration_seconds',
      'Latency of read requests, by route',
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      this.registry,
    );
    this.rescoreSeconds = new Histogram({
      name: 'segstream_rescore_duration_seconds',
      help: 'Duration of rescore jobs, by outcome',
      labelNames: ['status'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.rescoreRowsPerSecond = new Gauge({ name: 'segstream_rescore_rows_per_second', help: 'Rows per second of the last successful rescore', registers });
    this.walWrittenBytes = new Counter({ name: 'segstream_wal_written_bytes_total', help: 'Bytes appended to the write-ahead log', registers });
    this.walFsyncSeconds = new Histogram({
      name: 'segstream_wal_fsync_duration_seconds',
      help: 'Latency of write-ahead-log fsyncs (one per commit group)',
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    });
    const store = () => this.store;
    new Gauge({
      name: 'segstream_wal_bytes',
      help: 'Bytes in the write-ahead log segments on disk',
      registers,
      collect() {
        this.set(store()?.wal.bytesOnDisk ?? 0);
      },
    });
    new Gauge({
      name: 'segstream_customers',
      help: 'Customers in the live view (snapshot plus new live customers)',
      registers,
      collect() {
        this.set(store()?.state?.size ?? 0);
      },
    });
    new Gauge({
      name: 'segstream_live_customers',
      help: 'Customers changed by live events since the snapshot',
      registers,
      collect() {
        this.set(store()?.state?.liveCustomers ?? 0);
      },
    });
    new Gauge({
      name: 'segstream_snapshot_age_seconds',
      help: 'Seconds since the live snapshot was created (-1 without one)',
      registers,
      collect() {
        const created = store()?.state?.snapshot.manifest.created_at;
        this.set(created ? (Date.now() - Date.parse(created)) / 1000 : -1);
      },
    });
  }

  /** Hooks that feed the store's events into these metrics. */
  storeHooks(): LiveStoreHooks {
    return {
      onFsync: (seconds, bytes) => {
        this.walFsyncSeconds.observe(seconds);
        this.walWrittenBytes.inc(bytes);
      },
      onReplay: (rows) => this.rowsIngested.inc({ source: 'replay' }, rows),
      onApplied: (rows) => this.eventsApplied.inc(rows),
    };
  }

  /** Records a finished rescore job. */
  jobFinished(job: JobInfo, seconds: number): void {
    this.rescoreSeconds.observe({ status: job.status }, seconds);
    if (job.summary) this.rescoreRowsPerSecond.set(job.summary.rows_per_second);
  }
}
