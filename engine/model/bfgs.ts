/**
 * A small BFGS minimiser for smooth objectives of a handful of unconstrained variables (the
 * models' log-parameters). Written here because the npm optimisers are either unmaintained or
 * lack BFGS; the models need tight convergence (gradient norm ~1e-9) to reproduce published
 * fits to 1e-3, which derivative-free methods reach only slowly.
 *
 * Method: Nocedal & Wright, Numerical Optimization (2nd ed.), algorithm 6.1, with a
 * backtracking Armijo line search; the inverse-Hessian update is skipped when the curvature
 * condition sᵀy > 0 fails, which keeps the approximation positive definite.
 */

/** Objective value at `x`; writes the gradient into `grad`. Returns NaN or Infinity where undefined. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

/** Options of {@link minimizeBfgs}. */
export interface BfgsOptions {
  /** Stop when the largest absolute gradient component is below this. */
  gradientTolerance?: number;
  /** Give up after this many iterations. */
  maxIterations?: number;
  /**
   * The starting inverse Hessian (n × n, row-major), e.g. from {@link inverseHessianAt} at a warm
   * start; default: the identity, rescaled to the curvature of the first step.
   */
  inverseHessian?: ArrayLike<number>;
}

/** What {@link minimizeBfgs} found. */
export interface BfgsResult {
  /** The minimiser (or the last iterate when not converged). */
  x: Float64Array;
  /** Objective value at `x`. */
  value: number;
  /** Largest absolute gradient component at `x`. */
  gradientNorm: number;
  /** Whether the gradient test passed. */
  converged: boolean;
  /** BFGS iterations taken. */
  iterations: number;
}

/**
 * The box the models' log-parameters are fitted in: beyond ±30 a fit is degenerate (BG/NBD's
 * a → 0 or b → ∞: nobody drops out; Gamma-Gamma's p → ∞: every order of a customer the same).
 */
export const LOG_PARAMETER_LIMIT = 30;

/** `x` with every coordinate moved into [−LOG_PARAMETER_LIMIT, LOG_PARAMETER_LIMIT]. */
export function clampLogParameters(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, (v) => Math.max(-LOG_PARAMETER_LIMIT, Math.min(LOG_PARAMETER_LIMIT, v)));
}

/**
 * `f` extended flat beyond the box: a coordinate outside counts as its bound, and its gradient as
 * 0. So a fit whose optimum lies on the bound (a degenerate one) rests that coordinate there while
 * the others converge. Returning NaN outside did not: on such a base (issue 10's 10k heavy
 * customers, BG/NBD's a at e^−30) the inverse Hessian's long axis points out of the box, every
 * step was cut back to nothing, and the fit stopped at 500 iterations with r and α unconverged.
 */
export function flatBeyondLimit(f: Objective): Objective {
  return (x, grad) => {
    const inside = clampLogParameters(x);
    const value = f(inside, grad);
    for (let k = 0; k < x.length; k++) if (inside[k] !== x[k]) grad[k] = 0;
    return value;
  };
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i] as number));
  return m;
}

/** Minimises `f` from `x0` by BFGS; never throws on a non-finite objective, reports non-convergence. */
export function minimizeBfgs(f: Objective, x0: ArrayLike<number>, opts: BfgsOptions = {}): BfgsResult {
  const tol = opts.gradientTolerance ?? 1e-9;
  const maxIter = opts.maxIterations ?? 500;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let fx = f(x, g);
  const h = new Float64Array(n * n); // inverse Hessian approximation, row-major
  const resetH = (scale: number): void => {
    h.fill(0);
    for (let i = 0; i < n; i++) h[i * n + i] = scale;
  };
  resetH(1);
  if (opts.inverseHessian !== undefined) h.set(opts.inverseHessian);
  const dir = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  const hy = new Float64Array(n);
  let iter = 0;
  // A given inverse Hessian already knows the scale: no capped first step, no rescaling.
  let firstStep = opts.inverseHessian === undefined;
  if (!Number.isFinite(fx)) return { x, value: fx, gradientNorm: Number.NaN, converged: false, iterations: 0 };

  for (; iter < maxIter; iter++) {
    if (maxAbs(g) < tol) return { x, value: fx, gradientNorm: maxAbs(g), converged: true, iterations: iter };
    let slope = 0;
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let j = 0; j < n; j++) d -= (h[i * n + j] as number) * (g[j] as number);
      dir[i] = d;
      slope += d * (g[i] as number);
    }
    if (!(slope < 0)) {
      // Not a descent direction (round-off in H): restart from steepest descent.
      resetH(1);
      for (let i = 0; i < n; i++) dir[i] = -(g[i] as number);
      slope = 0;
      for (let i = 0; i < n; i++) slope -= (g[i] as number) ** 2;
    }
    // First step of steepest descent is capped so a huge gradient cannot throw x far away.
    let step = firstStep ? Math.min(1, 1 / Math.max(1e-12, maxAbs(dir))) : 1;
    let fNew = Number.NaN;
    let accepted = false;
    for (let k = 0; k < 60; k++) {
      for (let i = 0; i < n; i++) xNew[i] = (x[i] as number) + step * (dir[i] as number);
      fNew = f(xNew, gNew);
      // Near the optimum the decrease falls below the objective's round-off, so a step that
      // leaves f unchanged within round-off but shrinks the gradient is taken too.
      const armijo = fNew <= fx + 1e-4 * step * slope;
      const flat = fNew - fx <= 1e-13 * (1 + Math.abs(fx)) && maxAbs(gNew) < maxAbs(g);
      if (Number.isFinite(fNew) && (armijo || flat)) {
        accepted = true;
        break;
      }
      step *= Number.isFinite(fNew) ? 0.5 : 0.1;
    }
    if (!accepted) {
      return { x, value: fx, gradientNorm: maxAbs(g), converged: false, iterations: iter };
    }
    let sy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = (xNew[i] as number) - (x[i] as number);
      y[i] = (gNew[i] as number) - (g[i] as number);
      sy += (s[i] as number) * (y[i] as number);
    }
    if (sy > 1e-14) {
      if (firstStep) {
        // Scale the initial H to the curvature seen (N&W eq. 6.20) before the first update.
        let yy = 0;
        for (let i = 0; i < n; i++) yy += (y[i] as number) ** 2;
        resetH(sy / yy);
      }
      let yhy = 0;
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < n; j++) v += (h[i * n + j] as number) * (y[j] as number);
        hy[i] = v;
        yhy += v * (y[i] as number);
      }
      const rho = 1 / sy;
      const c = (1 + rho * yhy) * rho;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const si = s[i] as number;
          const sj = s[j] as number;
          const idx = i * n + j;
          h[idx] = (h[idx] as number) + c * si * sj - rho * ((hy[i] as number) * sj + si * (hy[j] as number));
        }
      }
      firstStep = false;
    } else if (!firstStep && maxAbs(gNew) >= maxAbs(g)) {
      // No curvature learnt and the gradient no smaller: the next iteration would repeat this one
      // from (nearly) the same point, a stall until maxIter. It happens where one direction is flat
      // to round-off (a fit resting on a degenerate bound, BG/NBD's a → 0) and H's long axis points
      // along it, leaving the other coordinates steps too short to see. Start H again from the
      // curvature of the next step.
      resetH(1);
      firstStep = true;
    }
    [x, g] = [Float64Array.from(xNew), Float64Array.from(gNew)];
    fx = fNew;
  }
  const gn = maxAbs(g);
  return { x, value: fx, gradientNorm: gn, converged: gn < tol, iterations: iter };
}

/**
 * The inverse of the Hessian of `f` at `x` by forward differences of its gradient (steps of
 * `step`), symmetrised; null when it is not positive definite or a gradient is not finite.
 *
 * Why: started next to its optimum (a warm start), BFGS from the identity can stall. Along a
 * flat, badly scaled direction (BG/NBD's a and b on a large base) the possible decrease is
 * below the objective's round-off, so the line search cannot see progress and the curvature
 * is never learnt. n more gradients give that curvature at once; Newton steps then converge
 * in a few iterations.
 */
export function inverseHessianAt(f: Objective, x: ArrayLike<number>, step = 1e-4): Float64Array | null {
  const n = x.length;
  const g0 = new Float64Array(n);
  if (!Number.isFinite(f(Float64Array.from(x), g0))) return null;
  const hess = new Float64Array(n * n);
  const g = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const xj = Float64Array.from(x);
    xj[j] = (xj[j] as number) + step;
    if (!Number.isFinite(f(xj, g))) return null;
    for (let i = 0; i < n; i++) hess[i * n + j] = ((g[i] as number) - (g0[i] as number)) / step;
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const m = ((hess[i * n + j] as number) + (hess[j * n + i] as number)) / 2;
      hess[i * n + j] = m;
      hess[j * n + i] = m;
    }
  }
  return invertPositiveDefinite(hess, n);
}

/** Inverse of a symmetric matrix by Cholesky, null unless positive definite (and finite). */
function invertPositiveDefinite(a: Float64Array, n: number): Float64Array | null {
  // a = L Lᵀ, then the inverse column by column from L y = e_k and Lᵀ z = y.
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j] as number;
      for (let k = 0; k < j; k++) sum -= (l[i * n + k] as number) * (l[j * n + k] as number);
      if (i === j) {
        if (!(sum > 0)) return null;
        l[i * n + i] = Math.sqrt(sum);
      } else l[i * n + j] = sum / (l[j * n + j] as number);
    }
  }
  const inv = new Float64Array(n * n);
  const y = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < n; i++) {
      let sum = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) sum -= (l[i * n + k] as number) * (y[k] as number);
      y[i] = sum / (l[i * n + i] as number);
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = y[i] as number;
      for (let k = i + 1; k < n; k++) sum -= (l[k * n + i] as number) * (inv[k * n + c] as number);
      inv[i * n + c] = sum / (l[i * n + i] as number);
    }
  }
  return inv.every(Number.isFinite) ? inv : null;
}

/** What {@link minimizeWarmOrCold} found, and whether the warm start gave it. */
export interface WarmBfgsResult extends BfgsResult {
  /** True when the run from the warm start converged and is the result. */
  readonly warm: boolean;
}

/** Iterations a warm start may take before the cold start runs instead: near its optimum it needs a handful. */
const WARM_ITERATIONS = 50;

/**
 * Minimises from `warm` (with the curvature there, {@link inverseHessianAt}) when given, and
 * from `cold` as {@link minimizeBfgs} does when there is no warm start or it does not converge
 * within a few iterations — so a warm start can save iterations but never cost a fit.
 */
export function minimizeWarmOrCold(f: Objective, cold: ArrayLike<number>, warm: ArrayLike<number> | null, opts: BfgsOptions = {}): WarmBfgsResult {
  if (warm !== null) {
    // Where the curvature is not positive definite (further off the optimum), from the identity.
    const inverseHessian = inverseHessianAt(f, warm);
    const res = minimizeBfgs(f, warm, { ...opts, ...(inverseHessian ? { inverseHessian } : {}), maxIterations: Math.min(WARM_ITERATIONS, opts.maxIterations ?? 500) });
    if (res.converged) return { ...res, warm: true };
  }
  return { ...minimizeBfgs(f, cold, opts), warm: false };
}

/** Iterations the coarse fit may take: a cold BG/NBD fit of a million customers takes ~40. */
const COARSE_ITERATIONS = 100;

/** Customers in a coarse fit's sample ({@link minimizeCoarseToFine}): enough that its optimum lies within a few percent of the whole base's. */
export const SAMPLE_CUSTOMERS = 65_536;

/**
 * Minimises `f` starting from the optimum of `coarse`, a cheap stand-in for it (the same mean
 * objective on a sample of the data), with `coarse`'s curvature there; falls back to
 * {@link minimizeWarmOrCold} on `f` when the coarse optimum does not lead `f` to converge.
 *
 * Why: a cold fit of a million customers takes ~40 evaluations of a likelihood that costs tens of
 * milliseconds each. The sample's optimum lies within its sampling error of the full one, where
 * Newton steps with the sample's curvature converge in a handful of evaluations of `f`; the sample's
 * own fit costs a few full evaluations. The result meets the same gradient test on `f`, so it is the
 * same optimum to the optimiser's tolerance.
 */
export function minimizeCoarseToFine(
  f: Objective, coarse: Objective | null, cold: ArrayLike<number>, warm: ArrayLike<number> | null, opts: BfgsOptions = {},
): WarmBfgsResult {
  if (coarse !== null) {
    // Capped: a sample that will not converge (a degenerate one) must not cost hundreds of steps.
    const pre = minimizeWarmOrCold(coarse, cold, warm, { ...opts, maxIterations: Math.min(COARSE_ITERATIONS, opts.maxIterations ?? 500) });
    if (pre.converged) {
      const inverseHessian = inverseHessianAt(coarse, pre.x);
      const res = minimizeBfgs(f, pre.x, { ...opts, ...(inverseHessian ? { inverseHessian } : {}), maxIterations: Math.min(WARM_ITERATIONS, opts.maxIterations ?? 500) });
      if (res.converged) return { ...res, warm: pre.warm };
    }
  }
  return minimizeWarmOrCold(f, cold, warm, opts);
}
