export * from './arrow-columns.js';
export * from './customers-file.js';
export * from './manifest.js';
export * from './snapshot-publisher.js';
export * from './snapshot-store.js';
