//! The functions the addon exports: each reads its arguments through napi.rs, checks shapes,
//! and calls a kernel. Their JS signatures are declared in engine/kernels/native-binding.ts.

use crate::interner::Interner;
use crate::napi::{ensure_disjoint, span, Call, Handler, IdColumn, KernelError, RawValue, Result, TypeTag};
use crate::{csv, thresholds};
use std::ffi::CStr;

/// Bumped whenever a signature below changes; the loader refuses a stale build.
const BINDING_VERSION: i32 = 7;

const INTERNER_TAG: TypeTag = TypeTag { lower: 0x7365_6773_7472_6561, upper: 0x6d2d_6964_732d_0001 };

/// Every export, by name.
pub const EXPORTS: &[(&CStr, Handler)] = &[
    (c"bindingVersion", binding_version),
    (c"internerCreate", interner_create),
    (c"internerSize", interner_size),
    (c"internerInternIds", interner_intern_ids),
    (c"internerInternUtf8", interner_intern_utf8),
    (c"internerInternDict", interner_intern_dict),
    (c"internerKeys", interner_keys),
    (c"quantileThresholds", quantile_thresholds),
    (c"joinUtf8", crate::id_join::join_utf8_export),
    (c"scoreColumn", crate::columns::score_column_export),
    (c"encodeColumn", crate::columns::encode_column_export),
    (c"sinkCreate", crate::partial::binding::sink_create),
    (c"sinkSize", crate::partial::binding::sink_size),
    (c"sinkInternIds", crate::partial::binding::sink_intern_ids),
    (c"sinkInternUtf8", crate::partial::binding::sink_intern_utf8),
    (c"sinkInternDict", crate::partial::binding::sink_intern_dict),
    (c"sinkAppend", crate::partial::binding::sink_append),
    (c"sinkReserve", crate::partial::binding::sink_reserve),
    (c"judgeRows", crate::partial::binding::judge_rows),
    (c"sinkKeys", crate::partial::binding::sink_keys),
    (c"sinkPublish", crate::partial::binding::sink_publish),
    (c"sinkFree", crate::partial::binding::sink_free),
    (c"sinkJoin", crate::partial::binding::sink_join),
    (c"customersCreate", crate::partial::binding::customers_create),
    (c"customersFree", crate::partial::binding::customers_free),
    (c"sinkFinalize", crate::partial::binding::sink_finalize),
    (c"sinkCombine", crate::partial::binding::sink_combine),
    (c"sinkPack", crate::partial::binding::sink_pack),
    (c"baseCreate", crate::partial::binding::base_create),
    (c"partsGather", crate::partial::binding::parts_gather),
    (c"partsFree", crate::partial::binding::parts_free),
    (c"bgnbdSums", crate::model::bgnbd_sums),
    (c"gammaGammaSums", crate::model::gamma_gamma_sums),
    (c"groupRfm", crate::model::group_rfm),
    (c"bgnbdPredictCustomers", crate::model::bgnbd_predict_customers),
    (c"modelMath", crate::model::model_math),
    (c"csvScannerCreate", csv::binding::csv_scanner_create),
    (c"csvScannerPush", csv::binding::csv_scanner_push),
    (c"csvScannerHeader", csv::binding::csv_scanner_header),
    (c"csvScannerSetColumns", csv::binding::csv_scanner_set_columns),
    (c"csvScannerSetModes", csv::binding::csv_scanner_set_modes),
    (c"csvScannerTake", csv::binding::csv_scanner_take),
    (c"parquetOpen", crate::parquet::binding::parquet_open),
    (c"parquetCheckIndex", crate::parquet::binding::parquet_check_index),
    (c"parquetReadChunk", crate::parquet::binding::parquet_read_chunk),
    (c"jsonRowsScan", crate::json_rows::json_rows_scan),
    (c"jsonRowsPlan", crate::json_row::binding::json_rows_plan),
    (c"jsonRowsColumn", crate::json_row::binding::json_rows_column),
    (c"jsonRowsWrite", crate::json_row::binding::json_rows_write),
    (c"jsonRowsIndex", crate::json_row::binding::json_rows_index),
    (c"jsonRowsFind", crate::json_row::binding::json_rows_find),
    (c"processExec", crate::process::process_exec),
];

fn binding_version(call: &Call) -> Result<RawValue> {
    call.int32(BINDING_VERSION)
}

fn interner_create(call: &Call) -> Result<RawValue> {
    call.external_new(Interner::default(), &INTERNER_TAG)
}

fn interner_size(call: &Call) -> Result<RawValue> {
    call.double(call.external::<Interner>(0, &INTERNER_TAG)?.len() as f64)
}

/// `(handle, ids: Float64Array | Int32Array | BigInt64Array, out: Int32Array)`; `out` is the mask
/// of interner.rs `JUDGE_ONLY` on entry and the verdicts on exit.
fn interner_intern_ids(call: &Call) -> Result<RawValue> {
    let table = call.external::<Interner>(0, &INTERNER_TAG)?;
    let ids = call.id_column(1)?;
    let out = call.array::<i32>(2)?;
    if out.len() < ids.len() {
        return Err(KernelError::Argument("out is shorter than ids".into()));
    }
    ensure_disjoint(&[span("out", out)], &[ids.span()])?;
    match ids {
        IdColumn::F64(v) => table.f64_column(v, out),
        IdColumn::I32(v) => table.i32_column(v, out),
        IdColumn::I64(v) => table.i64_column(v, out),
    }
    call.undefined()
}

/// `(handle, bytes: Uint8Array, offsets: Int32Array, out: Int32Array)`.
fn interner_intern_utf8(call: &Call) -> Result<RawValue> {
    let table = call.external::<Interner>(0, &INTERNER_TAG)?;
    let (bytes, offsets) = (call.array::<u8>(1)?, call.array::<i32>(2)?);
    let out = call.array::<i32>(3)?;
    let n = utf8_rows(offsets, out.len())?;
    ensure_disjoint(&[span("out", out)], &[span("bytes", bytes), span("offsets", offsets)])?;
    table.utf8_column(bytes, offsets, &mut out[..n]);
    call.undefined()
}

/// `(handle, bytes: Uint8Array, offsets: Int32Array, indices: Int32Array, mapping: Int32Array,
/// out: Int32Array)`: a dictionary-encoded Utf8 column; `mapping` has one slot per dictionary entry.
fn interner_intern_dict(call: &Call) -> Result<RawValue> {
    let table = call.external::<Interner>(0, &INTERNER_TAG)?;
    let (bytes, offsets, indices) = (call.array::<u8>(1)?, call.array::<i32>(2)?, call.array::<i32>(3)?);
    let (mapping, out) = (call.array::<i32>(4)?, call.array::<i32>(5)?);
    if out.len() < indices.len() || mapping.len() != offsets.len().saturating_sub(1) {
        return Err(KernelError::Argument("out must be as long as indices, mapping one slot per dictionary entry".into()));
    }
    ensure_disjoint(&[span("mapping", mapping), span("out", out)], &[span("bytes", bytes), span("offsets", offsets), span("indices", indices)])?;
    table.dict_column(bytes, offsets, indices, mapping, &mut out[..indices.len()]);
    call.undefined()
}

/// `(handle, from, to)`: keys `from..to` as numbers (integer ids) and strings.
fn interner_keys(call: &Call) -> Result<RawValue> {
    let table = call.external::<Interner>(0, &INTERNER_TAG)?;
    let to = call.index(2, table.len())?;
    let from = call.index(1, to)?;
    call.js_array(to - from, |i| match table.key(from + i) {
        (Some(v), _) => call.double(v as f64),
        (None, text) => call.string(text),
    })
}

fn utf8_rows(offsets: &[i32], out_len: usize) -> Result<usize> {
    let n = offsets.len().saturating_sub(1);
    if out_len < n {
        return Err(KernelError::Argument("out is shorter than the column".into()));
    }
    Ok(n)
}

/// `(values: Float64Array, k, out: Float64Array(k - 1))`.
fn quantile_thresholds(call: &Call) -> Result<RawValue> {
    let values = call.array::<f64>(0)?;
    let k = call.index(1, 1 << 24)?;
    let out = call.array::<f64>(2)?;
    if k < 1 || out.len() != k - 1 {
        return Err(KernelError::Argument("k must be >= 1 and out of length k - 1".into()));
    }
    ensure_disjoint(&[span("out", out)], &[span("values", values)])?;
    thresholds::quantile_thresholds(values, k, out);
    call.undefined()
}
