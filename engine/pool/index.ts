export * from './parallel-aggregate.js';
export * from './plan-shares.js';
export * from './table-pack.js';
export * from './worker-pool.js';
