/** Feeds a finalized base to the BG/NBD and Gamma-Gamma models (engine/model). */
import type { Config } from '../config/config-schema.js';
import type { BgNbdParams } from '../model/bgnbd-likelihood.js';
import { type ModelOptions, type ModelResult, fitModels } from '../model/fit-models.js';
import type { GammaGammaParams } from '../model/gamma-gamma-likelihood.js';
import { modelKernels } from '../model/model-kernels.js';
import { dayOf } from '../parse/parse-timestamp.js';
import type { ModelTable } from './model-table.js';

/** Where the fit runs and what it may start from. */
export interface FitPredictionsOptions {
  /** The rescore's kernels: `native` sums the likelihoods in the addon on every core. */
  readonly engine?: 'js' | 'native';
  /** The live snapshot's manifest `models`, whose converged fits warm-start this one. */
  readonly previousModels?: unknown;
  /** Fits of the whole base made elsewhere (a cluster's coordinator): predict with them (fit-models.ts `fitted`). */
  readonly fitted?: ModelOptions['fitted'];
}

/** Fits the models on every customer with a purchase and predicts for each. */
export function fitPredictions(table: ModelTable, config: Config, opts: FitPredictionsOptions = {}): ModelResult {
  const n = table.size;
  const include = new Uint8Array(n);
  const firstDay = new Float64Array(n);
  const lastDay = new Float64Array(n);
  const { orders, first_purchase_at: first, last_purchase_at: last } = table.fields;
  for (let c = 0; c < n; c++) {
    include[c] = orders[c]! >= 1 ? 1 : 0;
    firstDay[c] = dayOf(first[c]!);
    lastDay[c] = dayOf(last[c]!);
  }
  return fitModels(
    { purchaseDays: table.fields.purchase_days, firstDay, lastDay, asOfDay: table.asOfDay, meanRepeatValue: table.meanRepeatValue, include },
    {
      horizonDays: config.models.horizon_days,
      annualDiscountRate: config.models.annual_discount_rate,
      kernels: modelKernels(opts.engine ?? 'js'),
      warmStart: warmStartOf(opts.previousModels),
      ...(opts.fitted ? { fitted: opts.fitted } : {}),
    },
  );
}

/**
 * The parameters of the previous snapshot's fits that converged. A manifest is read back from
 * disk, so every field is checked: anything else is no warm start, never an error.
 */
export function warmStartOf(models: unknown): NonNullable<ModelOptions['warmStart']> {
  const record = (v: unknown): Record<string, unknown> | null => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null);
  const positive = (r: Record<string, unknown>, keys: readonly string[]): boolean => keys.every((k) => typeof r[k] === 'number' && (r[k] as number) > 0 && Number.isFinite(r[k]));
  const m = record(models);
  const bg = record(m?.bgnbd);
  const gg = record(m?.gamma_gamma);
  return {
    bgnbd: bg !== null && bg.converged === true && positive(bg, ['r', 'alpha', 'a', 'b']) ? (bg as unknown as BgNbdParams) : undefined,
    gammaGamma: gg !== null && gg.converged === true && positive(gg, ['p', 'q', 'v']) ? (gg as unknown as GammaGammaParams) : undefined,
  };
}
