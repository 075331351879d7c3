//! The CSV scanner's exports (registered in bindings.rs); their JS signatures are declared in
//! engine/kernels/native-binding.ts and used only by engine/read/csv-native.ts.

use super::batch::{Mode, OUT_UTF8};
use super::CsvScanner;
use crate::napi::{Call, KernelError, RawValue, Result, TypeTag};

const SCANNER_TAG: TypeTag = TypeTag { lower: 0x7365_6773_7472_6561, upper: 0x6d2d_6373_762d_0001 };

fn scanner(call: &Call) -> Result<&mut CsvScanner> {
    call.external::<CsvScanner>(0, &SCANNER_TAG)
}

fn modes(codes: &[u8]) -> Result<Vec<Mode>> {
    codes.iter().map(|&c| Mode::from_code(c).ok_or_else(|| KernelError::Argument(format!("unknown column mode {c}")))).collect()
}

/// `(delimiter byte, batch size)` → a scanner handle.
pub fn csv_scanner_create(call: &Call) -> Result<RawValue> {
    let delim = call.index(0, 255)? as u8;
    if delim == b'"' || delim == b'\n' || delim == b'\r' {
        return Err(KernelError::Argument(format!("{delim} cannot be a delimiter")));
    }
    let batch_size = call.index(1, i32::MAX as usize)?;
    call.external_new(CsvScanner::new(delim, batch_size), &SCANNER_TAG)
}

/// `(h, bytes, pos, last, io)`: scans `bytes` from `pos`; `io[0]` = where it stopped. Returns
/// 0 (needs more input), 1 (the batch is full) or 2 (the header was read).
pub fn csv_scanner_push(call: &Call) -> Result<RawValue> {
    let s = scanner(call)?;
    let bytes = call.array::<u8>(1)?;
    let pos = call.index(2, bytes.len())?;
    let last = call.number(3)? != 0.0;
    let io = call.array::<f64>(4)?;
    if io.is_empty() {
        return Err(KernelError::Argument("io must be a Float64Array of 1".into()));
    }
    let (next, why) = s.push(bytes, pos, last);
    io[0] = next as f64;
    call.int32(why)
}

/// `(h)` → the header's fields as ArrayBuffers of UTF-8 bytes, or undefined before it is read.
pub fn csv_scanner_header(call: &Call) -> Result<RawValue> {
    let s = scanner(call)?;
    match s.header() {
        None => call.undefined(),
        Some(fields) => call.js_array(fields.len(), |i| call.buffer(fields[i].clone())),
    }
}

/// `(h, fields: Int32Array, modes: Uint8Array)`: column k reads field `fields[k]` by mode `modes[k]`.
pub fn csv_scanner_set_columns(call: &Call) -> Result<RawValue> {
    let s = scanner(call)?;
    let fields = call.array::<i32>(1)?;
    let modes = modes(call.array::<u8>(2)?)?;
    if fields.len() != modes.len() || fields.iter().any(|&f| f < 0) {
        return Err(KernelError::Argument("fields and modes must have one entry per column, fields >= 0".into()));
    }
    let fields: Vec<usize> = fields.iter().map(|&f| f as usize).collect();
    s.set_columns(&fields, modes);
    call.undefined()
}

/// `(h, modes: Uint8Array)`: the modes of the next batch; refused while a batch has rows.
pub fn csv_scanner_set_modes(call: &Call) -> Result<RawValue> {
    let s = scanner(call)?;
    let modes = modes(call.array::<u8>(1)?)?;
    if !s.set_modes(modes) {
        return Err(KernelError::Argument("modes change only between batches, one per column".into()));
    }
    call.undefined()
}

/// `(h)` → `[rows, malformed, ...per column: kind, nulls, validity, values or offsets, bytes]`:
/// the rows scanned so far, as ArrayBuffers that JS wraps without copying.
pub fn csv_scanner_take(call: &Call) -> Result<RawValue> {
    let s = scanner(call)?;
    let batch = s.take();
    let mut out: Vec<RawValue> = vec![call.int32(batch.rows as i32)?, call.buffer(batch.malformed)?];
    for col in batch.columns {
        let kind = col.out_kind();
        out.push(call.int32(kind)?);
        out.push(call.int32(col.nulls as i32)?);
        out.push(if col.nulls > 0 { call.buffer(col.valid)? } else { call.undefined()? });
        if col.parsed && kind != OUT_UTF8 {
            out.push(call.buffer(col.values)?);
            out.push(call.undefined()?);
        } else {
            out.push(call.buffer(col.offsets)?);
            out.push(call.buffer(col.bytes)?);
        }
    }
    call.js_array(out.len(), |i| Ok(out[i]))
}
