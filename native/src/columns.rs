//! Per-customer columns in one pass each, the twins of engine/score/rfm-scorer.ts's scoring and
//! engine/snapshot/arrow-columns.ts's Arrow buffers (engine/snapshot/column-kernels.ts picks
//! them): a score by thresholds, and a Float64 column's validity bitmap with its Int32 or
//! Int64 (timestamp) values.

use crate::napi::{ensure_disjoint, span, Call, Element, KernelError, RawValue, Result};

/// quantile-thresholds.ts `scoreOf` of `sign * values[c]` for the customers with `orders >= 1`
/// (others keep 0): `1 + #{i : t_i < x}`, which for ascending thresholds is what its binary search
/// finds, without the branch a search mispredicts on every other step.
pub fn score_column<T: Score>(values: &[f64], sign: f64, orders: &[f64], thresholds: &[f64], out: &mut [T]) {
    for ((o, &v), &n) in out.iter_mut().zip(values).zip(orders) {
        // JS's `orders < 1` is false for NaN, which is scored (as `applyRfm` does).
        if n < 1.0 {
            continue;
        }
        let x = sign * v;
        *o = T::of(1 + thresholds.iter().filter(|&&t| t < x).count());
    }
}

/// A score stored as a typed array stores it: modulo its width.
pub trait Score: Element {
    fn of(s: usize) -> Self;
}
impl Score for u8 {
    fn of(s: usize) -> Self {
        s as u8
    }
}
impl Score for u16 {
    fn of(s: usize) -> Self {
        s as u16
    }
}

/// The kinds of `encode_column` besides 0, a number (validity only).
pub const INTEGER: u32 = 1;
pub const TIMESTAMP: u32 = 2;

/// parse-timestamp.ts `MIN_TIMESTAMP_MS` and `MAX_TIMESTAMP_MS` (the Date range).
const MIN_TIMESTAMP_MS: f64 = -8.64e15;
const MAX_TIMESTAMP_MS: f64 = 8.64e15 - 1.0;

/// JS's `v | 0` (ToInt32): truncated, wrapped modulo 2^32; NaN and the infinities are 0.
#[inline]
fn to_int32(v: f64) -> i32 {
    if !v.is_finite() {
        return 0;
    }
    let t = v.trunc();
    if t.abs() < 2_147_483_648.0 {
        return t as i32;
    }
    (t.rem_euclid(4_294_967_296.0) as u64 as u32) as i32
}

/// A Float64 column's Arrow validity bitmap (NaN, or for timestamps anything but a whole instant
/// of the Date range, is null) and, for `INTEGER` and `TIMESTAMP`, its values as Int32 / Int64
/// little-endian into `data` (0 where null). Returns the null count.
pub fn encode_column(kind: u32, values: &[f64], data: &mut [u8], bitmap: &mut [u8]) -> usize {
    let mut nulls = 0;
    bitmap.iter_mut().for_each(|b| *b = 0);
    for (i, &v) in values.iter().enumerate() {
        let valid = match kind {
            TIMESTAMP => v.fract() == 0.0 && (MIN_TIMESTAMP_MS..=MAX_TIMESTAMP_MS).contains(&v),
            _ => !v.is_nan(),
        };
        match kind {
            // `v | 0` where null too, as int32Vector writes it.
            INTEGER => data[4 * i..4 * i + 4].copy_from_slice(&to_int32(v).to_le_bytes()),
            TIMESTAMP => data[8 * i..8 * i + 8].copy_from_slice(&(if valid { v as i64 } else { 0 }).to_le_bytes()),
            _ => {}
        }
        if valid {
            bitmap[i >> 3] |= 1 << (i & 7);
        } else {
            nulls += 1;
        }
    }
    nulls
}

fn score_out<T: Score>(call: &Call, values: &[f64], sign: f64, orders: &[f64], thresholds: &[f64]) -> Result<()> {
    let out = call.array::<T>(4)?;
    if out.len() != values.len() {
        return Err(KernelError::Argument("out must be as long as values".into()));
    }
    ensure_disjoint(&[span("out", out)], &[span("values", values), span("orders", orders), span("thresholds", thresholds)])?;
    score_column(values, sign, orders, thresholds, out);
    Ok(())
}

/// `(values: Float64Array, sign: 1 | -1, orders: Float64Array, thresholds: Float64Array, out: Uint8Array | Uint16Array)`.
pub fn score_column_export(call: &Call) -> Result<RawValue> {
    let (values, orders, thresholds) = (call.array::<f64>(0)?, call.array::<f64>(2)?, call.array::<f64>(3)?);
    let sign = call.number(1)?;
    if orders.len() != values.len() {
        return Err(KernelError::Argument("orders must be as long as values".into()));
    }
    if call.array::<u8>(4).is_ok() {
        score_out::<u8>(call, values, sign, orders, thresholds)?;
    } else {
        score_out::<u16>(call, values, sign, orders, thresholds)?;
    }
    call.undefined()
}

/// `(kind, values: Float64Array, data: Uint8Array (the Int32/BigInt64 array's bytes), bitmap: Uint8Array)` → null count.
pub fn encode_column_export(call: &Call) -> Result<RawValue> {
    let kind = call.index(0, TIMESTAMP as usize)? as u32;
    let values = call.array::<f64>(1)?;
    let (data, bitmap) = (call.array::<u8>(2)?, call.array::<u8>(3)?);
    let width = match kind {
        INTEGER => 4,
        TIMESTAMP => 8,
        _ => 0,
    };
    if bitmap.len() != values.len().div_ceil(8) || data.len() != width * values.len() {
        return Err(KernelError::Argument("bitmap must hold a bit per value, data a value of the kind's width".into()));
    }
    ensure_disjoint(&[span("data", data), span("bitmap", bitmap)], &[span("values", values)])?;
    let nulls = encode_column(kind, values, data, bitmap);
    call.double(nulls as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_count_the_thresholds_below() {
        let mut out = [9u8; 6];
        score_column(&[5.0, 10.0, 11.0, -1.0, f64::NAN, 30.0], 1.0, &[1.0, 1.0, 2.0, 1.0, 1.0, 0.0], &[5.0, 10.0, 20.0], &mut out);
        assert_eq!(out, [1, 2, 3, 1, 1, 9], "ties share the lower score; NaN scores 1; no orders: untouched");
        let mut neg = [0u16; 2];
        score_column(&[3.0, 40.0], -1.0, &[1.0, 1.0], &[-30.0, -10.0], &mut neg);
        assert_eq!(neg, [3, 1]);
    }

    #[test]
    fn encodes_validity_and_values_as_js_does() {
        let v = [1.0, f64::NAN, -2.7, 3e9, -0.0, 7.0, 8.0, 9.0, 10.0];
        let (mut data, mut bits) = (vec![0xAAu8; 36], vec![0xFFu8; 2]);
        assert_eq!(encode_column(INTEGER, &v, &mut data, &mut bits), 1);
        let ints: Vec<i32> = data.chunks(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        assert_eq!(ints, vec![1, 0, -2, (3e9 as i64 - (1i64 << 32)) as i32, 0, 7, 8, 9, 10]);
        assert_eq!(bits, vec![0b1111_1101, 0b1]);
        let t = [1.5e12, 1.5, f64::NAN, 8.64e15, -86_400_000.0, -8.64e15];
        let (mut data, mut bits) = (vec![7u8; 48], vec![0u8; 1]);
        assert_eq!(encode_column(TIMESTAMP, &t, &mut data, &mut bits), 3);
        assert_eq!(bits, vec![0b11_0001]);
        assert_eq!(&data[8..32], &[0u8; 24], "null instants are 0");
        assert_eq!(i64::from_le_bytes(data[32..40].try_into().unwrap()), -86_400_000);
    }
}
