/**
 * How `POST /v1/events` reads values: by the live snapshot's `input` options (config
 * `input.ts_format` and `input.decimal`), and where the rescore sniffed a timestamp kind the
 * automatic rules could misread (a text pattern, `YYYYMMDD`, epoch seconds), by that decision, so
 * a live event in the shape of the nightly export reads as the export did. ISO-8601 and epoch
 * milliseconds are left to the automatic rules of each request, which also read them.
 */
import type { Config } from '../engine/config/config-schema.js';
import { type DialectDecisions, InputDialect } from '../engine/parse/input-dialect.js';
import type { Manifest } from '../engine/snapshot/manifest.js';

const CARRIED_KINDS: ReadonlySet<string> = new Set(['pattern', 'yyyymmdd', 'epoch_s']);

/** A fresh dialect for one request's rows. */
export function eventDialect(config: Config, manifest: Manifest): InputDialect {
  const options = { tsFormat: config.input.ts_format, decimal: config.input.decimal };
  const decided = manifest.input?.decisions;
  if (options.tsFormat !== 'auto' || decided === undefined || !CARRIED_KINDS.has(decided.ts.kind)) return new InputDialect(options);
  const decisions: DialectDecisions = {
    ts: { kind: decided.ts.kind as DialectDecisions['ts']['kind'], ...(decided.ts.pattern !== undefined ? { pattern: decided.ts.pattern } : {}), source: 'sniffed' },
    decimal: { mark: options.decimal === 'auto' ? (decided.decimal.mark === ',' ? ',' : '.') : options.decimal, source: options.decimal === 'auto' ? 'sniffed' : 'given' },
  };
  return new InputDialect(options, decisions);
}
