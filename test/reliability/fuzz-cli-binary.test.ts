/** Fuzzing through the real CLI: 20 mutated Arrow IPC inputs (10 files, 10 streams) and 20 Parquet (fuzz-cli.ts). */
import { describeCliFuzz } from './fuzz-cli.js';

describeCliFuzz('arrow and parquet', [
  ['arrow-file', 10],
  ['arrow-stream', 10],
  ['parquet', 20],
]);
