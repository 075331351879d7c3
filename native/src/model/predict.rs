//! BG/NBD predictions per distinct (x, T) pair: the Rust twin of engine/model/fit-models.ts
//! `predictGroups`' pair loop — the expected purchases of a customer alive at T over the purchase
//! horizon (bgnbd.ts `bgnbdExpectedIfAlive`) and over the CLV schedule, discounted (clv.ts
//! `discountedPurchasesIfAlive`), with 2F1 evaluated as special-functions.ts `Hyp2f1Fixed` does:
//! the same branch, the same cached term ratios, the same order of operations. Only `powf`
//! (libm) may round the last bit differently from V8's `**`, so results match the TypeScript
//! reference to a few ulps, not bit for bit. Every pair is computed on its own, so the results do
//! not depend on how many threads share the pairs.

use std::thread;

/// Series terms allowed before 2F1 gives up and returns NaN (special-functions.ts `MAX_TERMS`).
const MAX_TERMS: usize = 1_000_000;

/// Pairs a thread must have before one is started for them (a thread costs more than a few pairs).
const MIN_PAIRS_PER_THREAD: usize = 4096;

fn is_integer(v: f64) -> bool {
    v.is_finite() && v.fract() == 0.0
}

/// special-functions.ts `series`: Σ (a)_n (b)_n / ((c)_n n!) z^n for 0 <= z < 1.
fn series(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    let tail_factor = 1.0 / (1.0 - z);
    for n in 0..MAX_TERMS {
        let nf = n as f64;
        term *= (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0)) * z;
        sum += term;
        if term == 0.0 || term.abs() * tail_factor <= 1e-17 * sum.abs() {
            let ratio = (a + nf + 1.0) * (b + nf + 1.0) / ((c + nf + 1.0) * (nf + 2.0)) * z;
            if ratio.abs() < 1.0 {
                return sum;
            }
        }
    }
    f64::NAN
}

/// special-functions.ts `hyp2f1`: 2F1(a, b; c; z) for real parameters and -1 < z < 1.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    if !(z > -1.0 && z < 1.0) || (c <= 0.0 && is_integer(c)) {
        return f64::NAN;
    }
    if z == 0.0 {
        return 1.0;
    }
    if z < 0.0 {
        return (1.0 - z).powf(-a) * hyp2f1(a, c - b, c, z / (z - 1.0));
    }
    if (a <= 0.0 && is_integer(a)) || (b <= 0.0 && is_integer(b)) {
        return series(a, b, c, z);
    }
    if a + b > c {
        return (1.0 - z).powf(c - a - b) * series(c - a, c - b, c, z);
    }
    series(a, b, c, z)
}

/// special-functions.ts `Hyp2f1Fixed`: 2F1(a, b; c; ·) with the series' term ratios cached.
pub struct Hyp2f1Fixed {
    a: f64,
    b: f64,
    c: f64,
    sa: f64,
    sb: f64,
    /// Exponent of the Euler prefactor (1 − z)^e, or None when the series is used as it is.
    euler: Option<f64>,
    ratios: Vec<f64>,
}

impl Hyp2f1Fixed {
    pub fn new(a: f64, b: f64, c: f64) -> Self {
        let polynomial = (a <= 0.0 && is_integer(a)) || (b <= 0.0 && is_integer(b));
        let use_euler = !polynomial && a + b > c;
        Hyp2f1Fixed {
            a,
            b,
            c,
            sa: if use_euler { c - a } else { a },
            sb: if use_euler { c - b } else { b },
            euler: if use_euler { Some(c - a - b) } else { None },
            ratios: Vec::new(),
        }
    }

    // One point at a time: the twin of the TypeScript functions the tests hold `at_many` and the pair loop to.
    #[cfg(test)]
    pub fn at(&mut self, z: f64) -> f64 {
        let c = self.c;
        if !(z > 0.0 && z < 1.0) || (c <= 0.0 && is_integer(c)) {
            return hyp2f1(self.a, self.b, c, z);
        }
        let s = self.series(z);
        match self.euler {
            Some(e) => (1.0 - z).powf(e) * s,
            None => s,
        }
    }

    // One point at a time: the twin of the TypeScript functions the tests hold `at_many` and the pair loop to.
    #[cfg(test)]
    fn series(&mut self, z: f64) -> f64 {
        let (a, b, c) = (self.sa, self.sb, self.c);
        let mut term = 1.0;
        let mut sum = 1.0;
        let tail_factor = 1.0 / (1.0 - z);
        for n in 0..MAX_TERMS {
            if n == self.ratios.len() {
                self.extend();
            }
            term *= self.ratios[n] * z;
            sum += term;
            if term == 0.0 || term.abs() * tail_factor <= 1e-17 * sum.abs() {
                let nf = n as f64;
                let ratio = (a + nf + 1.0) * (b + nf + 1.0) / ((c + nf + 1.0) * (nf + 2.0)) * z;
                if ratio.abs() < 1.0 {
                    return sum;
                }
            }
        }
        f64::NAN
    }

    /// `out[k]` = `self.at(zs[k])` for every k, bit for bit: the series of every z in (0, 1) run side
    /// by side over the same cached ratios (independent chains, so the core overlaps their
    /// multiply-adds), each with its own stop. `scratch` is reused from call to call.
    pub fn at_many(&mut self, zs: &[f64], out: &mut [f64], scratch: &mut Scratch) {
        let c = self.c;
        let Scratch { term, sum, tail, active } = scratch;
        term.clear();
        sum.clear();
        tail.clear();
        active.clear();
        for (k, &z) in zs.iter().enumerate() {
            term.push(1.0);
            sum.push(1.0);
            tail.push(1.0 / (1.0 - z));
            if !(z > 0.0 && z < 1.0) || (c <= 0.0 && is_integer(c)) {
                out[k] = hyp2f1(self.a, self.b, c, z);
            } else {
                active.push(k);
            }
        }
        let (a, b) = (self.sa, self.sb);
        let mut n = 0;
        while !active.is_empty() && n < MAX_TERMS {
            if n == self.ratios.len() {
                self.extend();
            }
            let rn = self.ratios[n];
            let mut i = 0;
            while i < active.len() {
                let k = active[i];
                let z = zs[k];
                term[k] *= rn * z;
                sum[k] += term[k];
                if term[k] == 0.0 || term[k].abs() * tail[k] <= 1e-17 * sum[k].abs() {
                    let nf = n as f64;
                    let ratio = (a + nf + 1.0) * (b + nf + 1.0) / ((c + nf + 1.0) * (nf + 2.0)) * z;
                    if ratio.abs() < 1.0 {
                        out[k] = match self.euler {
                            Some(e) => (1.0 - z).powf(e) * sum[k],
                            None => sum[k],
                        };
                        active.swap_remove(i);
                        continue;
                    }
                }
                i += 1;
            }
            n += 1;
        }
        for &k in active.iter() {
            out[k] = f64::NAN;
        }
    }

    /// Doubles the cached ratios (64 first), as the TypeScript cache grows.
    fn extend(&mut self) {
        let (a, b, c) = (self.sa, self.sb, self.c);
        let from = self.ratios.len();
        let end = (2 * from).max(64);
        self.ratios.extend((from..end).map(|n| {
            let nf = n as f64;
            (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0))
        }));
    }
}

/// The working columns of `Hyp2f1Fixed::at_many`.
#[derive(Default)]
pub struct Scratch {
    term: Vec<f64>,
    sum: Vec<f64>,
    tail: Vec<f64>,
    active: Vec<usize>,
}

/// BG/NBD parameters (r, α, a, b).
#[derive(Clone, Copy)]
pub struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

impl BgNbd {
    /// bgnbd.ts `effectiveA`: a step of 1e-7 off a = 1, where the formula is 0/0.
    fn effective_a(&self) -> f64 {
        if (self.a - 1.0).abs() < 1e-7 {
            1.0 + if self.a >= 1.0 { 1e-7 } else { -1e-7 }
        } else {
            self.a
        }
    }

    /// bgnbd.ts `bgnbdSeries`: the 2F1 of `expected_if_alive` for customers with `x` repeat purchases.
    pub fn series(&self, x: f64) -> Hyp2f1Fixed {
        let a = self.effective_a();
        Hyp2f1Fixed::new(a + self.b - 1.0 - self.r, a - 1.0, a + self.b + x - 1.0)
    }

    // One point at a time: the twin of the TypeScript functions the tests hold `at_many` and the pair loop to.
    #[cfg(test)]
    /// bgnbd.ts `bgnbdExpectedIfAlive` with `series` from `self.series(x)`.
    pub fn expected_if_alive(&self, t: f64, x: f64, big_t: f64, series: &mut Hyp2f1Fixed) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        let f = series.at(self.z(t, big_t));
        self.expected_from(t, x, big_t, f)
    }

    /// The argument of the expectation's 2F1 at horizon t.
    fn z(&self, t: f64, big_t: f64) -> f64 {
        t / (self.alpha + big_t + t)
    }

    /// The expectation from its 2F1 `f` at `self.z(t, big_t)` (t > 0).
    fn expected_from(&self, t: f64, x: f64, big_t: f64, f: f64) -> f64 {
        let a = self.effective_a();
        let c = a + self.b + x - 1.0;
        (c / (a - 1.0)) * (1.0 - ((self.alpha + big_t) / (self.alpha + big_t + t)).powf(a - 1.0) * f)
    }

    // One point at a time: the twin of the TypeScript functions the tests hold `at_many` and the pair loop to.
    #[cfg(test)]
    /// clv.ts `discountedPurchasesIfAlive`: Σ_k (E(t_k) − E(t_{k−1})) · discount_k.
    pub fn discounted_if_alive(&self, x: f64, big_t: f64, ends: &[f64], discounts: &[f64], series: &mut Hyp2f1Fixed) -> f64 {
        let mut previous = 0.0;
        let mut sum = 0.0;
        for (end, discount) in ends.iter().zip(discounts) {
            let e = self.expected_if_alive(*end, x, big_t, series);
            sum += (e - previous) * discount;
            previous = e;
        }
        sum
    }
}

/// What every pair is predicted over: the purchase horizon, and the CLV schedule (none: no CLV).
pub struct Horizons<'a> {
    pub purchase: f64,
    pub schedule: Option<(&'a [f64], &'a [f64])>,
}

/// For each pair j (x_values[x_index[j]] = its x, t[j] its T): `expected[j]` over the purchase
/// horizon and `discounted[j]` over the schedule (left as it is without one), on up to `threads`
/// threads (0: one per core). The 2F1 evaluators are per thread and per distinct x.
#[allow(clippy::too_many_arguments)]
pub fn predict_pairs(p: BgNbd, x_values: &[f64], x_index: &[i32], t: &[f64], h: &Horizons, threads: usize, expected: &mut [f64], discounted: &mut [f64]) {
    let n = t.len();
    let cores = if threads == 0 { thread::available_parallelism().map_or(1, |c| c.get()) } else { threads };
    let threads = cores.min(n / MIN_PAIRS_PER_THREAD).max(1);
    // Every horizon of a pair at once: the schedule's step ends, then the purchase horizon (t > 0
    // only; E(t <= 0) = 0 needs no 2F1).
    let (ends, discounts): (&[f64], &[f64]) = h.schedule.unwrap_or((&[], &[]));
    let horizons: Vec<f64> = ends.iter().copied().chain(std::iter::once(h.purchase)).collect();
    let run = |from: usize, expected: &mut [f64], discounted: &mut [f64]| {
        let mut evaluators: Vec<Option<Hyp2f1Fixed>> = (0..x_values.len()).map(|_| None).collect();
        let mut scratch = Scratch::default();
        let (mut zs, mut fs, mut at) = (Vec::with_capacity(horizons.len()), vec![0.0; horizons.len()], Vec::with_capacity(horizons.len()));
        let mut es = vec![0.0; horizons.len()];
        for (k, (e, d)) in expected.iter_mut().zip(discounted.iter_mut()).enumerate() {
            let j = from + k;
            let xi = x_index[j] as usize;
            let x = x_values[xi];
            let big_t = t[j];
            let series = evaluators[xi].get_or_insert_with(|| p.series(x));
            zs.clear();
            at.clear();
            for (i, &hz) in horizons.iter().enumerate() {
                if hz > 0.0 {
                    zs.push(p.z(hz, big_t));
                    at.push(i);
                }
            }
            series.at_many(&zs, &mut fs[..zs.len()], &mut scratch);
            es.fill(0.0);
            for (m, &i) in at.iter().enumerate() {
                es[i] = p.expected_from(horizons[i], x, big_t, fs[m]);
            }
            *e = es[ends.len()];
            if h.schedule.is_some() {
                // clv.ts `discountedPurchasesIfAlive`'s sum, in its order.
                let mut previous = 0.0;
                let mut sum = 0.0;
                for (ek, discount) in es[..ends.len()].iter().zip(discounts) {
                    sum += (ek - previous) * discount;
                    previous = *ek;
                }
                *d = sum;
            }
        }
    };
    if threads == 1 {
        run(0, expected, discounted);
        return;
    }
    let per = n.div_ceil(threads);
    thread::scope(|scope| {
        for (block, (e, d)) in expected.chunks_mut(per).zip(discounted.chunks_mut(per)).enumerate() {
            let run = &run;
            scope.spawn(move || run(block * per, e, d));
        }
    });
}

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
    fn the_fixed_evaluator_gives_the_plain_function() {
        for &(a, b, c) in &[(0.7, -0.3, 2.5), (-2.0, 0.5, 1.5), (3.2, 1.1, 2.0), (0.2, 0.4, 7.0)] {
            let mut fixed = Hyp2f1Fixed::new(a, b, c);
            for z in [1e-9, 0.01, 0.3, 0.75, 0.999] {
                assert_eq!(fixed.at(z).to_bits(), hyp2f1(a, b, c, z).to_bits(), "{a} {b} {c} {z}");
            }
        }
    }

    #[test]
    fn many_points_at_once_give_each_point_alone() {
        let zs = [0.999, 1e-9, 0.5, 0.0, 1.0, 0.3, 0.98, -0.2, 0.75];
        for &(a, b, c) in &[(0.7, -0.3, 2.5), (-2.0, 0.5, 1.5), (3.2, 1.1, 2.0), (0.2, 0.4, 7.0), (1.0, 1.0, -2.0)] {
            let mut one = Hyp2f1Fixed::new(a, b, c);
            let mut many = Hyp2f1Fixed::new(a, b, c);
            let mut out = [0.0; 9];
            many.at_many(&zs, &mut out, &mut Scratch::default());
            for (z, got) in zs.iter().zip(out) {
                assert_eq!(got.to_bits(), one.at(*z).to_bits(), "{a} {b} {c} {z}");
            }
        }
    }

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

    #[test]
    fn hyp2f1_closed_forms() {
        // 2F1(1, 1; 2; z) = −ln(1 − z) / z; 2F1(a, b; b; z) = (1 − z)^(−a).
        for z in [0.1, 0.5, 0.9, -0.5] {
            let want = -(1.0f64 - z).ln() / z;
            assert!((hyp2f1(1.0, 1.0, 2.0, z) - want).abs() <= 1e-14 * want.abs(), "{z}");
            let want = (1.0f64 - z).powf(-0.7);
            assert!((hyp2f1(0.7, 1.3, 1.3, z) - want).abs() <= 1e-14 * want.abs(), "{z}");
        }
        assert!(hyp2f1(1.0, 1.0, -2.0, 0.5).is_nan());
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_nan());
    }

    #[test]
    fn pairs_do_not_depend_on_the_thread_count() {
        let p = BgNbd { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 };
        let x_values: Vec<f64> = (0..40).map(f64::from).collect();
        let n = 20_000;
        let x_index: Vec<i32> = (0..n).map(|j| (j * 7 % 40) as i32).collect();
        let t: Vec<f64> = (0..n).map(|j| (j * 13 % 1100) as f64).collect();
        let ends: Vec<f64> = (1..=13).map(|k| f64::from(30 * k).min(365.0)).collect();
        let discounts: Vec<f64> = ends.iter().map(|e| 1.1f64.powf(-e / 365.0)).collect();
        let h = Horizons { purchase: 90.0, schedule: Some((&ends, &discounts)) };
        let (mut e1, mut d1) = (vec![0.0; n], vec![0.0; n]);
        predict_pairs(p, &x_values, &x_index, &t, &h, 1, &mut e1, &mut d1);
        for threads in [2, 3, 8] {
            let (mut e, mut d) = (vec![0.0; n], vec![0.0; n]);
            predict_pairs(p, &x_values, &x_index, &t, &h, threads, &mut e, &mut d);
            assert_eq!(e.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), e1.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
            assert_eq!(d.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), d1.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
        }
        // The pair loop (all horizons at once) gives the scalar functions' numbers.
        let j = 3;
        let mut series = p.series(x_values[x_index[j] as usize]);
        assert_eq!(e1[j].to_bits(), p.expected_if_alive(90.0, x_values[x_index[j] as usize], t[j], &mut series).to_bits());
        assert_eq!(d1[j].to_bits(), p.discounted_if_alive(x_values[x_index[j] as usize], t[j], &ends, &discounts, &mut series).to_bits());
        // A new customer's expected purchases grow with the horizon and stay below r/α · t.
        assert!(e1.iter().all(|v| v.is_finite() && *v > 0.0));
        assert!(d1.iter().zip(&e1).all(|(d, e)| d > e));
    }
}
