/** A small data directory with one published snapshot, for server tests. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rescore } from '../../engine/rescore/rescore.js';

/** Writes 60 customers' transactions as CSV and rescores them into `<dir>/data`. */
export async function makeDataDir(): Promise<{ dir: string; dataDir: string; input: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'segstream-server-'));
  const lines = ['customer_id,ts,amount'];
  for (let i = 1; i <= 60; i++) {
    for (let k = 0; k <= i % 4; k++) lines.push(`${i},2026-0${1 + ((i + k) % 6)}-${10 + k},${(i * 7) % 200 + 5 * k + 1}`);
  }
  lines.push('042,2026-06-30,7');
  const input = join(dir, 'tx.csv');
  await writeFile(input, `${lines.join('\n')}\n`);
  const dataDir = join(dir, 'data');
  await rescore({ input, dataDir });
  return { dir, dataDir, input };
}
