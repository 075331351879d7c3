export * from './event-archive.js';
export * from './event-fold.js';
export * from './event-id.js';
export * from './folded-marker.js';
export * from './read-wal.js';
export * from './wal-record.js';
export * from './write-ahead-log.js';
