import { describe, expect, it } from 'vitest';
import { minimizeBfgs } from '../../../engine/model/bfgs.js';

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
