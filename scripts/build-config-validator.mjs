#!/usr/bin/env node
// Precompiles the config schema's validator (Ajv standalone code) into
// dist/engine/config/config-validator.cjs, with the hash of the schema it was made from; run by
// `npm run build` after tsc. engine/config/load-config.ts uses it only when that hash is its
// schema's, so a stale file is never used: the schema is then compiled at start as before.
import { writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';

const dist = new URL('../dist/engine/config/', import.meta.url);
const { ConfigSchema } = await import(new URL('config-schema.js', dist).href);
const { AJV_OPTIONS, configSchemaHash } = await import(new URL('load-config.js', dist).href);
const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
const code = standaloneCode(ajv, ajv.compile(ConfigSchema));
writeFileSync(new URL('config-validator.cjs', dist), `${code}\nmodule.exports.schemaHash = ${JSON.stringify(configSchemaHash())};\n`);
