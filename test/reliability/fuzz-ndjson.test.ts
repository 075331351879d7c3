/** Fuzzing: FUZZ_INPUTS seeded, mutated NDJSON inputs through rescore() in-process (fuzz-generators.ts, fuzz-harness.ts). */
import { FUZZ_INPUTS } from './fuzz-generators.js';
import { describeFuzz } from './fuzz-harness.js';

describeFuzz('ndjson', [['ndjson', FUZZ_INPUTS]]);
