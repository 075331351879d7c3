//! The row's validity judgment of a columnar batch before the sink interns and appends it: the
//! twin of engine/aggregate/aggregator.ts `judge` (on the columns parse-batch.ts `arrowRows`
//! makes), run on the reader's own buffers. The timestamps come as the reader decoded them (a
//! Timestamp's or Date's integers and their scale to milliseconds) and are converted here exactly
//! as engine/parse/arrow-numbers.ts converts them, into a buffer the caller reuses batch after
//! batch, instead of a fresh Float64Array per batch and a JS loop per row.
//!
//! Per row: `out[i] = 0` (to number) or `JUDGE_ONLY` (a future row, or one the parser would
//! reject: `invalid[i] = 1`), the mask the sink's masked interns take.

use crate::interner::JUDGE_ONLY;

/// engine/parse/parse-timestamp.ts `MIN_TIMESTAMP_MS` / `MAX_TIMESTAMP_MS` (the Date range).
const MIN_TIMESTAMP_MS: f64 = -8.64e15;
const MAX_TIMESTAMP_MS: f64 = 8.64e15 - 1.0;
/// engine/parse/parse-values.ts `MAX_MONEY`: the largest amount whose units (0.0001) are a safe integer.
const MAX_MONEY: f64 = 9_007_199_254_740_991.0 / 10_000.0;

/// parse-timestamp.ts `isValidTimestamp`: a whole number of milliseconds in the Date range.
#[inline]
fn valid_ts(t: f64) -> bool {
    t.fract() == 0.0 && (MIN_TIMESTAMP_MS..=MAX_TIMESTAMP_MS).contains(&t)
}

/// parse-values.ts `isValidMoney` (NaN and the infinities are not).
#[inline]
fn valid_money(x: f64) -> bool {
    (-MAX_MONEY..=MAX_MONEY).contains(&x)
}

/// A time column's values as the reader holds them: 64-bit integers (Timestamp, Date in ms) or
/// 32-bit (Date in days).
pub enum TimeValues<'a> {
    I64(&'a [i64]),
    I32(&'a [i32]),
}

impl TimeValues<'_> {
    pub fn len(&self) -> usize {
        match self {
            TimeValues::I64(v) => v.len(),
            TimeValues::I32(v) => v.len(),
        }
    }
}

/// arrow-numbers.ts on a time chunk: a 64-bit integer read as its two 32-bit halves
/// (`hi * 2^32 + lo`, the same double JS computes), then at a scale other than 1 the floor of
/// `raw * scale` (sub-millisecond units truncate toward the earlier millisecond).
#[inline]
fn ms_of(raw: f64, scale: f64) -> f64 {
    if scale == 1.0 {
        raw
    } else {
        (raw * scale).floor()
    }
}

#[inline]
fn halves(v: i64) -> f64 {
    ((v >> 32) as i32 as f64) * 4_294_967_296.0 + (v as u32 as f64)
}

/// The judged columns of a batch: the time values at `scale` to ms, the amounts and the margins.
pub struct BatchColumns<'a> {
    pub ts: TimeValues<'a>,
    pub scale: f64,
    pub amount: &'a [f64],
    pub margin: Option<&'a [f64]>,
}

/// Judges rows `0..n` (`n` = `ts.len()`): writes each row's timestamp in ms to `ts_out`, its
/// mask to `out` and `invalid`; returns the number of rows to number.
pub fn judge(cols: &BatchColumns, as_of: f64, ts_out: &mut [f64], out: &mut [i32], invalid: &mut [u8]) -> usize {
    let BatchColumns { ts, scale, amount, margin } = cols;
    let (scale, margin) = (*scale, *margin);
    let n = ts.len();
    match ts {
        TimeValues::I64(v) => {
            for (t, &raw) in ts_out[..n].iter_mut().zip(v.iter()) {
                *t = ms_of(halves(raw), scale);
            }
        }
        TimeValues::I32(v) => {
            for (t, &raw) in ts_out[..n].iter_mut().zip(v.iter()) {
                *t = ms_of(f64::from(raw), scale);
            }
        }
    }
    let mut numbered = 0;
    for i in 0..n {
        let t = ts_out[i];
        // A NaN margin is bad here: a batch with null margins is judged by the TypeScript twin.
        let ok = valid_ts(t) && valid_money(amount[i]) && margin.is_none_or(|m| valid_money(m[i]));
        invalid[i] = u8::from(!ok);
        let take = ok && t <= as_of;
        out[i] = if take { 0 } else { JUDGE_ONLY };
        numbered += usize::from(take);
    }
    numbered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_the_date_range_whole_milliseconds_money_bounds_and_the_as_of_cut() {
        let day = 86_400_000.0;
        // Days since the epoch, as a Date32 column.
        let days = [0, 1, 100_000_001, -100_000_000, 20_000];
        let amount = [1.0, f64::NAN, 2.0, 3.0, MAX_MONEY * 2.0];
        let (mut ts, mut out, mut bad) = ([0.0; 5], [7; 5], [9u8; 5]);
        let n = judge(&BatchColumns { ts: TimeValues::I32(&days), scale: day, amount: &amount, margin: None }, day, &mut ts, &mut out, &mut bad);
        assert_eq!(ts, [0.0, day, 100_000_001.0 * day, -100_000_000.0 * day, 20_000.0 * day]);
        assert_eq!(bad, [0, 1, 1, 0, 1], "NaN amount, beyond the Date range, money beyond MAX_MONEY");
        assert_eq!(out, [0, JUDGE_ONLY, JUDGE_ONLY, 0, JUDGE_ONLY]);
        assert_eq!(n, 2);
    }

    #[test]
    fn converts_sub_millisecond_units_as_the_typescript_reader_does() {
        // Microseconds: floor(raw * 1e-3), negative values toward the earlier millisecond; a value
        // beyond 2^53 goes through the same rounded double as JS's hi * 2^32 + lo.
        let us = [1_500i64, -1_500, 1_234_567_890_123_456, (1i64 << 53) + 3, i64::MIN];
        let (mut ts, mut out, mut bad) = ([0.0; 5], [0; 5], [0u8; 5]);
        judge(&BatchColumns { ts: TimeValues::I64(&us), scale: 1e-3, amount: &[0.0; 5], margin: Some(&[0.5; 5]) }, f64::INFINITY, &mut ts, &mut out, &mut bad);
        assert_eq!(ts[0], 1.0);
        assert_eq!(ts[1], -2.0);
        assert_eq!(ts[2], (1_234_567_890_123_456.0f64 * 1e-3).floor());
        assert_eq!(ts[3], (9_007_199_254_740_995.0f64 * 1e-3).floor());
        assert_eq!(bad, [0, 0, 0, 0, 1], "i64::MIN microseconds lie before the Date range");
        let mut margin_bad = [0u8; 1];
        judge(&BatchColumns { ts: TimeValues::I64(&[5]), scale: 1.0, amount: &[1.0], margin: Some(&[f64::NAN]) }, 10.0, &mut ts[..1], &mut out[..1], &mut margin_bad);
        assert_eq!((margin_bad[0], out[0]), (1, JUDGE_ONLY), "a NaN margin value is bad_margin");
    }
}
