/** Synthetic transaction generator: `generate` and the parts the benchmarks reuse. */
export { generate, CHUNK_WRITERS, type ChunkWriter } from './generate-base.js';
export {
  DEFAULT_END_DATE,
  GENERATE_FORMATS,
  resolveGenerateOptions,
  type GenerateFormat,
  type GenerateOptions,
  type GenerateResult,
  type ResolvedGenerateOptions,
} from './generate-options.js';
export { TransactionDrawer, type DrawParams } from './draw-transactions.js';
export { createTransactionChunk, DEFAULT_CHUNK_ROWS, type TransactionChunk } from './transaction-chunk.js';
export { TRANSACTION_SCHEMA } from './transaction-batch.js';
export { openByteSink, type ByteSink } from './byte-sink.js';
export { Prng } from './prng.js';
export { participantsCsv, resolveMiniProgram, type MiniProgram, type MiniProgramOptions } from './mini-program.js';
