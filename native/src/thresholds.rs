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

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition itself: sort ascending (JS order), take v[floor(i*n/k)].
    fn by_sorting(values: &[f64], k: usize) -> Vec<f64> {
        let mut v = values.to_vec();
        v.sort_by(js_order);
        (1..k).map(|i| v[i * v.len() / k]).collect()
    }

    fn thresholds(values: &[f64], k: usize) -> Vec<f64> {
        let mut out = vec![f64::NAN; k - 1];
        quantile_thresholds(values, k, &mut out);
        out
    }

    #[test]
    fn picks_v_floor_i_n_over_k_of_the_sorted_values() {
        let values = [5.0, 1.0, 4.0, 2.0, 3.0, 10.0, 9.0, 8.0, 7.0, 6.0];
        // n = 10, k = 5: indices 2, 4, 6, 8 of 1..=10.
        assert_eq!(thresholds(&values, 5), vec![3.0, 5.0, 7.0, 9.0]);
    }

    #[test]
    fn agrees_with_a_full_sort_on_seeded_random_inputs_with_ties() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..200 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let n = 1 + (seed >> 33) as usize % 300;
            let values: Vec<f64> = (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    // Few distinct values on odd rounds, so ties land on thresholds.
                    let m = if round % 2 == 1 { 7 } else { 1_000_000 };
                    ((seed >> 20) % m) as f64 - (m / 2) as f64
                })
                .collect();
            for k in [2, 3, 5, 10] {
                assert_eq!(thresholds(&values, k), by_sorting(&values, k), "round {round}, n {n}, k {k}");
            }
        }
    }

    #[test]
    fn orders_negative_zero_before_zero_and_nan_last_as_float64array_sort_does() {
        let values = [f64::NAN, 0.0, -0.0, 1.0];
        let out = thresholds(&values, 4); // indices 1, 2, 3 of [-0, 0, 1, NaN]
        assert!(out[0] == 0.0 && out[0].is_sign_positive());
        assert_eq!(out[1], 1.0);
        assert!(out[2].is_nan());
        let first = thresholds(&values[1..3], 2); // [0, -0] sorted is [-0, 0]; index 1
        assert!(first[0].is_sign_positive());
    }

    #[test]
    fn more_bins_than_values_repeats_values_and_no_values_writes_nothing() {
        assert_eq!(thresholds(&[2.0, 1.0], 5), vec![1.0, 1.0, 2.0, 2.0]);
        let mut out = [42.0; 4];
        quantile_thresholds(&[], 5, &mut out);
        assert_eq!(out, [42.0; 4]);
    }
}
