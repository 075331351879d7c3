/** Fuzzing: FUZZ_INPUTS seeded, mutated Arrow IPC inputs, half files and half streams, through rescore() in-process. */
import { FUZZ_INPUTS } from './fuzz-generators.js';
import { describeFuzz } from './fuzz-harness.js';

describeFuzz('arrow', [
  ['arrow-file', Math.ceil(FUZZ_INPUTS / 2)],
  ['arrow-stream', Math.ceil(FUZZ_INPUTS / 2)],
]);
