/** Fuzzing through the real CLI: 30 mutated Arrow IPC inputs (15 files, 15 streams) and 30 Parquet (fuzz-cli.ts). */
import { describeCliFuzz } from './fuzz-cli.js';

describeCliFuzz('arrow and parquet', [
  ['arrow-file', 15],
  ['arrow-stream', 15],
  ['parquet', 30],
]);
