/**
 * Cluster mode (DESIGN "Beyond one machine"): the config, the NATS connection, the shard map and
 * membership. Importing this module loads the NATS client; the single-machine path never does.
 */
export * from './cluster-config.js';
export * from './nats-connection.js';
export * from './shard-map.js';
