export * from './aggregate-state.js';
export * from './aggregate-rows.js';
export * from './aggregator.js';
export * from './customer-table.js';
export * from './day-map.js';
export * from './finalize.js';
export * from './id-index.js';
export * from './order-set.js';
