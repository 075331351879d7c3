import { Option, type Command } from 'commander';
import { clusterConfigOf } from '../../engine/cluster/cluster-config.js';
import { loadConfig } from '../../engine/config/load-config.js';
import { ArgumentError } from '../../engine/errors.js';

/**
 * `segstream rescore-node --cluster URLS --node ID`: one node of the cluster's nightly rescore. It
 * takes tasks from the work queue (read and aggregate a share, combine a shard) until stopped
 * (SIGINT/SIGTERM finish the task in hand); `segstream rescore --cluster` on any node starts a job.
 */
export function rescoreNodeCommand(program: Command): void {
  program
    .command('rescore-node')
    .description('take cluster rescore tasks from the NATS JetStream work queue until stopped (docs/cluster.md)')
    .option('--config <file>', 'a configuration file whose cluster block names the cluster and this node (the flags below win)')
    .option('--cluster <urls>', 'the cluster\'s NATS servers, comma-separated nats://host:port')
    .option('--node <id>', 'this node\'s id in the cluster (letters, digits, _ and -)')
    .addOption(new Option('--shards <n>', 'shards of the customer base (default 64)').argParser((v) => Number.parseInt(v, 10)))
    .action(async (opts: { config?: string; cluster?: string; node?: string; shards?: number }) => {
      const config = clusterConfigOf(opts, opts.config !== undefined ? (await loadConfig(opts.config)).cluster : undefined);
      if (config === null) throw new ArgumentError('rescore-node needs --cluster URLS (or a config file with a cluster block)');
      // The NATS client loads only here: the single machine never imports it.
      const { connectCluster, REQUEST_TIMEOUT_MS } = await import('../../engine/cluster/nats-connection.js');
      const { startRescoreNode } = await import('../../engine/cluster/rescore-node.js');
      const cluster = await connectCluster(config, REQUEST_TIMEOUT_MS.rescore);
      const node = await startRescoreNode(cluster, (line) => process.stdout.write(`${config.node}: ${line}\n`));
      process.stdout.write(`${config.node}: taking rescore tasks from ${config.servers.join(',')}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await node.stop();
      await cluster.close();
    });
}
