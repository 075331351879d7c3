//! Parquet's footer (`FileMetaData`) and page headers, decoded from the Thrift compact protocol
//! into the few fields the reader uses; every other field is skipped. Field ids are those of
//! parquet-format's `parquet.thrift`.

use super::thrift::{Field, Reader, STRUCT};
use super::ParquetError;

fn corrupt(what: &str) -> ParquetError {
    ParquetError::Corrupt(what.to_string())
}

/// Fails unless every field id in `ids` was seen (bit `id` of `seen`): arrow-rs refuses a struct
/// without its required fields, so this reader does too.
fn require(seen: u64, ids: &[u32], what: &str) -> Result<(), ParquetError> {
    if ids.iter().all(|&id| seen & (1 << id) != 0) {
        Ok(())
    } else {
        Err(corrupt(&format!("{what} without a required field")))
    }
}

fn mark(seen: &mut u64, id: i16) {
    if (0..64).contains(&id) {
        *seen |= 1 << id;
    }
}

/// A union (LogicalType, TimeUnit, ColumnOrder) holds exactly one member, as arrow-rs requires.
fn one_member(members: u32, what: &str) -> Result<(), ParquetError> {
    if members == 1 {
        Ok(())
    } else {
        Err(corrupt(&format!("a {what} union with {members} members")))
    }
}

/// `LogicalType` union members the reader understands; the rest are `Other`.
#[derive(Clone, Debug, PartialEq)]
pub enum Logical {
    None,
    String,
    Decimal { scale: i32, precision: i32 },
    Date,
    Time,
    /// unit: 0 ms, 1 us, 2 ns
    Timestamp { utc: bool, unit: u8 },
    Integer { bits: u8, signed: bool },
    Float16,
    Other,
}

#[derive(Clone, Debug)]
pub struct SchemaElement {
    pub physical: Option<i32>,
    pub type_length: i32,
    pub repetition: i32,
    pub name: String,
    pub num_children: i32,
    pub converted: Option<i32>,
    pub scale: i32,
    pub precision: i32,
    pub logical: Logical,
}

#[derive(Clone, Debug)]
pub struct ColumnChunk {
    /// Where its ColumnIndex and OffsetIndex lie in the file (offset, length), when written.
    pub column_index: Option<(i64, i32)>,
    pub offset_index: Option<(i64, i32)>,
    pub physical: i32,
    pub codec: i32,
    pub num_values: i64,
    pub total_compressed_size: i64,
    pub data_page_offset: i64,
    pub dictionary_page_offset: Option<i64>,
}

impl ColumnChunk {
    /// Byte range of the chunk in the file: from its first page (the dictionary's when it comes first).
    pub fn start(&self) -> i64 {
        match self.dictionary_page_offset {
            Some(d) if d > 0 && d < self.data_page_offset => d,
            _ => self.data_page_offset,
        }
    }
}

#[derive(Clone, Debug)]
pub struct RowGroup {
    pub num_rows: i64,
    pub columns: Vec<ColumnChunk>,
}

#[derive(Clone, Debug)]
pub struct FileMetaData {
    pub schema: Vec<SchemaElement>,
    pub num_rows: i64,
    pub row_groups: Vec<RowGroup>,
    /// The `ARROW:schema` key-value entry (base64 of an Arrow IPC schema message), as Arrow writers leave it.
    pub arrow_schema: Option<String>,
}

fn parse_unit(r: &mut Reader) -> Result<u8, ParquetError> {
    // TimeUnit union { 1: MILLIS, 2: MICROS, 3: NANOS }, each an empty struct.
    let mut last = 0;
    let mut unit = None;
    let mut members = 0;
    while let Some(f) = r.field(&mut last)? {
        members += 1;
        if (1..=3).contains(&f.id) && f.kind == STRUCT {
            unit = Some((f.id - 1) as u8);
        }
        r.skip(f.kind)?;
    }
    one_member(members, "time unit")?;
    unit.ok_or_else(|| corrupt("a time unit without a member"))
}

fn parse_logical(r: &mut Reader) -> Result<Logical, ParquetError> {
    let mut last = 0;
    let mut out = Logical::Other;
    let mut members = 0;
    while let Some(f) = r.field(&mut last)? {
        members += 1;
        if f.kind != STRUCT {
            r.skip(f.kind)?;
            continue;
        }
        out = match f.id {
            // STRING, ENUM, JSON: text
            1 | 4 | 12 => {
                r.skip(f.kind)?;
                Logical::String
            }
            5 => {
                let (mut scale, mut precision, mut l, mut seen) = (0, 0, 0, 0u64);
                while let Some(g) = r.field(&mut l)? {
                    mark(&mut seen, g.id);
                    match (g.id, g.kind) {
                        (1, _) => scale = r.i32()?,
                        (2, _) => precision = r.i32()?,
                        _ => r.skip(g.kind)?,
                    }
                }
                require(seen, &[1, 2], "a decimal type")?;
                Logical::Decimal { scale, precision }
            }
            6 => {
                r.skip(f.kind)?;
                Logical::Date
            }
            7 => {
                r.skip(f.kind)?;
                Logical::Time
            }
            8 => {
                let (mut utc, mut unit, mut l) = (false, None, 0);
                while let Some(g) = r.field(&mut l)? {
                    match (g.id, g.kind) {
                        (1, k) if k == super::thrift::BOOL_TRUE || k == super::thrift::BOOL_FALSE => utc = r.bool(k)?,
                        (2, _) => unit = Some(parse_unit(r)?),
                        _ => r.skip(g.kind)?,
                    }
                }
                Logical::Timestamp { utc, unit: unit.ok_or_else(|| corrupt("a timestamp without a unit"))? }
            }
            10 => {
                let (mut bits, mut signed, mut l) = (0u8, true, 0);
                while let Some(g) = r.field(&mut l)? {
                    match (g.id, g.kind) {
                        (1, _) => bits = r.binary_byte()?,
                        (2, k) if k == super::thrift::BOOL_TRUE || k == super::thrift::BOOL_FALSE => signed = r.bool(k)?,
                        _ => r.skip(g.kind)?,
                    }
                }
                Logical::Integer { bits, signed }
            }
            15 => {
                r.skip(f.kind)?;
                Logical::Float16
            }
            _ => {
                r.skip(f.kind)?;
                Logical::Other
            }
        };
    }
    one_member(members, "logical type")?;
    Ok(out)
}

fn parse_schema_element(r: &mut Reader) -> Result<SchemaElement, ParquetError> {
    let mut e = SchemaElement { physical: None, type_length: 0, repetition: 0, name: String::new(), num_children: 0, converted: None, scale: 0, precision: 0, logical: Logical::None };
    let mut last = 0;
    let mut seen = 0u64;
    while let Some(Field { id, kind }) = r.field(&mut last)? {
        mark(&mut seen, id);
        match (id, kind) {
            (1, _) => e.physical = Some(r.i32()?),
            (2, _) => e.type_length = r.i32()?,
            (3, _) => e.repetition = r.i32()?,
            (4, _) => e.name = r.string()?,
            (5, _) => e.num_children = r.i32()?,
            (6, _) => e.converted = Some(r.i32()?),
            (7, _) => e.scale = r.i32()?,
            (8, _) => e.precision = r.i32()?,
            (10, _) => e.logical = parse_logical(r)?,
            _ => r.skip(kind)?,
        }
    }
    require(seen, &[4], "a schema element")?;
    Ok(e)
}

fn parse_column_meta(r: &mut Reader) -> Result<ColumnChunk, ParquetError> {
    let mut c = ColumnChunk { column_index: None, offset_index: None, physical: -1, codec: -1, num_values: -1, total_compressed_size: -1, data_page_offset: -1, dictionary_page_offset: None };
    let mut last = 0;
    let mut seen = 0u64;
    while let Some(Field { id, kind }) = r.field(&mut last)? {
        mark(&mut seen, id);
        match (id, kind) {
            (1, _) => c.physical = r.i32()?,
            (3, _) => string_list(r)?,
            (13, _) => encoding_stats(r)?,
            (8, _) => key_values(r, |_, _| ())?,
            (4, _) => c.codec = r.i32()?,
            (5, _) => c.num_values = r.i64()?,
            (7, _) => c.total_compressed_size = r.i64()?,
            (9, _) => c.data_page_offset = r.i64()?,
            (11, _) => c.dictionary_page_offset = Some(r.i64()?),
            _ => r.skip(kind)?,
        }
    }
    require(seen, &[1, 2, 3, 4, 5, 6, 7, 9], "column metadata")?;
    if c.physical < 0 || c.codec < 0 || c.num_values < 0 || c.total_compressed_size < 0 || c.data_page_offset < 0 {
        return Err(corrupt("a column chunk without its required fields"));
    }
    Ok(c)
}

fn parse_column_chunk(r: &mut Reader) -> Result<ColumnChunk, ParquetError> {
    let mut meta: Option<ColumnChunk> = None;
    let mut external = false;
    let (mut oi_at, mut oi_len, mut ci_at, mut ci_len) = (None, None, None, None);
    let mut last = 0;
    let mut seen = 0u64;
    while let Some(Field { id, kind }) = r.field(&mut last)? {
        mark(&mut seen, id);
        match (id, kind) {
            (1, _) => {
                r.string()?;
                external = true;
            }
            (3, _) => meta = Some(parse_column_meta(r)?),
            (4, _) => oi_at = Some(r.i64()?),
            (5, _) => oi_len = Some(r.i32()?),
            (6, _) => ci_at = Some(r.i64()?),
            (7, _) => ci_len = Some(r.i32()?),
            _ => r.skip(kind)?,
        }
    }
    require(seen, &[2], "a column chunk")?;
    if external {
        return Err(ParquetError::Unsupported("column chunks in another file".into()));
    }
    let mut meta = meta.ok_or_else(|| ParquetError::Unsupported("a column chunk without metadata (encrypted?)".into()))?;
    meta.offset_index = oi_at.zip(oi_len);
    meta.column_index = ci_at.zip(ci_len);
    Ok(meta)
}

/// `list<PageEncodingStats>`: page type, encoding and count, all required.
fn encoding_stats(r: &mut Reader) -> Result<(), ParquetError> {
    // Elements are read as the field declares them, whatever type the list header names (as arrow-rs).
    let (_, n) = r.list()?;
    for _ in 0..n {
        let (mut seen, mut l) = (0u64, 0);
        while let Some(Field { id, kind }) = r.field(&mut l)? {
            mark(&mut seen, id);
            r.skip(kind)?;
        }
        require(seen, &[1, 2, 3], "page encoding stats")?;
    }
    Ok(())
}

/// `list<SortingColumn>`: column index, descending, nulls first, all required.
fn sorting_columns(r: &mut Reader) -> Result<(), ParquetError> {
    // Elements are read as the field declares them, whatever type the list header names (as arrow-rs).
    let (_, n) = r.list()?;
    for _ in 0..n {
        let (mut seen, mut l) = (0u64, 0);
        while let Some(Field { id, kind }) = r.field(&mut l)? {
            mark(&mut seen, id);
            r.skip(kind)?;
        }
        require(seen, &[1, 2, 3], "a sorting column")?;
    }
    Ok(())
}

/// `list<ColumnOrder>`: each a union of exactly one member.
fn column_orders(r: &mut Reader) -> Result<(), ParquetError> {
    // Elements are read as the field declares them, whatever type the list header names (as arrow-rs).
    let (_, n) = r.list()?;
    for _ in 0..n {
        let (mut members, mut l) = (0, 0);
        while let Some(Field { kind, .. }) = r.field(&mut l)? {
            members += 1;
            r.skip(kind)?;
        }
        one_member(members, "column order")?;
    }
    Ok(())
}

/// A `list<string>`, each element checked to be UTF-8 (as arrow-rs reads Thrift strings).
fn string_list(r: &mut Reader) -> Result<(), ParquetError> {
    // Elements are read as the field declares them, whatever type the list header names (as arrow-rs).
    let (_, n) = r.list()?;
    for _ in 0..n {
        r.string()?;
    }
    Ok(())
}

/// A `list<KeyValue>` (key and value Thrift strings, so UTF-8), each pair handed to `each`.
fn key_values(r: &mut Reader, mut each: impl FnMut(String, Option<String>)) -> Result<(), ParquetError> {
    // Elements are read as the field declares them, whatever type the list header names (as arrow-rs).
    let (_, n) = r.list()?;
    for _ in 0..n {
        let (mut key, mut value, mut l) = (None, None, 0);
        while let Some(Field { id, kind }) = r.field(&mut l)? {
            match (id, kind) {
                (1, _) => key = Some(r.string()?),
                (2, _) => value = Some(r.string()?),
                _ => r.skip(kind)?,
            }
        }
        each(key.ok_or_else(|| corrupt("a key-value pair without its key"))?, value);
    }
    Ok(())
}

fn parse_row_group(r: &mut Reader) -> Result<RowGroup, ParquetError> {
    let mut g = RowGroup { num_rows: -1, columns: Vec::new() };
    let mut last = 0;
    let mut seen = 0u64;
    while let Some(Field { id, kind }) = r.field(&mut last)? {
        mark(&mut seen, id);
        match (id, kind) {
            (4, _) => sorting_columns(r)?,
            (1, _) => {
                // Elements are read as the field declares them, whatever type the list header names (as arrow-rs).
                let (_, n) = r.list()?;
                for _ in 0..n {
                    g.columns.push(parse_column_chunk(r)?);
                }
            }
            (3, _) => g.num_rows = r.i64()?,
            _ => r.skip(kind)?,
        }
    }
    require(seen, &[1, 2, 3], "a row group")?;
    if g.num_rows < 0 {
        return Err(corrupt("a row group without a row count"));
    }
    Ok(g)
}

/// The footer's `FileMetaData`.
pub fn parse_file_metadata(bytes: &[u8]) -> Result<FileMetaData, ParquetError> {
    let mut r = Reader::new(bytes);
    let mut m = FileMetaData { schema: Vec::new(), num_rows: -1, row_groups: Vec::new(), arrow_schema: None };
    let mut last = 0;
    let mut seen = 0u64;
    while let Some(Field { id, kind }) = r.field(&mut last)? {
        mark(&mut seen, id);
        match (id, kind) {
            (7, _) => column_orders(&mut r)?,
            (2, _) => {
                // Elements are read as the field declares them, whatever type the list header names (as arrow-rs).
                let (_, n) = r.list()?;
                for _ in 0..n {
                    m.schema.push(parse_schema_element(&mut r)?);
                }
            }
            (3, _) => m.num_rows = r.i64()?,
            (5, _) => key_values(&mut r, |k, v| {
                if k == "ARROW:schema" {
                    m.arrow_schema = v;
                }
            })?,
            (6, _) => {
                r.string()?; // created_by
            }
            (4, _) => {
                // Elements are read as the field declares them, whatever type the list header names (as arrow-rs).
                let (_, n) = r.list()?;
                for _ in 0..n {
                    m.row_groups.push(parse_row_group(&mut r)?);
                }
            }
            _ => r.skip(kind)?,
        }
    }
    require(seen, &[1, 2, 3, 4], "file metadata")?;
    if m.schema.is_empty() || m.num_rows < 0 {
        return Err(corrupt("a footer without a schema or a row count"));
    }
    Ok(m)
}

pub const PAGE_DATA: i32 = 0;
pub const PAGE_DICTIONARY: i32 = 2;
pub const PAGE_DATA_V2: i32 = 3;

#[derive(Debug, Default)]
pub struct PageHeader {
    pub kind: i32,
    pub uncompressed_size: i32,
    pub compressed_size: i32,
    pub num_values: i32,
    pub encoding: i32,
    /// v2 only: the level bytes (stored uncompressed before the values) and the compression flag.
    pub num_nulls: i32,
    pub def_levels_len: i32,
    pub rep_levels_len: i32,
    pub is_compressed: bool,
}

fn parse_page_detail(r: &mut Reader, h: &mut PageHeader, v2: bool, dictionary: bool) -> Result<(), ParquetError> {
    let mut last = 0;
    let mut seen = 0u64;
    while let Some(Field { id, kind }) = r.field(&mut last)? {
        mark(&mut seen, id);
        match (v2, id, kind) {
            (_, 1, _) => h.num_values = r.i32()?,
            (false, 2, _) | (true, 4, _) => h.encoding = r.i32()?,
            (true, 2, _) => h.num_nulls = r.i32()?,
            (true, 5, _) => h.def_levels_len = r.i32()?,
            (true, 6, _) => h.rep_levels_len = r.i32()?,
            (true, 7, k) if k == super::thrift::BOOL_TRUE || k == super::thrift::BOOL_FALSE => h.is_compressed = r.bool(k)?,
            _ => r.skip(kind)?,
        }
    }
    match (v2, dictionary) {
        (true, _) => require(seen, &[1, 2, 3, 4, 5, 6], "a data page v2 header"),
        (false, true) => require(seen, &[1, 2], "a dictionary page header"),
        (false, false) => require(seen, &[1, 2, 3, 4], "a data page header"),
    }
}

/// A page header at the start of `bytes`; returns it and its length in bytes.
pub fn parse_page_header(bytes: &[u8]) -> Result<(PageHeader, usize), ParquetError> {
    let mut r = Reader::new(bytes);
    let mut h = PageHeader { kind: -1, uncompressed_size: -1, compressed_size: -1, is_compressed: true, ..Default::default() };
    let mut last = 0;
    while let Some(Field { id, kind }) = r.field(&mut last)? {
        match (id, kind) {
            (1, _) => h.kind = r.i32()?,
            (2, _) => h.uncompressed_size = r.i32()?,
            (3, _) => h.compressed_size = r.i32()?,
            (5, _) => parse_page_detail(&mut r, &mut h, false, false)?,
            (7, _) => parse_page_detail(&mut r, &mut h, false, true)?,
            (8, _) => parse_page_detail(&mut r, &mut h, true, false)?,
            _ => r.skip(kind)?,
        }
    }
    if h.kind < 0 || h.uncompressed_size < 0 || h.compressed_size < 0 || h.num_values < 0 || h.def_levels_len < 0 || h.rep_levels_len < 0 || h.num_nulls < 0 {
        return Err(corrupt("a page header with missing or negative sizes"));
    }
    Ok((h, r.pos))
}

fn required(present: bool, what: &str) -> Result<(), ParquetError> {
    if present {
        Ok(())
    } else {
        Err(corrupt(&format!("a page index without its {what}")))
    }
}

/// Checks a `ColumnIndex` (kind 0) or an `OffsetIndex` (kind 1) as arrow-rs decodes them when it
/// loads the page index: the required fields are there and the boundary order is a known one. The
/// reader uses neither; a file whose index does not decode is refused as the reference refuses it.
pub fn check_page_index(bytes: &[u8], offset_index: bool) -> Result<(), ParquetError> {
    let mut r = Reader::new(bytes);
    let mut seen = [false; 5];
    let mut last = 0;
    while let Some(Field { id, kind }) = r.field(&mut last)? {
        match (offset_index, id, kind) {
            (false, 4, _) => {
                if !(0..=2).contains(&r.i32()?) {
                    return Err(corrupt("a column index with an unknown boundary order"));
                }
                seen[4] = true;
            }
            (true, 1, _) => {
                // Elements are read as the field declares them, whatever type the list header names (as arrow-rs).
                let (_, n) = r.list()?;
                for _ in 0..n {
                    let mut has = [false; 4];
                    let mut l = 0;
                    while let Some(g) = r.field(&mut l)? {
                        match (g.id, g.kind) {
                            (1, _) | (3, _) => {
                                r.i64()?;
                                has[g.id as usize] = true;
                            }
                            (2, _) => {
                                r.i32()?;
                                has[2] = true;
                            }
                            _ => r.skip(g.kind)?,
                        }
                    }
                    required(has[1] && has[2] && has[3], "page locations")?;
                }
                seen[1] = true;
            }
            (false, 1..=3, _) => {
                r.skip(kind)?;
                seen[id as usize] = true;
            }
            _ => r.skip(kind)?,
        }
    }
    if offset_index {
        required(seen[1], "page locations")
    } else {
        required(seen[1] && seen[2] && seen[3] && seen[4], "null pages, bounds or boundary order")
    }
}
