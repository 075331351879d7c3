export * from './parallel-aggregate.js';
export * from './partition-key.js';
export * from './plan-shares.js';
export * from './state-pack.js';
export * from './table-pack.js';
export * from './worker-pool.js';
