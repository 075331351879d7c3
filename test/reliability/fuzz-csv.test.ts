/** Fuzzing: FUZZ_INPUTS seeded, mutated CSV inputs through rescore() in-process (fuzz-generators.ts, fuzz-harness.ts). */
import { FUZZ_INPUTS } from './fuzz-generators.js';
import { describeFuzz } from './fuzz-harness.js';

describeFuzz('csv', [['csv', FUZZ_INPUTS]]);
