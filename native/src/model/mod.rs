//! The models' likelihood sums: the Rust twins of engine/model/bgnbd-likelihood.ts
//! `bgnbdRangeSums` and engine/model/gamma-gamma.ts `gammaGammaRangeSums`, operation for
//! operation, summed in fixed shards across threads. Every shard is summed from zero and the
//! shard sums are added in shard order (engine/model/model-kernels.ts), so the result is the same
//! for any number of threads. Their logarithms and exponentials are fdlibm.rs's, V8's own, so the
//! sums are the TypeScript ones bit for bit. The special functions (log-gamma, digamma) stay in TypeScript:
//! they run once per distinct x and arrive here as a table. predict.rs: the per-customer
//! prediction columns after the fit.

mod bindings;
mod fdlibm;
mod group;
mod predict;
mod shards;

pub use bindings::{bgnbd_predict_customers, bgnbd_sums, gamma_gamma_sums, group_rfm, model_math};
use fdlibm::{exp, log, log1p};

/// Entries per distinct x in the BG/NBD table (bgnbd-likelihood.ts `BGNBD_TABLE_WIDTH`).
pub const BGNBD_WIDTH: usize = 5;
/// Entries per distinct x in the Gamma-Gamma table (gamma-gamma.ts `GAMMA_GAMMA_TABLE_WIDTH`).
pub const GAMMA_GAMMA_WIDTH: usize = 4;
/// From this p·x on the Gamma-Gamma term is written without its cancellation (special-functions.ts `STIRLING_FROM`).
pub const STIRLING_FROM: f64 = 1e4;

/// Grouped BG/NBD data (rfm-groups.ts `RfmGroups`): one entry per distinct (x, t_x, T).
pub struct BgNbdRows<'a> {
    pub x: &'a [f64],
    pub tx: &'a [f64],
    pub t: &'a [f64],
    pub weight: &'a [f64],
    /// Row of each group's x in the table; checked to be in range before any sum.
    pub x_index: &'a [i32],
}

/// ln(α + d) from the day table when d is one of its days, else computed.
#[inline]
fn log_alpha_plus(day_logs: &[f64], alpha: f64, d: f64) -> f64 {
    if !day_logs.is_empty() && d >= 0.0 && d < day_logs.len() as f64 && d.fract() == 0.0 {
        day_logs[d as usize]
    } else {
        log(alpha + d)
    }
}

/// Sums over groups `from..to`: [log-likelihood, d/dr, d/dα, d/da, d/db] (derivatives 0 without `with_grad`).
pub fn bgnbd_range(p: &[f64; 4], d: &BgNbdRows, table: &[f64], day_logs: &[f64], from: usize, to: usize, with_grad: bool) -> [f64; 5] {
    let [r, alpha, a, b] = *p;
    let log_alpha = log(alpha);
    let (mut ll, mut gr, mut g_alpha, mut ga, mut gb) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for i in from..to {
        let w = d.weight[i];
        let xi = d.x[i];
        let o = d.x_index[i] as usize * BGNBD_WIDTH;
        let row = &table[o..o + BGNBD_WIDTH];
        let rx = r + xi;
        let ti = d.t[i];
        let alpha_t = alpha + ti;
        let log_at = log_alpha_plus(day_logs, alpha, ti);
        let a3 = -rx * log_at;
        if xi > 0.0 {
            let txi = d.tx[i];
            let alpha_tx = alpha + txi;
            let log_atx = log_alpha_plus(day_logs, alpha, txi);
            let a4 = row[4] - rx * log_atx;
            // log-sum-exp of a3 and a4; w4 is the share of the "dropped out after the last purchase" term.
            let hi = if a3 >= a4 { a3 } else { a4 };
            let e = exp(-(a3 - a4).abs());
            let lse = hi + log1p(e);
            ll += w * (row[0] + r * log_alpha + lse);
            if with_grad {
                let w4 = if a4 > a3 { 1.0 / (1.0 + e) } else { e / (1.0 + e) };
                let w3 = 1.0 - w4;
                gr += w * (row[1] + log_alpha - w3 * log_at - w4 * log_atx);
                g_alpha += w * (r / alpha - rx * (w3 / alpha_t + w4 / alpha_tx));
                ga += w * (row[2] + w4 / a);
                gb += w * (row[3] - w4 / (b + xi - 1.0));
            }
        } else {
            ll += w * (row[0] + r * log_alpha + a3);
            if with_grad {
                gr += w * (row[1] + log_alpha - log_at);
                g_alpha += w * (r / alpha - rx / alpha_t);
                ga += w * row[2];
                gb += w * row[3];
            }
        }
    }
    [ll, gr, g_alpha, ga, gb]
}

/// Repeat customers for Gamma-Gamma (gamma-gamma.ts `GammaGammaData`).
pub struct GammaGammaRows<'a> {
    pub x: &'a [f64],
    pub mx: &'a [f64],
    pub log_mx: &'a [f64],
    /// Row of each customer's x in the table; checked to be in range before any sum.
    pub x_index: &'a [i32],
}

/// Sums over customers `from..to`: [log-likelihood, d/dp, d/dq, d/dv]. `p` is (p, q, v,
/// −ln Γ(q) + q ln v, ψ(q), ln v) as gamma-gamma.ts `gammaGammaParamVector` gives it.
pub fn gamma_gamma_range(p: &[f64; 6], d: &GammaGammaRows, table: &[f64], from: usize, to: usize, with_grad: bool) -> [f64; 4] {
    let [pp, q, v, constant, psi_q, log_v] = *p;
    let (mut ll, mut gp, mut gq, mut gv) = (0.0, 0.0, 0.0, 0.0);
    for i in from..to {
        let xi = d.x[i];
        let o = d.x_index[i] as usize * GAMMA_GAMMA_WIDTH;
        let row = &table[o..o + GAMMA_GAMMA_WIDTH];
        let px = pp * xi;
        let lm = d.log_mx[i];
        let xm = xi * d.mx[i];
        let s = xm + v;
        let log_s = log(s);
        if px >= STIRLING_FROM {
            // ln m_x + ln x − ln s without its cancellation (gamma-gamma-likelihood.ts).
            let gap = -log1p(v / xm);
            ll += row[0] + constant - lm + px * gap - q * log_s;
            if with_grad {
                gp += xi * (row[1] + gap);
            }
        } else {
            let log_x = row[3];
            ll += row[0] + constant + (px - 1.0) * lm + px * log_x - (px + q) * log_s;
            if with_grad {
                gp += xi * (row[1] + lm + log_x - log_s);
            }
        }
        if with_grad {
            gq += row[2] - psi_q + log_v - log_s;
            gv += q / v - (px + q) / s;
        }
    }
    [ll, gp, gq, gv]
}

#[cfg(test)]
mod tests {
    use super::shards::sharded;
    use super::*;

    /// x, t_x, T, weight, x index and the per-x table of `n` groups.
    type Groups = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<i32>, Vec<f64>);

    fn groups(n: usize) -> Groups {
        // x in 0..4, t_x <= T, integer days; per-x table of arbitrary but fixed values.
        let (mut x, mut tx, mut t, mut w, mut xi) = (vec![], vec![], vec![], vec![], vec![]);
        for i in 0..n {
            let xv = (i * 7 % 4) as f64;
            let tv = (i * 13 % 300) as f64 + 1.0;
            x.push(xv);
            t.push(tv);
            tx.push(if xv > 0.0 { (i * 5 % (tv as usize)) as f64 } else { 0.0 });
            w.push((i % 3 + 1) as f64);
            xi.push(xv as i32);
        }
        let mut table = vec![];
        for k in 0..4 {
            let k = k as f64;
            table.extend_from_slice(&[-1.0 - 0.1 * k, 0.2 * k, -0.3, 0.05 * k, if k > 0.0 { -0.5 * k } else { f64::NEG_INFINITY }]);
        }
        (x, tx, t, w, xi, table)
    }

    #[test]
    fn shard_sums_do_not_depend_on_the_thread_count() {
        let (x, tx, t, weight, x_index, table) = groups(50_000);
        let rows = BgNbdRows { x: &x, tx: &tx, t: &t, weight: &weight, x_index: &x_index };
        let day_logs: Vec<f64> = (0..=300).map(|d| (4.0 + d as f64).ln()).collect();
        let p = [0.3, 4.0, 0.8, 2.5];
        let one = sharded::<5>(x.len(), 1000, 1, |f, to| bgnbd_range(&p, &rows, &table, &day_logs, f, to, true));
        for threads in [2, 3, 8] {
            let many = sharded::<5>(x.len(), 1000, threads, |f, to| bgnbd_range(&p, &rows, &table, &day_logs, f, to, true));
            assert_eq!(one.map(f64::to_bits), many.map(f64::to_bits));
        }
    }

    #[test]
    fn the_day_table_gives_the_logarithms_it_replaces() {
        let (x, tx, t, weight, x_index, table) = groups(2_000);
        let rows = BgNbdRows { x: &x, tx: &tx, t: &t, weight: &weight, x_index: &x_index };
        let day_logs: Vec<f64> = (0..=300).map(|d| (4.0 + d as f64).ln()).collect();
        let p = [0.3, 4.0, 0.8, 2.5];
        let with = bgnbd_range(&p, &rows, &table, &day_logs, 0, x.len(), true);
        let without = bgnbd_range(&p, &rows, &table, &[], 0, x.len(), true);
        assert_eq!(with.map(f64::to_bits), without.map(f64::to_bits));
    }

    #[test]
    fn gamma_gamma_sums_are_the_sum_of_their_terms() {
        let x = [1.0, 2.0, 2.0];
        let mx = [10.0, 20.0, 5.0];
        let log_mx: Vec<f64> = mx.iter().map(|m: &f64| m.ln()).collect();
        let x_index = [0, 1, 1];
        let table = [0.5, 0.1, 0.2, 0.0, 0.7, 0.3, 0.4, 2f64.ln()];
        let rows = GammaGammaRows { x: &x, mx: &mx, log_mx: &log_mx, x_index: &x_index };
        let p = [1.5, 3.0, 10.0, -2.0, 0.9, 10f64.ln()];
        let all = gamma_gamma_range(&p, &rows, &table, 0, 3, true);
        let mut parts = [0.0; 4];
        for i in 0..3 {
            let one = gamma_gamma_range(&p, &rows, &table, i, i + 1, true);
            for k in 0..4 {
                parts[k] += one[k];
            }
        }
        for k in 0..4 {
            assert!((all[k] - parts[k]).abs() <= 1e-12 * all[k].abs().max(1.0));
        }
        // The first customer's log-likelihood term by hand.
        let s: f64 = 10.0 + 10.0;
        let want = 0.5 - 2.0 + 0.5 * 10f64.ln() + 0.0 - 4.5 * s.ln();
        let first = gamma_gamma_range(&p, &rows, &table, 0, 1, false);
        assert!((first[0] - want).abs() < 1e-12);
        assert_eq!(first[1], 0.0);
    }
}
