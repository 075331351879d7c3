/**
 * The JavaScript file a worker thread runs. piscina and `new Worker` need JavaScript: from dist/
 * it sits beside the calling module; from the TypeScript sources (vitest, tsx) it is the dist/
 * twin, which `npm run build` makes.
 *
 * `npm run build` also bundles each thread's entry into one file (scripts/bundle-threads.mjs):
 * a thread that loads one file instead of ~220 modules starts in ~45 ms of CPU instead of ~245,
 * and on two cores the pool workers' starts fall inside the read. A bundle older than its entry
 * (tsc run without the bundling step) is passed over, so stale code never runs.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `name`.js beside the module at `callerUrl` (its dist/ twin from the sources), its bundle when fresh; null when not built. */
export function threadFile(callerUrl: string, name: string): string | null {
  const here = fileURLToPath(callerUrl);
  const dir = dirname(here);
  // From the sources: the same folder under dist/ (…/engine/pool -> …/dist/engine/pool).
  const at = dir.lastIndexOf(`${sep}engine`);
  const built = here.endsWith('.ts') ? `${dir.slice(0, at)}${sep}dist${dir.slice(at)}` : dir;
  const entry = join(built, `${name}.js`);
  if (!existsSync(entry)) return null;
  const bundle = join(built, `${name}.bundle.js`);
  return existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(entry).mtimeMs ? bundle : entry;
}
