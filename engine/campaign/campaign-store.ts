/**
 * Saved campaign results: `DATA/campaigns/<name>.json`, written durably (a fsynced temporary
 * file renamed into place, then the folder fsynced), read back by the server, the dashboard and
 * the report. A name is a file name of letters, digits, `_`, `.` and `-`, so it cannot leave the
 * folder.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdirDurably, replaceDurably } from '../durable-files.js';
import { ArgumentError, CampaignNotFoundError, SnapshotCorruptError } from '../errors.js';
import type { CampaignResult } from './evaluate-campaign.js';

const NAME = /^[A-Za-z0-9][\w.-]{0,99}$/;

/** `name` when it is a valid campaign name; an ArgumentError otherwise. */
export function checkCampaignName(name: string): string {
  if (!NAME.test(name)) throw new ArgumentError('--name must be 1-100 letters, digits, _, . or -, starting with a letter or digit');
  return name;
}

/** `DATA/campaigns`. */
export function campaignsDir(dataDir: string): string {
  return join(dataDir, 'campaigns');
}

/** Saves (or replaces) a campaign's result. */
export async function saveCampaign(dataDir: string, result: CampaignResult): Promise<string> {
  const dir = campaignsDir(dataDir);
  await mkdirDurably(dir);
  const path = join(dir, `${checkCampaignName(result.name)}.json`);
  await replaceDurably(path, join(dir, `.tmp-${result.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

/** Reads one saved campaign; CampaignNotFoundError when there is none of that name. */
export async function readCampaign(dataDir: string, name: string): Promise<CampaignResult> {
  if (!NAME.test(name)) throw new CampaignNotFoundError(`no campaign ${JSON.stringify(name.slice(0, 100))} in ${dataDir}`);
  let text: string;
  try {
    text = await readFile(join(campaignsDir(dataDir), `${name}.json`), 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      const have = (await listCampaignNames(dataDir)).slice(0, 20).join(', ') || 'none';
      throw new CampaignNotFoundError(`no campaign ${name} in ${dataDir} (have: ${have})`, { cause });
    }
    throw cause;
  }
  try {
    return JSON.parse(text) as CampaignResult;
  } catch (cause) {
    throw new SnapshotCorruptError(`campaign ${name}: its file is not valid JSON`, { cause });
  }
}

/** Names of the saved campaigns, sorted. */
export async function listCampaignNames(dataDir: string): Promise<string[]> {
  try {
    const names = await readdir(campaignsDir(dataDir));
    return names.filter((f) => f.endsWith('.json') && NAME.test(f.slice(0, -5))).map((f) => f.slice(0, -5)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Every saved campaign, newest first. */
export async function listCampaigns(dataDir: string): Promise<CampaignResult[]> {
  const results = await Promise.all((await listCampaignNames(dataDir)).map((name) => readCampaign(dataDir, name)));
  return results.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.name.localeCompare(b.name)));
}
