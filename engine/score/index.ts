export * from './quantile-thresholds.js';
export * from './rfm-scorer.js';
