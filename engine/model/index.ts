/** Buy-till-you-die models: BG/NBD, Gamma-Gamma, CLV, and the one entry point `fitModels`. */
export * from './bfgs.js';
export * from './bgnbd-likelihood.js';
export * from './bgnbd.js';
export * from './clv.js';
export * from './fit-models.js';
export * from './gamma-gamma.js';
export * from './gamma-gamma-likelihood.js';
export * from './model-kernels.js';
export * from './rfm-groups.js';
export * from './special-functions.js';
