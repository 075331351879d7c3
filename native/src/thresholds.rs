//! Score thresholds: the Rust twin of engine/score/quantile-thresholds.ts `quantileThresholds`.
//! t_i = v[floor(i*n/k)] of the ascending values, found by successive selection rather than a
//! full sort. The order is that of `Float64Array.prototype.sort`: -0 before +0, NaN last.

use std::cmp::Ordering;

#[inline]
fn js_order(a: &f64, b: &f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (false, false) => a.total_cmp(b),
        (a_nan, b_nan) => a_nan.cmp(&b_nan),
    }
}

/// Writes the k-1 thresholds of `values` into `out` (`out.len() == k - 1`); `values` is copied.
pub fn quantile_thresholds(values: &[f64], k: usize, out: &mut [f64]) {
    let n = values.len();
    if n == 0 {
        return;
    }
    let mut v = values.to_vec();
    // Selected prefix: v[..lo] holds the smallest elements in order up to the last threshold.
    let mut lo = 0usize;
    for i in 1..k {
        let at = ((i as u128 * n as u128) / k as u128) as usize;
        if at >= lo {
            v[lo..].select_nth_unstable_by(at - lo, js_order);
            lo = at + 1;
        }
        out[i - 1] = v[at];
    }
}
