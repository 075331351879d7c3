/** Types of scripts/nats-cluster.mjs for the TypeScript tests and benchmarks that import it. */
export interface NatsClusterProcs {
  /** Client URLs, one per node. */
  readonly servers: string[];
  /** True when the servers run with `sync_interval: always` (nats-server >= 2.10). */
  readonly syncAlways: boolean;
  readonly version: string;
  readonly dir: string;
  /** SIGKILL of node i. */
  kill(i: number): Promise<void>;
  /** Starts node i again on its data folder. */
  start(i: number): Promise<void>;
  stop(): Promise<void>;
}
export function natsServerBinary(): string;
export function nodePorts(port: number, i: number): { client: number; route: number; monitor: number };
export function waitForMetaLeader(port: number, indexes: number[], timeoutMs?: number): Promise<string>;
export function startNatsCluster(opts?: { dir?: string; port?: number; nodes?: number; keep?: boolean; detached?: boolean }): Promise<NatsClusterProcs>;
