export * from './campaign-windows.js';
export * from './campaign-ids.js';
export * from './window-totals.js';
export * from './campaign-effect.js';
export * from './campaign-bands.js';
export * from './campaign-segments.js';
export * from './campaign-store.js';
export * from './evaluate-campaign.js';
