/**
 * HTTP load from wrk (Debian's `wrk`, C): a load generator light enough that it is not the
 * bottleneck of a 2-core machine it shares with the server. autocannon runs in Node and parses
 * every response in JavaScript: it spent 66-76 us of CPU per ~850-byte lookup against ~37 per
 * 17-byte hello, which alone capped the lookup/hello ratio near 0.6-0.7 on two cores; wrk spends
 * a fraction of that and nearly the same for both.
 *
 * Each run writes its prepared requests (one path per line; a POST's body in a file of its own)
 * into a temporary folder, and lib/wrk-requests.lua sends them in turn. The result carries wrk's
 * own CPU seconds (the Lua script's os.clock at the end), latency percentiles from wrk's
 * histogram, and the load average when the run ended.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from '../http-harness.js';

const SCRIPT = join(import.meta.dirname, 'wrk-requests.lua');
const SYSTEM_PACKAGES = join(import.meta.dirname, '../../../scripts/system-packages.mjs');

/** What one load run measured, whichever generator made it. */
export interface LoadRun extends LoadResult {
  readonly generator: 'wrk' | 'autocannon';
  /** CPU seconds the load generator used during the run (user + system). */
  readonly generator_cpu_s: number;
  /** The 1-minute load average when the run ended. */
  readonly load_average: number;
}

/** One wrk run: `paths` sent in turn over `connections` connections for `duration` seconds. */
export interface WrkPlan {
  readonly url: string;
  readonly paths: readonly string[];
  readonly connections: number;
  readonly duration: number;
  readonly threads?: number;
  /** A POST body sent with every request (application/json). */
  readonly body?: string;
}

function wrkVersion(): string | null {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error) return null;
  return /wrk \S+/.exec(`${probe.stdout}${probe.stderr}`)?.[0] ?? 'wrk';
}

/**
 * wrk's version, installing it first where it is missing and this process may (root, apt-get:
 * scripts/system-packages.mjs's bench list); null, with one line on stderr saying why, when there
 * is no wrk after all.
 */
export function ensureWrk(): string | null {
  const found = wrkVersion();
  if (found !== null) return found;
  spawnSync(process.execPath, [SYSTEM_PACKAGES, '--bench'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const installed = wrkVersion();
  if (installed === null) process.stderr.write('no wrk here (Debian package `wrk`: run `node scripts/system-packages.mjs --bench` as root); the load comes from autocannon, in Node, which costs the shared cores more per request\n');
  return installed;
}

/** Runs wrk once; resolves when it exits. */
export async function runWrk(name: string, plan: WrkPlan): Promise<LoadRun> {
  const dir = await mkdtemp(join(tmpdir(), 'segstream-wrk-'));
  try {
    const pathsFile = join(dir, 'paths.txt');
    await writeFile(pathsFile, `${plan.paths.join('\n')}\n`);
    const extra: string[] = [];
    if (plan.body !== undefined) {
      const bodyFile = join(dir, 'body.json');
      await writeFile(bodyFile, plan.body);
      extra.push('POST', bodyFile, 'application/json');
    }
    const args = ['-t', String(plan.threads ?? 1), '-c', String(plan.connections), '-d', `${plan.duration}s`, '--timeout', '10s', '-s', SCRIPT, plan.url, '--', pathsFile, ...extra];
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        text += d.toString();
      });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}: ${text}`))));
    });
    const line = /^WRK_RESULT (\{.*\})$/m.exec(out);
    if (!line) throw new Error(`wrk printed no result: ${out}`);
    const r = JSON.parse(line[1]!) as { requests: number; duration_us: number; errors: number; non2xx: number; p50_us: number; p99_us: number; cpu_s: number };
    return {
      name,
      generator: 'wrk',
      requests: r.requests,
      requests_per_second: Math.round(r.requests / (r.duration_us / 1e6)),
      p50_ms: Number((r.p50_us / 1000).toFixed(2)),
      p99_ms: Number((r.p99_us / 1000).toFixed(2)),
      errors: r.errors,
      non2xx: r.non2xx,
      generator_cpu_s: r.cpu_s,
      load_average: Number(loadavg()[0]!.toFixed(2)),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
