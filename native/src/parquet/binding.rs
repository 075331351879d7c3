//! The reader's Node-API functions (declared for TypeScript in engine/kernels/native-binding.ts):
//!
//! - `parquetOpen(footer: Uint8Array, fileSize: number)` → `["ok", handle, describeJson]`
//! - `parquetCheckIndex(handle, bytes)` → `["ok"]`: the page index range checked as arrow-rs decodes it
//! - `parquetReadChunk(handle, rowGroup, column, chunk: Uint8Array, limit: number)` →
//!   `["ok", nullCount, validity | null, a, b, c, rows]`: for fixed-width values `a` holds them; for
//!   text `a` the offsets and `b` the bytes; for a dictionary-encoded chunk `a` the indices, `b` the
//!   dictionary's offsets and `c` its bytes (ArrayBuffers over native memory, no copies;
//!   `undefined` where absent); `rows` the slots decoded: the row group's when `limit` reaches
//!   them, else only the pages that hold its first `limit` rows (a head scan).
//!
//! A file the reader refuses or cannot read returns `["corrupt" | "unsupported", message]` instead
//! of throwing, so the engine tells the two apart without parsing messages; a panic still throws
//! (napi.rs catches it) and the engine treats it as corrupt.

use super::column::Values;
use super::{ParquetError, ParquetFile};
use crate::napi::{Call, RawValue, Result, TypeTag};

const FILE_TAG: TypeTag = TypeTag { lower: 0x7365_6773_7472_6561, upper: 0x6d2d_7071_7472_0001 };

fn failure(call: &Call, e: ParquetError) -> Result<RawValue> {
    let (kind, message): (&[u8], String) = match e {
        ParquetError::Corrupt(m) => (b"corrupt", m),
        ParquetError::Unsupported(m) => (b"unsupported", m),
    };
    call.js_array(2, |i| if i == 0 { call.string(kind) } else { call.string(message.as_bytes()) })
}

pub fn parquet_open(call: &Call) -> Result<RawValue> {
    let footer = call.array::<u8>(0)?;
    let size = call.number(1)?;
    if !(size >= 0.0 && size.fract() == 0.0) {
        return Err(crate::napi::KernelError::Argument("fileSize must be a non-negative integer".into()));
    }
    match ParquetFile::open(footer, size as u64) {
        Ok(file) => {
            let json = file.describe();
            let handle = call.external_new(file, &FILE_TAG)?;
            let values = [call.string(b"ok")?, handle, call.string(json.as_bytes())?];
            call.js_array(3, |i| Ok(values[i]))
        }
        Err(e) => failure(call, e),
    }
}

/// `(handle, bytes)`: the page index range of `describe` checked → `["ok"]` or a failure.
pub fn parquet_check_index(call: &Call) -> Result<RawValue> {
    let file = call.external::<ParquetFile>(0, &FILE_TAG)?;
    let bytes = call.array::<u8>(1)?;
    match file.check_page_index(bytes) {
        Ok(()) => call.js_array(1, |_| call.string(b"ok")),
        Err(e) => failure(call, e),
    }
}

pub fn parquet_read_chunk(call: &Call) -> Result<RawValue> {
    let file = call.external::<ParquetFile>(0, &FILE_TAG)?;
    let group = call.index(1, usize::MAX >> 12)?;
    let column = call.index(2, usize::MAX >> 12)?;
    let bytes = call.array::<u8>(3)?;
    let limit = call.index(4, usize::MAX >> 12)?;
    let decoded = match file.read(group, column, bytes, limit) {
        Ok(d) => d,
        Err(e) => return failure(call, e),
    };
    let (a, b, c) = match decoded.values {
        Values::Fixed { data, .. } => (call.buffer(data)?, None, None),
        Values::Bytes { offsets, data } => (call.buffer(offsets)?, Some(call.buffer(data)?), None),
        Values::Dict { indices, dict_offsets, dict_data } => (call.buffer(indices)?, Some(call.buffer(dict_offsets)?), Some(call.buffer(dict_data)?)),
    };
    let values = [
        call.string(b"ok")?,
        call.double(decoded.null_count as f64)?,
        match decoded.validity {
            Some(v) => call.buffer(v)?,
            None => call.undefined()?,
        },
        a,
        match b {
            Some(v) => v,
            None => call.undefined()?,
        },
        match c {
            Some(v) => v,
            None => call.undefined()?,
        },
        call.double(decoded.rows as f64)?,
    ];
    call.js_array(values.len(), |i| Ok(values[i]))
}
