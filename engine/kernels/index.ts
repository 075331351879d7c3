export * from './id-hash.js';
export * from './js-interner.js';
export * from './js-kernels.js';
export * from './kernels.js';
export * from './load-kernels.js';
export * from './native-binding.js';
export * from './native-errors.js';
export * from './native-twin.js';
