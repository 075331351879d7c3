export * from './lost-report.js';
