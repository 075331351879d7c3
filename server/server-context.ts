/** What every route of one server instance shares. */
import type { ClusterConfig } from '../engine/cluster/cluster-config.js';
import type { LiveStore } from '../engine/live/live-store.js';
import type { ColumnNames } from '../engine/read/column-map.js';
import type { RescoreJobs } from '../engine/live/rescore-jobs.js';
import type { ClusterNode } from './cluster.js';
import type { InputRoots } from './input-roots.js';
import type { LookupQueue } from './lookup-queue.js';
import type { ServerMetrics } from './metrics.js';

/** Options of a server instance (see build-server.ts). */
export interface ServerOptions {
  /** Data directory holding snapshots and the event log. */
  readonly dataDir: string;
  /** Bearer token for writes; without one, writes are open (loopback only). */
  readonly token?: string | undefined;
  /** Body limit of every route except events, bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Body limit of POST /v1/events, bytes (default 32 MiB). */
  readonly eventsBodyLimit?: number;
  /** Rows per POST /v1/events (default 100,000). */
  readonly maxEventRows?: number;
  /** Default input of rescore jobs (the nightly files). */
  readonly rescoreInput?: string | undefined;
  /**
   * How the nightly input is read (`--rescore-config`, `--rescore-map`, `--rescore-ts-format`,
   * `--rescore-decimal`): the schedule's jobs and any job that names no input use these.
   */
  readonly rescoreJob?: {
    readonly configPath?: string;
    readonly columns?: ColumnNames;
    readonly tsFormat?: string;
    readonly decimal?: 'auto' | '.' | ',';
  };
  /** Cron expression of the nightly rescore the server runs itself (needs rescoreInput). */
  readonly rescoreCron?: string | undefined;
  /** How often to look for a snapshot published by someone else, ms (default 2000; 0: never). */
  readonly reloadIntervalMs?: number;
  /** fastify's logger option (default false). */
  readonly logger?: boolean;
  /** Folders rescore jobs may read (`--input-root`); `rescoreInput`'s folder is one too. */
  readonly inputRoots?: readonly string[];
  /** Time limit of a rescore job, ms (default 4 h). */
  readonly jobTimeoutMs?: number;
  /** Time a client has to send the request's headers, ms (default 15 s). */
  readonly headersTimeoutMs?: number;
  /** Time a client has to send the whole request, body included, ms (default 120 s). */
  readonly requestTimeoutMs?: number;
  /** Time an idle keep-alive connection stays open, ms (default 5 s). */
  readonly keepAliveTimeoutMs?: number;
  /** Cluster mode (`--cluster`, `--node`): this server is one node of a JetStream cluster (server/cluster.ts). */
  readonly cluster?: ClusterConfig | undefined;
}

/** Shared state of one server instance. */
export interface ServerContext {
  readonly options: ServerOptions;
  readonly store: LiveStore;
  readonly jobs: RescoreJobs;
  readonly metrics: ServerMetrics;
  /** Where jobs may read. */
  readonly inputRoots: InputRoots;
  /** Single lookups of the turn, from the route and straight off the socket (lookup-queue.ts). */
  readonly lookups: LookupQueue;
  /** The cluster node, in cluster mode: events go to its streams, lookups to their shard's owner. */
  cluster?: ClusterNode;
}
