//! A Parquet reader for flat schemas: the footer (`metadata`, over a hand-written Thrift compact
//! protocol in `thrift`), the columns and their Arrow types (`schema`), page decompression
//! (`codec`), the encodings (`encoding`) and one column chunk into Arrow buffers (`column`).
//! `binding` exposes it to engine/read/parquet-native.ts.
//!
//! Errors are of two kinds, and the engine treats them differently: `Corrupt` (the bytes
//! contradict themselves: the file is refused, as the reference reader refuses it) and
//! `Unsupported` (valid Parquet this reader does not decode: a codec, an encoding, a nested column;
//! the file goes to parquet-wasm instead).

pub mod binding;
mod codec;
mod column;
mod encoding;
mod metadata;
mod schema;
mod thrift;

use metadata::FileMetaData;
use schema::{ArrowKind, Leaf};

#[derive(Debug)]
pub enum ParquetError {
    Corrupt(String),
    Unsupported(String),
}

/// An opened file: its footer and top-level columns.
pub struct ParquetFile {
    meta: FileMetaData,
    leaves: Vec<Leaf>,
    /// The byte range `[start, end)` of the file that holds every page index, when there is one.
    index: Option<(u64, u64)>,
}

/// `"` and `\` and control characters escaped for a JSON string.
fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn arrow_json(kind: &ArrowKind) -> String {
    match kind {
        ArrowKind::Int32 => r#"{"type":"int32"}"#.into(),
        ArrowKind::UInt32 => r#"{"type":"uint32"}"#.into(),
        ArrowKind::Int64 => r#"{"type":"int64"}"#.into(),
        ArrowKind::UInt64 => r#"{"type":"uint64"}"#.into(),
        ArrowKind::Float32 => r#"{"type":"float32"}"#.into(),
        ArrowKind::Float64 => r#"{"type":"float64"}"#.into(),
        ArrowKind::Date32 => r#"{"type":"date32"}"#.into(),
        ArrowKind::Timestamp { unit, utc } => format!(r#"{{"type":"timestamp","unit":{unit},"utc":{utc}}}"#),
        ArrowKind::Decimal { precision, scale } => format!(r#"{{"type":"decimal","precision":{precision},"scale":{scale}}}"#),
        ArrowKind::Utf8 => r#"{"type":"utf8"}"#.into(),
        ArrowKind::Binary => r#"{"type":"binary"}"#.into(),
        ArrowKind::FixedBinary(w) => format!(r#"{{"type":"fixed","width":{w}}}"#),
    }
}

impl ParquetFile {
    /// Parses the footer of a file of `file_size` bytes whose metadata is `footer` (the bytes
    /// before the final length and magic), and checks every column chunk lies inside the file.
    pub fn open(footer: &[u8], file_size: u64) -> Result<Self, ParquetError> {
        let meta = metadata::parse_file_metadata(footer)?;
        let leaves = schema::leaves(&meta.schema)?;
        let chunks = leaves.iter().filter(|l| l.chunk.is_some()).count() + leaves.iter().filter(|l| l.chunk.is_none()).count();
        let data_end = file_size.saturating_sub(footer.len() as u64 + 8);
        let mut rows = 0i64;
        for g in &meta.row_groups {
            if g.columns.len() < chunks.min(leaves.len()) {
                return Err(ParquetError::Corrupt("a row group with fewer column chunks than the schema has columns".into()));
            }
            for leaf in &leaves {
                let Some(c) = leaf.chunk.and_then(|i| g.columns.get(i)) else { continue };
                let start = c.start();
                if start < 4 || (start as u64).checked_add(c.total_compressed_size as u64).is_none_or(|end| end > data_end) {
                    return Err(ParquetError::Corrupt("a column chunk outside the file".into()));
                }
            }
            if g.num_rows > i64::from(i32::MAX) {
                return Err(ParquetError::Unsupported("row groups of more than 2^31 rows".into()));
            }
            rows = rows.checked_add(g.num_rows).ok_or_else(|| ParquetError::Corrupt("row counts overflow".into()))?;
        }
        if rows != meta.num_rows {
            return Err(ParquetError::Corrupt("row groups whose rows do not add up to the file's".into()));
        }
        // The page index (written by arrow-rs, read by the reference) must lie inside the file.
        let mut index: Option<(u64, u64)> = None;
        for c in meta.row_groups.iter().flat_map(|g| &g.columns) {
            for (at, len) in [c.column_index, c.offset_index].into_iter().flatten() {
                let (at, len) = (u64::try_from(at), u64::try_from(len));
                let (Ok(at), Ok(len)) = (at, len) else { return Err(ParquetError::Corrupt("a page index at a negative offset".into())) };
                let end = at.checked_add(len).filter(|&e| e <= data_end).ok_or_else(|| ParquetError::Corrupt("a page index outside the file".into()))?;
                index = Some(index.map_or((at, end), |(s, e)| (s.min(at), e.max(end))));
            }
        }
        Ok(ParquetFile { meta, leaves, index })
    }

    /// What engine/read/parquet-native.ts needs, as JSON: the columns with their Arrow types (or
    /// why not), and per row group its rows and each column's chunk (start, length).
    pub fn describe(&self) -> String {
        let mut s = String::from(r#"{"columns":["#);
        for (i, l) in self.leaves.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(r#"{"name":"#);
            json_string(&l.name, &mut s);
            match &l.arrow {
                Ok(kind) => {
                    s.push_str(r#","arrow":"#);
                    s.push_str(&arrow_json(kind));
                }
                Err(why) => {
                    s.push_str(r#","unsupported":"#);
                    json_string(why, &mut s);
                }
            }
            s.push('}');
        }
        s.push_str(r#"],"rowGroups":["#);
        for (gi, g) in self.meta.row_groups.iter().enumerate() {
            if gi > 0 {
                s.push(',');
            }
            s.push_str(&format!(r#"{{"rows":{},"chunks":["#, g.num_rows));
            for (li, l) in self.leaves.iter().enumerate() {
                if li > 0 {
                    s.push(',');
                }
                match l.chunk.and_then(|i| g.columns.get(i)) {
                    Some(c) => s.push_str(&format!("[{},{}]", c.start(), c.total_compressed_size)),
                    None => s.push_str("null"),
                }
            }
            s.push_str("]}");
        }
        s.push(']');
        if let Some((start, end)) = self.index {
            s.push_str(&format!(r#","pageIndex":[{start},{end}]"#));
        }
        if let Some(a) = &self.meta.arrow_schema {
            s.push_str(r#","arrowSchema":"#);
            json_string(a, &mut s);
        }
        s.push('}');
        s
    }

    /// Checks every page index entry in `bytes`, the file's range `describe` gives as `pageIndex`.
    pub fn check_page_index(&self, bytes: &[u8]) -> Result<(), ParquetError> {
        let Some((start, end)) = self.index else { return Ok(()) };
        if bytes.len() as u64 != end - start {
            return Err(ParquetError::Corrupt("a page index range of the wrong length".into()));
        }
        for c in self.meta.row_groups.iter().flat_map(|g| &g.columns) {
            // Only the column index: the reference does not decode the offset index when it opens a file.
            for (entry, offset_index) in [(c.column_index, false)] {
                let Some((at, len)) = entry else { continue };
                let from = (at as u64 - start) as usize;
                metadata::check_page_index(&bytes[from..from + len as usize], offset_index).map_err(|e| match e {
                    ParquetError::Corrupt(m) => ParquetError::Corrupt(format!("{} index: {m}", if offset_index { "offset" } else { "column" })),
                    other => other,
                })?;
            }
        }
        Ok(())
    }

    /// Column `leaf` of row group `group`, from `bytes` (its chunk: `describe`'s start and length):
    /// every row, or the pages that hold its first `limit` rows (column.rs `decode_chunk`).
    pub fn read(&self, group: usize, leaf: usize, bytes: &[u8], limit: usize) -> Result<column::Decoded, ParquetError> {
        let g = self.meta.row_groups.get(group).ok_or_else(|| ParquetError::Corrupt("no such row group".into()))?;
        let l = self.leaves.get(leaf).ok_or_else(|| ParquetError::Corrupt("no such column".into()))?;
        let c = l.chunk.and_then(|i| g.columns.get(i)).ok_or_else(|| ParquetError::Unsupported("nested columns".into()))?;
        if bytes.len() as i64 != c.total_compressed_size {
            return Err(ParquetError::Corrupt("a column chunk of the wrong length".into()));
        }
        column::decode_chunk(bytes, c, l, g.num_rows as usize, limit)
    }
}
