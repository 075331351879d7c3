/** Fuzzing through the real CLI: 30 mutated CSV and 30 NDJSON inputs (fuzz-cli.ts). */
import { describeCliFuzz } from './fuzz-cli.js';

describeCliFuzz('csv and ndjson', [
  ['csv', 30],
  ['ndjson', 30],
]);
