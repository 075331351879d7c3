#!/usr/bin/env node
// A three-node NATS JetStream cluster on 127.0.0.1 with its own ports and data folders: the ground
// the cluster tests, the cluster benchmark and README's cluster section stand on.
//
//   node scripts/nats-cluster.mjs start [--dir .nats-cluster] [--port 14222]   # detached; prints the URLs
//   node scripts/nats-cluster.mjs stop  [--dir .nats-cluster]
//
// Node i (0, 1, 2) listens for clients on port+i, for routes on port+10+i and for monitoring on
// port+20+i; its JetStream files are under <dir>/n<i>/. Tests import `startNatsCluster`, which
// starts the servers as children and stops them (SIGKILL of one node included) from the test.
//
// Durability of an acknowledgement (Jepsen, "NATS 2.12.1", 2025-12-08): JetStream acknowledges a
// publish once a quorum of replicas holds it in memory, and by default flushes to disk only every
// two minutes; a power failure or an OS crash on a node then loses acknowledged writes (14% in
// Jepsen's coordinated power-failure run). `sync_interval: always` in the jetstream block makes
// each replica fsync before the write counts, at the cost of an fsync per replicated write batch
// (the server batches what arrives together). The option exists from nats-server 2.10 on. Debian
// bookworm ships 2.9.10, which refuses the option: there the cluster runs without it, and an
// acknowledged write survives the SIGKILL of a minority of processes (their page cache outlives
// them) and the loss of one machine of three (two more replicas), but not a power failure of a
// quorum. `startNatsCluster` says which (`syncAlways`); set SEGSTREAM_NATS_SERVER to a newer
// binary to get it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The server binary: SEGSTREAM_NATS_SERVER, else Debian's `nats-server` on the PATH. */
export function natsServerBinary() {
  return process.env.SEGSTREAM_NATS_SERVER || 'nats-server';
}

/** Client, route and monitoring ports of node `i` of a cluster based at `port`. */
export function nodePorts(port, i) {
  return { client: port + i, route: port + 10 + i, monitor: port + 20 + i };
}

function configText({ dir, port, i, nodes, syncAlways }) {
  const p = nodePorts(port, i);
  const routes = Array.from({ length: nodes }, (_, j) => j)
    .filter((j) => j !== i)
    .map((j) => `nats-route://127.0.0.1:${nodePorts(port, j).route}`);
  return [
    `server_name: n${i}`,
    `listen: 127.0.0.1:${p.client}`,
    `http: 127.0.0.1:${p.monitor}`,
    'jetstream {',
    `  store_dir: "${join(dir, `n${i}`)}"`,
    // See the header: fsync before an acknowledgement counts (nats-server >= 2.10).
    ...(syncAlways ? ['  sync_interval: always'] : []),
    '}',
    // A lone server (nodes: 1, a test's) runs JetStream standalone: clustered, it would wait for peers.
    ...(nodes > 1 ? ['cluster {', '  name: segstream', `  listen: 127.0.0.1:${p.route}`, `  routes: [${routes.join(', ')}]`, '}'] : []),
    '',
  ].join('\n');
}

/** True when the server accepts `sync_interval: always` (it checks a config and exits: `-t`). */
function supportsSyncAlways(binary, dir) {
  const probe = join(dir, 'probe.conf');
  writeFileSync(probe, `jetstream { store_dir: "${join(dir, 'probe')}", sync_interval: always }\n`);
  const r = spawnSync(binary, ['-c', probe, '-t'], { encoding: 'utf8', timeout: 10_000 });
  rmSync(probe, { force: true });
  return !r.error && r.status === 0;
}

/** The meta leader the node's monitoring endpoint names (a lone server: itself, once JetStream is on), or null. */
async function metaLeader(monitorPort, standalone) {
  try {
    const res = await fetch(`http://127.0.0.1:${monitorPort}/jsz`, { signal: AbortSignal.timeout(1000) });
    const jsz = await res.json();
    if (standalone) return jsz?.config ? jsz.server_id : null;
    return jsz?.meta_cluster?.leader || null;
  } catch {
    return null;
  }
}

/** Waits until every running node names the same meta leader (JetStream can take requests). */
export async function waitForMetaLeader(port, indexes, timeoutMs = 30_000, standalone = false) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const leaders = await Promise.all(indexes.map((i) => metaLeader(nodePorts(port, i).monitor, standalone)));
    if (leaders.every((l) => l !== null && l === leaders[0])) return leaders[0];
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`nats cluster on port ${port}: no JetStream meta leader after ${timeoutMs / 1000} s`);
}

/**
 * Starts `nodes` servers as children of this process, writes their configs under `dir` (emptied
 * first unless `keep`), waits for a meta leader. Returns the client URLs and `kill(i)`,
 * `start(i)`, `stop()`. Throws when the binary is missing (the cluster tests fail, not skip).
 */
export async function startNatsCluster({ dir, port = 14222, nodes = 3, keep = false, detached = false } = {}) {
  const binary = natsServerBinary();
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error(`${binary} not found: install it with \`node scripts/system-packages.mjs\` (Debian's nats-server), or set SEGSTREAM_NATS_SERVER`);
  }
  dir = resolve(dir);
  if (!keep) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const syncAlways = supportsSyncAlways(binary, dir);
  const children = new Array(nodes).fill(null);
  const confOf = (i) => join(dir, `n${i}.conf`);
  for (let i = 0; i < nodes; i++) writeFileSync(confOf(i), configText({ dir, port, i, nodes, syncAlways }));

  const start = (i) => {
    const child = spawn(binary, ['-c', confOf(i)], {
      stdio: detached ? 'ignore' : ['ignore', 'ignore', 'pipe'],
      detached,
    });
    if (!detached) child.stderr.on('data', () => {});
    children[i] = child;
    if (detached) child.unref();
    return child;
  };
  for (let i = 0; i < nodes; i++) start(i);
  const all = Array.from({ length: nodes }, (_, i) => i);
  await waitForMetaLeader(port, all, 30_000, nodes === 1);
  const servers = all.map((i) => `nats://127.0.0.1:${nodePorts(port, i).client}`);
  writeFileSync(join(dir, 'pids.json'), JSON.stringify(children.map((c) => c.pid)));

  const exited = (child) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r)));
  return {
    servers,
    syncAlways,
    version: version.stdout.trim(),
    dir,
    /** SIGKILL of node i (no flush, no goodbye); resolves once it is gone. */
    async kill(i) {
      const child = children[i];
      if (!child) return;
      child.kill('SIGKILL');
      await exited(child);
      children[i] = null;
    },
    /** Starts node i again on its data folder and waits for a meta leader among the running nodes. */
    async start(i) {
      if (!children[i]) start(i);
      await waitForMetaLeader(port, all.filter((j) => children[j]), 30_000, nodes === 1);
    },
    /** Stops every node (SIGTERM, then SIGKILL after 5 s). */
    async stop() {
      await Promise.all(
        children.map(async (child, i) => {
          if (!child) return;
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited(child);
          clearTimeout(t);
          children[i] = null;
        }),
      );
    },
  };
}

function flag(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}

async function main(args) {
  const dir = resolve(flag(args, '--dir', '.nats-cluster'));
  const port = Number(flag(args, '--port', '14222'));
  if (args[0] === 'start') {
    const c = await startNatsCluster({ dir, port, detached: true });
    process.stdout.write(`nats cluster up (${c.version}, sync_interval ${c.syncAlways ? 'always' : 'default: this server has no sync_interval; see the script header'})\n`);
    process.stdout.write(`--cluster ${c.servers.join(',')}\n`);
    return;
  }
  if (args[0] === 'stop') {
    const pidsFile = join(dir, 'pids.json');
    if (!existsSync(pidsFile)) {
      process.stdout.write(`no cluster recorded in ${dir}\n`);
      return;
    }
    for (const pid of JSON.parse(readFileSync(pidsFile, 'utf8'))) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    rmSync(pidsFile, { force: true });
    process.stdout.write('nats cluster stopped\n');
    return;
  }
  process.stderr.write('usage: node scripts/nats-cluster.mjs start|stop [--dir DIR] [--port PORT]\n');
  process.exitCode = 2;
}

// Run as a command (not imported), also through a symlinked folder: argv[1] is the path as typed, import.meta.url the real one.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  });
}
