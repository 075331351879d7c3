export * from './folded-marker.js';
export * from './read-wal.js';
export * from './wal-record.js';
export * from './write-ahead-log.js';
