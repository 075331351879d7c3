import { describe, expect, it } from 'vitest';
import { minimizeBfgs, minimizeCoarseToFine, minimizeWarmOrCold, type Objective } from '../../../engine/model/bfgs.js';

describe('minimizeBfgs', () => {
  it('finds the minimum of the Rosenbrock function to a tight gradient', () => {
    const res = minimizeBfgs((v, g) => {
      const x = v[0] as number;
      const y = v[1] as number;
      g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
      g[1] = 200 * (y - x * x);
      return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
    }, [-1.2, 1]);
    expect(res.converged).toBe(true);
    expect(res.gradientNorm).toBeLessThan(1e-9);
    expect(res.x[0]).toBeCloseTo(1, 8);
    expect(res.x[1]).toBeCloseTo(1, 8);
  });

  it('reports non-convergence instead of throwing when the objective is undefined everywhere', () => {
    const res = minimizeBfgs(() => Number.NaN, [0, 0]);
    expect(res.converged).toBe(false);
  });

  it('stops at the iteration cap and says so when the objective is unbounded below', () => {
    const res = minimizeBfgs((v, g) => {
      g[0] = -1;
      return -(v[0] as number);
    }, [0], { maxIterations: 50 });
    expect(res.converged).toBe(false);
    expect(res.iterations).toBe(50);
  });
});

describe('minimizeCoarseToFine', () => {
  // A quadratic bowl with its minimum at (1, -2), and a cheaper stand-in with its minimum nearby.
  const bowl = (cx: number, cy: number): Objective => (v, g) => {
    const x = (v[0] as number) - cx;
    const y = (v[1] as number) - cy;
    g[0] = 2 * x + 0.5 * y;
    g[1] = 0.5 * x + 4 * y;
    return x * x + 0.5 * x * y + 2 * y * y;
  };

  it('starts from the optimum of the stand-in and lands on the optimum of the objective, in fewer of its evaluations', () => {
    let calls = 0;
    const f: Objective = (v, g) => {
      calls++;
      return bowl(1, -2)(v, g);
    };
    const res = minimizeCoarseToFine(f, bowl(1.02, -1.97), [10, 10], null);
    expect(res.converged).toBe(true);
    expect(res.x[0]).toBeCloseTo(1, 9);
    expect(res.x[1]).toBeCloseTo(-2, 9);
    const fine = calls;
    calls = 0;
    minimizeWarmOrCold(f, [10, 10], null);
    expect(fine).toBeLessThan(calls);
  });

  it('gives a stand-in that will not converge a capped number of steps, then fits the objective as if it had none', () => {
    let coarseCalls = 0;
    const unbounded: Objective = (v, g) => {
      coarseCalls++;
      g[0] = -1;
      g[1] = 0;
      return -(v[0] as number);
    };
    const res = minimizeCoarseToFine(bowl(1, -2), unbounded, [10, 10], null);
    expect(res).toEqual(minimizeWarmOrCold(bowl(1, -2), [10, 10], null));
    // The optimiser's own cap is 500 iterations, one evaluation each here.
    expect(coarseCalls).toBeLessThanOrEqual(101);
  });
});
