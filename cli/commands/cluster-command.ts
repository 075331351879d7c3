import type { Command } from 'commander';
import { clusterConfigOf } from '../../engine/cluster/cluster-config.js';
import { loadConfig } from '../../engine/config/load-config.js';
import { ArgumentError } from '../../engine/errors.js';
import { dataDirOption } from './data-dir.js';

interface ClusterFlags {
  config?: string;
  cluster?: string;
  node?: string;
  json?: boolean;
}

/** Connects as a client of the cluster (no node of it: its id only names the connection). */
async function connect(opts: ClusterFlags) {
  const config = opts.config !== undefined ? await loadConfig(opts.config) : undefined;
  const cluster = clusterConfigOf({ cluster: opts.cluster, node: opts.node ?? `cli-${process.pid}` }, config?.cluster);
  if (cluster === null) throw new ArgumentError('segstream cluster needs --cluster URLS (or --config with a cluster block)');
  // The NATS client loads only here: the single machine never imports it.
  return (await import('../../engine/cluster/nats-connection.js')).connectCluster(cluster);
}

/**
 * `segstream cluster status`: nodes, shard owners and the live snapshot; `segstream cluster pull`:
 * the live cluster snapshot copied into a local data folder, for export, report, migrate or serve;
 * `segstream cluster import-events`: a one-machine folder's acknowledged live events published to
 * the cluster's streams, before its first rescore (import-events.ts).
 */
export function clusterCommand(program: Command): void {
  const cluster = program.command('cluster').description('a NATS JetStream cluster of segstream nodes (docs/cluster.md)');
  cluster
    .command('status')
    .description('list the nodes, the shard owners and the live snapshot')
    .option('--config <file>', 'a configuration file with a cluster block')
    .option('--cluster <urls>', 'the cluster\'s NATS servers, comma-separated nats://host:port')
    .option('--json', 'print JSON')
    .action(async (opts: ClusterFlags) => {
      const nc = await connect(opts);
      try {
        const { clusterStatus } = await import('../../engine/cluster/cluster-snapshot.js');
        const s = await clusterStatus(nc);
        if (opts.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
        else {
          process.stdout.write(`nodes: ${s.nodes.join(', ') || '(none)'}\n`);
          process.stdout.write(`shards: ${s.shards ?? '(no map yet)'}${s.owners ? ` (${Object.entries(s.owners).map(([n, k]) => `${n} ${k}`).join(', ')})` : ''}\n`);
          process.stdout.write(s.live ? `live snapshot: ${s.live.snapshot} (${s.live.customers} customers as of ${s.live.as_of}, ${s.live.parts} parts)\n` : 'live snapshot: none\n');
        }
      } finally {
        await nc.close();
      }
    });
  cluster
    .command('pull')
    .description('copy the live cluster snapshot into a local data folder and make it live there')
    .option('--config <file>', 'a configuration file with a cluster block (and snapshots.keep)')
    .option('--cluster <urls>', 'the cluster\'s NATS servers, comma-separated nats://host:port')
    .option('--json', 'print JSON')
    .addOption(dataDirOption())
    .action(async (opts: ClusterFlags & { data: string }) => {
      const keep = (await loadConfig(opts.config)).snapshots.keep;
      const nc = await connect(opts);
      try {
        const { pullLiveSnapshot } = await import('../../engine/cluster/cluster-snapshot.js');
        const pulled = await pullLiveSnapshot(nc, opts.data, keep);
        if (pulled === null) throw new ArgumentError('the cluster has no live snapshot yet (run rescore --cluster first)');
        process.stdout.write(opts.json ? `${JSON.stringify(pulled)}\n` : `pulled snapshot ${pulled.snapshot}: ${pulled.customers} customers from ${pulled.parts} parts into ${opts.data}\n`);
      } finally {
        await nc.close();
      }
    });
  cluster
    .command('import-events')
    .description('publish a one-machine data folder\'s acknowledged live events (events/ and wal/) to the cluster\'s streams; prints a JSON summary')
    .option('--config <file>', 'a configuration file with a cluster block')
    .option('--cluster <urls>', 'the cluster\'s NATS servers, comma-separated nats://host:port')
    .option('--node <id>', 'a name for this connection (default cli-<pid>)')
    .addOption(dataDirOption())
    .action(async (opts: ClusterFlags & { data: string }) => {
      const nc = await connect(opts);
      try {
        const { importEvents } = await import('../../engine/cluster/import-events.js');
        process.stdout.write(`${JSON.stringify(await importEvents(nc, opts.data, nc.config.node))}\n`);
      } finally {
        await nc.close();
      }
    });
}
