/**
 * Fuzzing through the real CLI: 20 mutated CSV and 20 NDJSON inputs (fuzz-cli.ts). A CLI run
 * costs about a second of CPU, so the sample is smaller than the in-process 2,000 per format.
 */
import { describeCliFuzz } from './fuzz-cli.js';

describeCliFuzz('csv and ndjson', [
  ['csv', 20],
  ['ndjson', 20],
]);
