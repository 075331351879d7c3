//! The per-customer end of engine/model/fit-models.ts's predictions: each customer's four
//! prediction columns from its (x, t_x, T) group's values and its own expected AOV
//! (fit-models.ts `predictCustomers`). Pure arithmetic, so every value is the TypeScript loop's
//! double. The per-pair 2F1 series stay in TypeScript: a Rust twin needs libm's `pow`, which
//! rounds differently from V8's `**` in one case in ten, and the issue holds the native and
//! TypeScript kernel sets to identical snapshots.

use std::thread;

/// Gamma-Gamma parameters (p, q, v).
#[derive(Clone, Copy)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub v: f64,
}

impl GammaGamma {
    /// gamma-gamma.ts `gammaGammaExpectedAov`, operation for operation (no transcendental: the same double).
    fn expected_aov(&self, x: f64, mx: f64) -> f64 {
        let GammaGamma { p, q, v } = *self;
        if q.is_nan() || q <= 1.0 {
            return f64::NAN;
        }
        let population_mean = (p * v) / (q - 1.0);
        if x > 0.0 && mx > 0.0 && mx.is_finite() {
            let weight = (p * x) / (p * x + q - 1.0);
            (1.0 - weight) * population_mean + weight * mx
        } else {
            population_mean
        }
    }
}

/// Customers a thread must have before one is started for them.
const MIN_CUSTOMERS_PER_THREAD: usize = 1 << 16;

/// The four prediction columns (p_alive, expected purchases, expected AOV, CLV).
pub type Columns<'a> = [&'a mut [f64]; 4];

/// fit-models.ts `predictCustomers`: each customer's predictions from its group's three values in
/// `per_group` (P(alive), expected, discounted; `group_of[i] < 0`: all NaN) and its own AOV;
/// `bg_ok` / `gg_ok` false leave that model's columns NaN. Pure arithmetic, so every value is the
/// TypeScript loop's double. `group_of` must name groups of `per_group` (checked by the binding).
#[allow(clippy::too_many_arguments)]
pub fn predict_customers(group_of: &[i32], per_group: &[f64], x: &[f64], mean_repeat_value: &[f64], gg: GammaGamma, bg_ok: bool, gg_ok: bool, threads: usize, out: Columns) {
    let n = group_of.len();
    let run = |from: usize, [p_alive, expected, aov, clv]: Columns| {
        for i in 0..p_alive.len() {
            let c = from + i;
            let k = group_of[c];
            if k < 0 {
                p_alive[i] = f64::NAN;
                expected[i] = f64::NAN;
                aov[i] = f64::NAN;
                clv[i] = f64::NAN;
                continue;
            }
            let g = &per_group[3 * k as usize..3 * k as usize + 3];
            p_alive[i] = if bg_ok { g[0] } else { f64::NAN };
            expected[i] = if bg_ok { g[1] } else { f64::NAN };
            let value = if gg_ok { gg.expected_aov(x[c], mean_repeat_value[c]) } else { f64::NAN };
            aov[i] = value;
            clv[i] = if gg_ok && bg_ok { value * g[2] } else { f64::NAN };
        }
    };
    let cores = if threads == 0 { thread::available_parallelism().map_or(1, |c| c.get()) } else { threads };
    let threads = cores.min(n / MIN_CUSTOMERS_PER_THREAD).max(1);
    let [p_alive, expected, aov, clv] = out;
    if threads == 1 {
        run(0, [p_alive, expected, aov, clv]);
        return;
    }
    let per = n.div_ceil(threads);
    thread::scope(|scope| {
        let chunks = p_alive.chunks_mut(per).zip(expected.chunks_mut(per)).zip(aov.chunks_mut(per)).zip(clv.chunks_mut(per));
        for (block, (((a, b), c), d)) in chunks.enumerate() {
            let run = &run;
            scope.spawn(move || run(block * per, [a, b, c, d]));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_take_their_group_and_their_own_value() {
        let group_of = [1, -1, 0, 1];
        let per_group = [0.5, 2.0, 10.0, 0.25, 1.0, 4.0];
        let x = [3.0, 0.0, 0.0, 1.0];
        let mrv = [20.0, f64::NAN, f64::NAN, 8.0];
        let gg = GammaGamma { p: 2.0, q: 3.0, v: 5.0 };
        let mut cols = [[0.0; 4]; 4];
        for threads in [1, 2] {
            let [a, b, c, d] = &mut cols;
            predict_customers(&group_of, &per_group, &x, &mrv, gg, true, true, threads, [a, b, c, d]);
            assert_eq!(cols[0][0], 0.25);
            assert_eq!(cols[1][2], 2.0);
            assert!(cols.iter().all(|c| c[1].is_nan()));
            // Population mean 2·5/2 = 5; x = 3: weight 6/8, 0.25·5 + 0.75·20 = 16.25; CLV 16.25 · 4.
            assert_eq!(cols[2][0], 16.25);
            assert_eq!(cols[3][0], 65.0);
            assert_eq!(cols[2][2], 5.0);
        }
        let [a, b, c, d] = &mut cols;
        predict_customers(&group_of, &per_group, &x, &mrv, gg, false, true, 1, [a, b, c, d]);
        assert!(cols[0][0].is_nan() && cols[3][0].is_nan() && cols[2][0] == 16.25);
    }
}
