/**
 * A benchmark's command-line options, read by Node's `util.parseArgs`: `--name value` (or
 * `--name=value`), `--flag`, a `multiple` option once per value. `--help` prints the benchmark's
 * opening comment (its usage) and exits. Options of other benchmarks are ignored, not refused:
 * `npm run bench -- …` (bench/run.ts) hands the same arguments to every benchmark.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

type Value<O> = O extends { type: 'boolean' } ? boolean : O extends { multiple: true } ? string[] : O extends { default: string } ? string : string | undefined;

/** The options' values: a flag false when absent, a `multiple` option [] when absent. */
export type BenchArgs<O extends Options> = { -readonly [K in keyof O]: Value<O[K]> };

/** The options of the benchmark at `fileUrl` (its `import.meta.url`) in `argv`. */
export function benchArgs<const O extends Options>(fileUrl: string, options: O, argv: readonly string[] = process.argv.slice(2)): BenchArgs<O> {
  const { values } = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean' } }, strict: false, allowPositionals: true });
  if (values['help'] === true) {
    process.stdout.write(`${openingComment(fileUrl)}\n`);
    process.exit(0);
  }
  const out: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(options)) {
    const value = values[name];
    // Not strict, parseArgs gives `true` to a string option without a value and a string to `--flag=x`.
    if (option.type === 'boolean') {
      if (typeof value === 'string') refuse(fileUrl, `--${name} takes no value`);
      out[name] = value === true;
    } else {
      const given = value === undefined ? [] : Array.isArray(value) ? value : [value];
      if (given.some((v) => typeof v !== 'string')) refuse(fileUrl, `--${name} needs a value`);
      out[name] = option.multiple ? given : given[0];
    }
  }
  return out as BenchArgs<O>;
}

/** Ends the run on a misused option, with a line instead of a stack. */
function refuse(fileUrl: string, message: string): never {
  process.stderr.write(`${basename(fileURLToPath(fileUrl))}: ${message}\n`);
  process.exit(2);
}

/** The file's first `/** … *\/` comment without its stars. */
function openingComment(fileUrl: string): string {
  const text = readFileSync(fileURLToPath(fileUrl), 'utf8');
  const comment = /\/\*\*([\s\S]*?)\*\//.exec(text)?.[1] ?? '';
  return comment
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}
