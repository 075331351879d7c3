export * from './categorical.js';
export * from './lifecycle.js';
export * from './loyalty-tiers.js';
export * from './segmenter.js';
export * from './spend-bands.js';
