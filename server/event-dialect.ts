/**
 * How `POST /v1/events` reads values: by the live snapshot's `input` options (config
 * `input.ts_format` and `input.decimal`). Under `auto` a request's own rows decide their
 * timestamp format as a rescore's first rows would; where they leave it open (`3/4/2011 10:00`
 * fits day-first and month-first), the format the rescore sniffed from the nightly export (the
 * manifest's `input.decisions`) decides, so an event in the export's shape reads as the export did.
 */
import type { Config } from '../engine/config/config-schema.js';
import { type DialectDecisions, InputDialect } from '../engine/parse/input-dialect.js';
import type { RawBatch } from '../engine/read/raw-batch.js';
import type { Manifest } from '../engine/snapshot/manifest.js';

/** A dialect for one batch of a request's rows. */
export function eventDialect(config: Config, manifest: Manifest, raw: RawBatch): InputDialect {
  const options = { tsFormat: config.input.ts_format, decimal: config.input.decimal };
  if (options.tsFormat !== 'auto') return new InputDialect(options);
  const own = new InputDialect(options);
  own.observe(raw, false);
  const decided = manifest.input?.decisions;
  if (own.decisions.ts.kind !== 'undecided' || decided?.ts.kind !== 'pattern' || decided.ts.pattern === undefined) return own;
  const decisions: DialectDecisions = { ts: { kind: 'pattern', pattern: decided.ts.pattern, source: 'sniffed' }, decimal: own.decisions.decimal };
  return new InputDialect(options, decisions);
}
