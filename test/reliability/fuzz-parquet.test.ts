/** Fuzzing: FUZZ_INPUTS seeded, mutated Parquet inputs through rescore() in-process (fuzz-generators.ts, fuzz-harness.ts). */
import { FUZZ_INPUTS } from './fuzz-generators.js';
import { describeFuzz } from './fuzz-harness.js';

describeFuzz('parquet', [['parquet', FUZZ_INPUTS]]);
