/**
 * The warning for a fit that converged but says something implausible (holdout.ts's other model
 * check). Apart from the fit's modules: the rescore's main thread imports it where the models fit
 * on their own thread, without loading the special functions' ~150 packages (~110 ms of CPU).
 */

/** Share of lifecycle-lost customers the main fit still gives p_alive > 0.95 above which the fit is called degenerate. */
export const LOST_ALIVE_SHARE = 0.5;

/**
 * Warnings for a fit that converged but is implausible: `p_alive > 0.95` for most of the
 * customers the lifecycle calls `lost` (no purchase for a year), as a base of mostly one-time
 * buyers yields (BG/NBD gives p_alive = 1 to every customer without a repeat purchase).
 */
export function degenerateFitWarnings(pAlive: Float64Array | null, lifecycle: { codes: Uint16Array; names: readonly string[] }): string[] {
  if (!pAlive) return [];
  const lost = lifecycle.names.indexOf('lost');
  let lostCount = 0;
  let alive = 0;
  for (let c = 0; c < pAlive.length; c++) {
    if (lifecycle.codes[c] !== lost || Number.isNaN(pAlive[c]!)) continue;
    lostCount++;
    if (pAlive[c]! > 0.95) alive++;
  }
  if (lostCount === 0 || alive / lostCount <= LOST_ALIVE_SHARE) return [];
  return [
    `models: p_alive > 0.95 for ${alive} of the ${lostCount} lifecycle-lost customers (no purchase for more than lifecycle.lapsed_days): BG/NBD gives p_alive = 1 to every customer without a repeat purchase, so on a base of mostly one-time buyers p_alive says little; read lifecycle and recency instead`,
  ];
}
