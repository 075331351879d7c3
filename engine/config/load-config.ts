/**
 * Validates a configuration once against the schema, filling in defaults. An unknown key or a
 * wrong type is a ConfigError that names the exact path (and, for a misspelt key, the likely one).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { ErrorObject, Options } from 'ajv';
import { ConfigError } from '../errors.js';
import { type Config, ConfigSchema } from './config-schema.js';
import { AGGREGATE_FIELDS } from '../aggregate/customer-table.js';
import { WHEN_FIELDS } from '../snapshot/customer-schema.js';
import { checkTsFormat } from '../parse/input-dialect.js';

/** How the schema is compiled, here and by scripts/build-config-validator.mjs. */
export const AJV_OPTIONS: Options = { useDefaults: true, allErrors: false, strict: false, verbose: true };

/** A hash of the schema, which a precompiled validator must carry to be used. */
export function configSchemaHash(): string {
  return createHash('sha256').update(JSON.stringify(ConfigSchema)).digest('hex');
}

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/**
 * The validator `npm run build` precompiles beside the compiled module
 * (dist/engine/config/config-validator.cjs, scripts/build-config-validator.mjs), when it was made
 * from this very schema; null from the TypeScript sources or without it. Loading Ajv and
 * compiling the schema cost 0.2-0.4 s of every command's start.
 */
function precompiled(): Validate | null {
  if (import.meta.url.endsWith('.ts')) return null;
  try {
    const validator = createRequire(import.meta.url)('./config-validator.cjs') as Validate & { schemaHash?: string };
    return validator.schemaHash === configSchemaHash() ? validator : null;
  } catch {
    return null;
  }
}

const validate: Validate = precompiled() ?? new (await import('ajv')).Ajv(AJV_OPTIONS).compile(ConfigSchema);

/** Validates a parsed JSON value as configuration; returns a new object with defaults filled in. */
export function parseConfig(value: unknown, source = 'config'): Config {
  const copy: unknown = structuredClone(value ?? {});
  if (!validate(copy)) throw new ConfigError(`${source}: ${describe(validate.errors?.[0])}`);
  const config = copy as Config;
  checkSemantics(config, source);
  return config;
}

/** Reads and validates a JSON configuration file; no path gives the defaults. */
export async function loadConfig(path?: string): Promise<Config> {
  if (path === undefined) return parseConfig({});
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    // V8's message quotes the text around the fault: name only where it is, never the file's content.
    const at = /position (\d+)/.exec((cause as Error).message)?.[1];
    throw new ConfigError(`${path} is not valid JSON${at !== undefined ? ` (at character ${at})` : ''}`, { cause });
  }
  return parseConfig(json, path);
}

/** A short stable hash of the effective configuration, recorded in the manifest. */
export function configHash(config: Config): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
}

function pathOf(pointer: string): string {
  return pointer === '' ? '(top level)' : pointer.slice(1).replaceAll('/', '.');
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'invalid configuration';
  const at = pathOf(error.instancePath);
  if (error.keyword === 'additionalProperties') {
    const key = String(error.params['additionalProperty']);
    const where = error.instancePath === '' ? key : `${pathOf(error.instancePath)}.${key}`;
    const known = Object.keys(knownProperties(error.parentSchema));
    const hint = closest(key, known);
    return `unknown key ${where}${hint ? `; did you mean ${hint}?` : ''} (known: ${known.join(', ')})`;
  }
  return `${at} ${error.message ?? 'is invalid'}`;
}

function knownProperties(schema: unknown): Record<string, unknown> {
  const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ?? {};
}

/** The known key within edit distance 2 of `key`, if any (undici-style hint for typos). */
export function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** Checks the schema cannot express: a valid ts pattern, ordered ranges, known field names, ascending edges. */
function checkSemantics(config: Config, source: string): void {
  try {
    checkTsFormat(config.input.ts_format);
  } catch (error) {
    throw new ConfigError(`${source}: input.ts_format: ${(error as Error).message}`);
  }
  const numeric = new Set<string>(WHEN_FIELDS);
  config.segments.forEach((rule, i) => {
    for (const key of ['r', 'f', 'm'] as const) {
      const range = rule[key];
      if (range && range[0] > range[1]) throw new ConfigError(`${source}: segments.${i}.${key} must be [low, high] with low <= high`);
    }
    for (const field of Object.keys(rule.when ?? {})) {
      if (!numeric.has(field)) {
        throw new ConfigError(`${source}: segments.${i}.when.${field} is not a numeric customer field (one of: ${[...numeric].join(', ')})`);
      }
    }
  });
  (config.lifecycle.rules ?? []).forEach((rule, i) => {
    for (const field of Object.keys(rule.when)) {
      if (!numeric.has(field)) throw new ConfigError(`${source}: lifecycle.rules.${i}.when.${field} is not a numeric customer field (one of: ${[...numeric].join(', ')})`);
    }
  });
  // Lost reasons may also test returned_share, which the rescore derives beside lifecycle.
  const lostFields = new Set([...numeric, 'returned_share']);
  config.lost_reasons.forEach((rule, i) => {
    for (const field of Object.keys(rule.when)) {
      if (!lostFields.has(field)) throw new ConfigError(`${source}: lost_reasons.${i}.when.${field} is not a numeric customer field (one of: ${[...lostFields].join(', ')})`);
    }
  });
  if (!AGGREGATE_FIELDS.includes(config.spend_bands.by as never)) {
    throw new ConfigError(`${source}: spend_bands.by must be a numeric customer field (one of: ${AGGREGATE_FIELDS.join(', ')})`);
  }
  const edges = config.spend_bands.edges;
  if (edges?.some((e, i) => i > 0 && e <= edges[i - 1]!)) {
    throw new ConfigError(`${source}: spend_bands.edges must be strictly ascending`);
  }
  const levels = config.tiers.levels;
  if (levels.some((l, i) => i > 0 && l.min_spend <= levels[i - 1]!.min_spend)) {
    throw new ConfigError(`${source}: tiers.levels must be in ascending min_spend order`);
  }
  const l = config.lifecycle;
  if (!(l.active_days <= l.at_risk_days && l.at_risk_days <= l.lapsed_days)) {
    throw new ConfigError(`${source}: lifecycle needs active_days <= at_risk_days <= lapsed_days`);
  }
}
