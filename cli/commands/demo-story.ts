/**
 * The demo's story (issue 12's seeds): a shop's two years of purchases in which a loyalty
 * mini-program ran for the last three months; the base is rescored the day before the program and
 * at the end, and the program is judged against the customers who were not in it. What `segstream
 * demo` shows and what the browser tests open.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CampaignResult, evaluateCampaign } from '../../engine/campaign/index.js';
import { parseConfig } from '../../engine/config/load-config.js';
import { generate, participantsCsv } from '../../engine/generate/index.js';
import { MS_PER_DAY } from '../../engine/parse/parse-timestamp.js';
import { type RescoreProgress, type RescoreSummary, rescore } from '../../engine/rescore/rescore.js';

/** The campaign's name in the demo's data dir. */
export const DEMO_CAMPAIGN = 'mini-program';

/** What the story is told on. */
export interface DemoStoryOptions {
  readonly dataDir: string;
  readonly customers: number;
  readonly transactions: number;
  readonly seed?: number;
  /** Rescore worker threads (default: none, all on this thread). */
  readonly workers?: number;
  readonly onGenerate?: (rows: number) => void;
  readonly onRescore?: (p: RescoreProgress) => void;
  /** Called as each step starts, with a line saying what it does. */
  readonly onStep?: (line: string) => void;
}

/** What the story produced. */
export interface DemoStory {
  readonly input: string;
  readonly participantsFile: string;
  readonly before: RescoreSummary;
  readonly after: RescoreSummary;
  readonly campaign: CampaignResult;
}

/** Generates the base with its mini-program, rescores it before and after, and judges the program. */
export async function tellDemoStory(opts: DemoStoryOptions): Promise<DemoStory> {
  const step = opts.onStep ?? (() => {});
  await mkdir(opts.dataDir, { recursive: true });
  const input = join(opts.dataDir, 'transactions.parquet');
  const participantsFile = join(opts.dataDir, 'participants.csv');
  step(`generating ${opts.transactions.toLocaleString('en-US')} transactions of ${opts.customers.toLocaleString('en-US')} customers, with a three-month loyalty mini-program, into ${input}`);
  const gen = await generate({
    customers: opts.customers,
    transactions: opts.transactions,
    format: 'parquet',
    seed: opts.seed ?? 42,
    out: input,
    program: { days: 91, share: 0.2, uplift: 0.5 },
    ...(opts.onGenerate ? { onProgress: opts.onGenerate } : {}),
  });
  const program = gen.program!;
  await writeFile(participantsFile, participantsCsv(program.participants));
  const dayBefore = new Date(Date.parse(program.from) - MS_PER_DAY).toISOString().slice(0, 10);
  const workers = opts.workers === undefined ? {} : { workers: opts.workers };
  const progress = opts.onRescore ? { onProgress: opts.onRescore } : {};
  step(`rescoring as of ${dayBefore}, the day before the program (${program.participants.length.toLocaleString('en-US')} participants in ${participantsFile})`);
  const before = await rescore({ input, dataDir: opts.dataDir, asOf: dayBefore, ...workers, ...progress });
  step(`rescoring as of the program's last day, ${program.to}`);
  // The last run also checks the models on the program's three months (the report's calibration chart).
  const config = parseConfig({ models: { holdout_days: 90 } });
  const after = await rescore({ input, dataDir: opts.dataDir, asOf: program.to, config, ...workers, ...progress });
  step(`judging the program against the customers who were not in it (${DEMO_CAMPAIGN})`);
  const campaign = await evaluateCampaign({ input, participants: participantsFile, start: program.from, end: program.to, name: DEMO_CAMPAIGN, dataDir: opts.dataDir });
  return { input, participantsFile, before, after, campaign };
}
