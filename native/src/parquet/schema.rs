//! The file's flat columns and the Arrow type each becomes — the types parquet-wasm (arrow-rs)
//! gives the same column, so both readers hand the parser the same kinds of vectors. A column this
//! reader cannot give that way (nested, BOOLEAN, TIME, INTERVAL, wide decimals, FLOAT16) carries
//! the reason, and a file that maps such a column goes to the reference reader.

use super::metadata::{Logical, SchemaElement};
use super::ParquetError;

pub const BOOLEAN: i32 = 0;
pub const INT32: i32 = 1;
pub const INT64: i32 = 2;
pub const INT96: i32 = 3;
pub const FLOAT: i32 = 4;
pub const DOUBLE: i32 = 5;
pub const BYTE_ARRAY: i32 = 6;
pub const FIXED_LEN_BYTE_ARRAY: i32 = 7;

/// The Arrow type of a column's vectors (names as engine/read/parquet-native.ts spells them).
#[derive(Clone, Debug, PartialEq)]
pub enum ArrowKind {
    Int32,
    UInt32,
    Int64,
    UInt64,
    Float32,
    Float64,
    Date32,
    /// unit: 0 ms, 1 us, 2 ns
    Timestamp { unit: u8, utc: bool },
    Decimal { precision: i32, scale: i32 },
    Utf8,
    Binary,
    FixedBinary(usize),
}

/// A top-level column of the file.
#[derive(Clone, Debug)]
pub struct Leaf {
    pub name: String,
    /// Index of its column chunk in each row group (None for a nested column: it has several).
    pub chunk: Option<usize>,
    pub physical: i32,
    /// Bytes per value of a fixed-width physical type (INT96 12, FLBA its length), else 0.
    pub width: usize,
    pub optional: bool,
    pub arrow: Result<ArrowKind, String>,
}

fn converted_logical(e: &SchemaElement) -> Logical {
    match e.converted {
        Some(0) | Some(4) | Some(19) => Logical::String,
        Some(5) => Logical::Decimal { scale: e.scale, precision: e.precision },
        Some(6) => Logical::Date,
        Some(7) | Some(8) => Logical::Time,
        Some(9) => Logical::Timestamp { utc: true, unit: 0 },
        Some(10) => Logical::Timestamp { utc: true, unit: 1 },
        Some(c @ 11..=14) => Logical::Integer { bits: 8 << (c - 11), signed: false },
        Some(c @ 15..=18) => Logical::Integer { bits: 8 << (c - 15), signed: true },
        Some(_) => Logical::Other,
        None => Logical::None,
    }
}

fn arrow_kind(e: &SchemaElement, physical: i32) -> Result<ArrowKind, String> {
    let logical = if e.logical == Logical::None { converted_logical(e) } else { e.logical.clone() };
    let other = |what: &str| Err(format!("{what} columns"));
    match (physical, logical) {
        (_, Logical::Decimal { precision, scale }) => {
            if !(1..=38).contains(&precision) || scale < 0 || scale > precision {
                return other("decimal(precision > 38)");
            }
            match physical {
                INT32 | INT64 | BYTE_ARRAY => Ok(ArrowKind::Decimal { precision, scale }),
                FIXED_LEN_BYTE_ARRAY if (1..=16).contains(&e.type_length) => Ok(ArrowKind::Decimal { precision, scale }),
                _ => other("decimal"),
            }
        }
        (_, Logical::Time) => other("TIME"),
        (_, Logical::Float16) => other("FLOAT16"),
        (INT32, Logical::Date) => Ok(ArrowKind::Date32),
        (INT32, Logical::Integer { signed: false, .. }) => Ok(ArrowKind::UInt32),
        (INT32, Logical::None | Logical::Integer { .. }) => Ok(ArrowKind::Int32),
        (INT64, Logical::Timestamp { unit, utc }) => Ok(ArrowKind::Timestamp { unit, utc }),
        (INT64, Logical::Integer { signed: false, .. }) => Ok(ArrowKind::UInt64),
        (INT64, Logical::None | Logical::Integer { .. }) => Ok(ArrowKind::Int64),
        (INT96, Logical::None) => Ok(ArrowKind::Timestamp { unit: 2, utc: false }),
        (FLOAT, Logical::None) => Ok(ArrowKind::Float32),
        (DOUBLE, Logical::None) => Ok(ArrowKind::Float64),
        (BYTE_ARRAY, Logical::String) => Ok(ArrowKind::Utf8),
        (BYTE_ARRAY, Logical::None | Logical::Other) => Ok(ArrowKind::Binary),
        (FIXED_LEN_BYTE_ARRAY, Logical::None | Logical::Other) if e.type_length > 0 => Ok(ArrowKind::FixedBinary(e.type_length as usize)),
        (BOOLEAN, _) => other("BOOLEAN"),
        _ => other("this logical type of"),
    }
}

/// The top-level columns of a schema (its elements in depth-first order, the root first).
pub fn leaves(schema: &[SchemaElement]) -> Result<Vec<Leaf>, ParquetError> {
    let root = schema.first().ok_or_else(|| ParquetError::Corrupt("an empty schema".into()))?;
    let corrupt = || ParquetError::Corrupt("a schema whose children do not add up".into());
    let fields = usize::try_from(root.num_children).map_err(|_| corrupt())?;
    let mut out = Vec::with_capacity(fields.min(schema.len()));
    let mut at = 1usize;
    let mut chunk = 0usize;
    for _ in 0..fields {
        let e = schema.get(at).ok_or_else(corrupt)?;
        // A group: count the elements and leaves under it (they are skipped, not read).
        let (mut pending, mut leaves_under, mut end) = (e.num_children.max(0) as usize, 0usize, at + 1);
        if e.num_children > 0 {
            while pending > 0 {
                let c = schema.get(end).ok_or_else(corrupt)?;
                pending -= 1;
                if c.num_children > 0 {
                    pending = pending.checked_add(c.num_children as usize).ok_or_else(corrupt)?;
                } else {
                    leaves_under += 1;
                }
                end += 1;
            }
        }
        let nested = e.num_children > 0 || e.repetition == 2;
        let physical = e.physical.unwrap_or(-1);
        let width = match physical {
            INT32 | FLOAT => 4,
            INT64 | DOUBLE => 8,
            INT96 => 12,
            FIXED_LEN_BYTE_ARRAY => e.type_length.max(0) as usize,
            _ => 0,
        };
        let arrow = if nested { Err("nested columns".to_string()) } else if e.physical.is_none() { Err("columns without a type".to_string()) } else { arrow_kind(e, physical) };
        out.push(Leaf { name: e.name.clone(), chunk: if e.num_children > 0 { None } else { Some(chunk) }, physical, width, optional: e.repetition == 1, arrow });
        chunk += if e.num_children > 0 { leaves_under } else { 1 };
        at = end;
    }
    if at != schema.len() {
        return Err(corrupt());
    }
    Ok(out)
}
