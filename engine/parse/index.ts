export * from './parse-timestamp.js';
export * from './parse-values.js';
export * from './parse-batch.js';
export * from './reject-log.js';
