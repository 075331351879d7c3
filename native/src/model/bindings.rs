//! The model kernels' exports; their JS signatures are in engine/kernels/native-binding.ts.

use super::fdlibm;
use super::group::group_packed;
use super::predict::{predict_customers, GammaGamma};
use super::shards::sharded;
use super::{bgnbd_range, gamma_gamma_range, BgNbdRows, GammaGammaRows, BGNBD_WIDTH, GAMMA_GAMMA_WIDTH};
use crate::napi::{span, Call, KernelError, RawValue, Result};

/// Every index in `x_index` names a row of a table of `table_len / width` rows.
fn check_rows(x_index: &[i32], table_len: usize, width: usize) -> Result<()> {
    if !table_len.is_multiple_of(width) {
        return Err(KernelError::Argument(format!("table length must be a multiple of {width}")));
    }
    let rows = (table_len / width) as i64;
    if x_index.iter().any(|&k| k < 0 || k as i64 >= rows) {
        return Err(KernelError::Argument("xIndex names a row outside the table".into()));
    }
    Ok(())
}

fn check_lengths(n: usize, others: &[(&str, usize)]) -> Result<()> {
    match others.iter().find(|(_, len)| *len != n) {
        Some((name, len)) => Err(KernelError::Argument(format!("{name} has {len} entries, not {n}"))),
        None => Ok(()),
    }
}

/// Threads from the call: `threads` 0 = one per core.
fn shard_args(call: &Call, at: usize) -> Result<(usize, usize)> {
    Ok((call.index(at, 1 << 30)?.max(1), call.index(at + 1, 1 << 16)?))
}

/// `(params [r, α, a, b], x, tx, T, weight, xIndex, table, dayLogs, withGrad 0|1, shardRows, threads, out[5])`.
pub fn bgnbd_sums(call: &Call) -> Result<RawValue> {
    let params = call.array::<f64>(0)?;
    let (x, tx, t, weight) = (call.array::<f64>(1)?, call.array::<f64>(2)?, call.array::<f64>(3)?, call.array::<f64>(4)?);
    let x_index = call.array::<i32>(5)?;
    let (table, day_logs) = (call.array::<f64>(6)?, call.array::<f64>(7)?);
    let with_grad = call.index(8, 1)? == 1;
    let (shard_rows, threads) = shard_args(call, 9)?;
    let out = call.array::<f64>(11)?;
    let p: [f64; 4] = params.get(..4).and_then(|s| s.try_into().ok()).ok_or_else(|| KernelError::Argument("params must hold r, alpha, a, b".into()))?;
    if out.len() < 5 {
        return Err(KernelError::Argument("out must hold 5 sums".into()));
    }
    check_lengths(x.len(), &[("tx", tx.len()), ("T", t.len()), ("weight", weight.len()), ("xIndex", x_index.len())])?;
    check_rows(x_index, table.len(), BGNBD_WIDTH)?;
    crate::napi::ensure_disjoint(&[span("out", out)], &[span("params", params), span("x", x), span("tx", tx), span("T", t), span("weight", weight), span("table", table), span("dayLogs", day_logs)])?;
    let rows = BgNbdRows { x, tx, t, weight, x_index };
    let total = sharded::<5>(x.len(), shard_rows, threads, |from, to| bgnbd_range(&p, &rows, table, day_logs, from, to, with_grad));
    out[..5].copy_from_slice(&total);
    call.undefined()
}

/// `(params [p, q, v, constant, ψ(q), ln v], x, mx, logMx, xIndex, table, withGrad 0|1, shardRows, threads, out[4])`.
pub fn gamma_gamma_sums(call: &Call) -> Result<RawValue> {
    let params = call.array::<f64>(0)?;
    let (x, mx, log_mx) = (call.array::<f64>(1)?, call.array::<f64>(2)?, call.array::<f64>(3)?);
    let x_index = call.array::<i32>(4)?;
    let table = call.array::<f64>(5)?;
    let with_grad = call.index(6, 1)? == 1;
    let (shard_rows, threads) = shard_args(call, 7)?;
    let out = call.array::<f64>(9)?;
    let p: [f64; 6] = params.get(..6).and_then(|s| s.try_into().ok()).ok_or_else(|| KernelError::Argument("params must hold 6 values".into()))?;
    if out.len() < 4 {
        return Err(KernelError::Argument("out must hold 4 sums".into()));
    }
    check_lengths(x.len(), &[("mx", mx.len()), ("logMx", log_mx.len()), ("xIndex", x_index.len())])?;
    check_rows(x_index, table.len(), GAMMA_GAMMA_WIDTH)?;
    crate::napi::ensure_disjoint(&[span("out", out)], &[span("params", params), span("x", x), span("mx", mx), span("logMx", log_mx), span("table", table)])?;
    let rows = GammaGammaRows { x, mx, log_mx, x_index };
    let total = sharded::<4>(x.len(), shard_rows, threads, |from, to| gamma_gamma_range(&p, &rows, table, from, to, with_grad));
    out[..4].copy_from_slice(&total);
    call.undefined()
}

/// `(x, tx, T, groupOf, dayBits, outX, outTx, outT, outWeight)` → the number of groups
/// (model/group.rs `group_packed`); rows with `groupOf[i] < 0` are left out.
pub fn group_rfm(call: &Call) -> Result<RawValue> {
    let (x, tx, t) = (call.array::<f64>(0)?, call.array::<f64>(1)?, call.array::<f64>(2)?);
    let group_of = call.array::<i32>(3)?;
    let day_bits = call.index(4, 16)? as u32;
    let (out_x, out_tx, out_t, out_w) = (call.array::<f64>(5)?, call.array::<f64>(6)?, call.array::<f64>(7)?, call.array::<f64>(8)?);
    check_lengths(x.len(), &[("tx", tx.len()), ("T", t.len()), ("groupOf", group_of.len())])?;
    let kept = group_of.iter().filter(|g| **g >= 0).count();
    if [out_x.len(), out_tx.len(), out_t.len(), out_w.len()].iter().any(|len| *len < kept) {
        return Err(KernelError::Argument(format!("the outputs must hold {kept} groups")));
    }
    // The packing needs integers within their bounds; anything else is the TypeScript path's.
    let day_limit = (1u64 << day_bits) as f64;
    for (i, g) in group_of.iter().enumerate() {
        let ok = |v: f64, limit: f64| v >= 0.0 && v < limit && v.fract() == 0.0;
        if *g >= 0 && !(ok(x[i], 4_294_967_296.0) && ok(tx[i], day_limit) && ok(t[i], day_limit)) {
            return Err(KernelError::Argument("x, tx and T must be integers below their bounds".into()));
        }
    }
    crate::napi::ensure_disjoint(&[span("groupOf", group_of), span("outX", out_x), span("outTx", out_tx), span("outT", out_t), span("outWeight", out_w)], &[span("x", x), span("tx", tx), span("T", t)])?;
    let count = group_packed(x, tx, t, group_of, day_bits, [out_x, out_tx, out_t, out_w]);
    call.int32(count as i32)
}

/// `(groupOf, perGroup, x, meanRepeatValue, gg [p, q, v], models (1: BG/NBD, 2: Gamma-Gamma), threads,
/// pAlive, expected, aov, clv)`: each customer's predictions (model/predict.rs `predict_customers`).
pub fn bgnbd_predict_customers(call: &Call) -> Result<RawValue> {
    let group_of = call.array::<i32>(0)?;
    let (per_group, x, mean_repeat_value, gg) = (call.array::<f64>(1)?, call.array::<f64>(2)?, call.array::<f64>(3)?, call.array::<f64>(4)?);
    let models = call.index(5, 3)?;
    let threads = call.index(6, 1 << 16)?;
    let (p_alive, expected, aov, clv) = (call.array::<f64>(7)?, call.array::<f64>(8)?, call.array::<f64>(9)?, call.array::<f64>(10)?);
    let [p, q, v]: [f64; 3] = gg.get(..3).and_then(|s| s.try_into().ok()).ok_or_else(|| KernelError::Argument("gg must hold p, q, v".into()))?;
    let n = group_of.len();
    check_lengths(n, &[("x", x.len()), ("meanRepeatValue", mean_repeat_value.len()), ("pAlive", p_alive.len()), ("expected", expected.len()), ("aov", aov.len()), ("clv", clv.len())])?;
    let groups = (per_group.len() / 3) as i64;
    if group_of.iter().any(|&k| k as i64 >= groups) {
        return Err(KernelError::Argument("groupOf names a group outside perGroup".into()));
    }
    crate::napi::ensure_disjoint(
        &[span("pAlive", p_alive), span("expected", expected), span("aov", aov), span("clv", clv)],
        &[span("groupOf", group_of), span("perGroup", per_group), span("x", x), span("meanRepeatValue", mean_repeat_value), span("gg", gg)],
    )?;
    predict_customers(group_of, per_group, x, mean_repeat_value, GammaGamma { p, q, v }, models & 1 != 0, models & 2 != 0, threads, [p_alive, expected, aov, clv]);
    call.undefined()
}

/// `(fn 0: ln, 1: ln(1 + x), 2: e^x, x, out)`: `out[i]` = fn(`x[i]`) with the kernels' own functions
/// (model/fdlibm.rs), so a test can hold them to V8's `Math.log` / `Math.log1p` / `Math.exp` bit for bit.
pub fn model_math(call: &Call) -> Result<RawValue> {
    let f: fn(f64) -> f64 = match call.index(0, 2)? {
        0 => fdlibm::log,
        1 => fdlibm::log1p,
        _ => fdlibm::exp,
    };
    let (x, out) = (call.array::<f64>(1)?, call.array::<f64>(2)?);
    check_lengths(x.len(), &[("out", out.len())])?;
    crate::napi::ensure_disjoint(&[span("out", out)], &[span("x", x)])?;
    for (o, v) in out.iter_mut().zip(x) {
        *o = f(*v);
    }
    call.undefined()
}
