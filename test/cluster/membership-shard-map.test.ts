/** The shard map's pure parts: which shard a customer is in, who owns a shard, the cluster flags. */
import { describe, expect, it } from 'vitest';
import { clusterConfigOf } from '../../engine/cluster/cluster-config.js';
import { configHash, parseConfig } from '../../engine/config/load-config.js';
import { assignShards, shardOf } from '../../engine/cluster/shard-map.js';
import { hashKey } from '../../engine/kernels/id-hash.js';
import { customerKeyFromValue } from '../../engine/parse/parse-values.js';

describe('shard map', () => {
  it('puts an integer id and its decimal text in one shard, by the id hash the pool partitions with', () => {
    for (const n of [0, 7, 42, 9_007_199_254_740_991]) {
      const fromText = customerKeyFromValue(String(n))!;
      expect(shardOf(fromText, 64)).toBe(shardOf(n, 64));
      expect(shardOf(n, 64)).toBe(hashKey(n) % 64);
    }
    // Shards of many ids are spread: no shard of 16 holds more than twice its share of 16,000 ids.
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[shardOf(i % 2 ? i : `C${i}`, 16)]!++;
    expect(Math.max(...counts)).toBeLessThan(2000);
    expect(Math.min(...counts)).toBeGreaterThan(500);
  });

  it('owners are balanced, the same on every node, and mostly stay when a node leaves or joins', () => {
    const three = assignShards(64, ['a', 'b', 'c']);
    expect(assignShards(64, ['c', 'a', 'b'])).toEqual(three);
    const load = (owners: string[]) => ['a', 'b', 'c', 'd'].map((n) => owners.filter((o) => o === n).length);
    // No node above ceil(64 / 3) = 22, so none below 64 - 2 * 22.
    expect(load(three).slice(0, 3).every((l) => l >= 20 && l <= 22)).toBe(true);
    // c leaves: its shards move; of a's and b's, at most a few (the cap's reshuffle).
    const two = assignShards(64, ['a', 'b']);
    const movedOfStaying = three.filter((o, s) => o !== 'c' && two[s] !== o).length;
    expect(movedOfStaying).toBeLessThanOrEqual(8);
    expect(two.every((o) => o === 'a' || o === 'b')).toBe(true);
    // d joins: it takes about a quarter, and the others' shards move only to d or among few.
    const four = assignShards(64, ['a', 'b', 'c', 'd']);
    expect(load(four).every((l) => l === 16)).toBe(true);
    const movedNotToD = three.filter((o, s) => four[s] !== o && four[s] !== 'd').length;
    expect(movedNotToD).toBeLessThanOrEqual(8);
  });

  it('reads the cluster flags: none is a single machine, a cluster needs a node id', () => {
    expect(clusterConfigOf({})).toBeNull();
    expect(clusterConfigOf({ cluster: 'nats://127.0.0.1:4222, nats://127.0.0.1:4223', node: 'n-1' })).toEqual({ servers: ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223'], node: 'n-1', shards: 64 });
    expect(clusterConfigOf({}, { servers: ['nats://h:1'], node: 'x', shards: 8 })).toEqual({ servers: ['nats://h:1'], node: 'x', shards: 8 });
    expect(() => clusterConfigOf({ cluster: 'nats://h:1' })).toThrow(expect.objectContaining({ code: 'SEG_ERR_ARGUMENT' }));
    expect(() => clusterConfigOf({ node: 'a' })).toThrow(/--node needs --cluster/);
    expect(() => clusterConfigOf({ cluster: 'http://h:1', node: 'a' })).toThrow(/not a nats/);
    expect(() => clusterConfigOf({ cluster: 'nats://h:1', node: 'a.b' })).toThrow(/--node must be/);
    expect(() => clusterConfigOf({ cluster: 'nats://h:1', node: 'a', shards: 0 })).toThrow(/shards/);
  });

  it('reads the config file\'s cluster block, the flags overriding each of its keys', () => {
    const config = parseConfig({ cluster: { servers: 'nats://h:1,nats://h:2', node: 'from-file', shards: 32 } });
    expect(clusterConfigOf({}, config.cluster)).toEqual({ servers: ['nats://h:1', 'nats://h:2'], node: 'from-file', shards: 32 });
    expect(clusterConfigOf({ node: 'from-flag' }, config.cluster)).toEqual({ servers: ['nats://h:1', 'nats://h:2'], node: 'from-flag', shards: 32 });
    expect(clusterConfigOf({ cluster: 'nats://other:9', shards: 8 }, config.cluster)).toEqual({ servers: ['nats://other:9'], node: 'from-file', shards: 8 });
    expect(() => clusterConfigOf({}, parseConfig({ cluster: { servers: ['nats://h:1'] } }).cluster)).toThrow(/needs --node/);
    // A block is checked like every other: an unknown key or a bad node id names its path.
    expect(() => parseConfig({ cluster: { servers: 'nats://h:1', nodes: 'a' } })).toThrow(/cluster\.nodes/);
    expect(() => parseConfig({ cluster: { servers: 'nats://h:1', node: 'a.b' } })).toThrow(/cluster\.node must match/);
    // No block, no key: a single machine's config and its hash are what they were; the rescore
    // command drops the block, so a cluster's manifest records the single machine's config.
    expect('cluster' in parseConfig({})).toBe(false);
    const { cluster: _block, ...rest } = config;
    expect(configHash(rest)).toBe(configHash(parseConfig({})));
  });
});
