//! A batch of scanned rows as columns. Every selected field keeps its text (Arrow Utf8: offsets,
//! bytes, validity); a column whose mode parses values also keeps them as numbers while every
//! row's value takes the fast path (values.rs). When a batch is taken, a column whose values
//! all parsed goes out as numbers, any other as its text, for the TypeScript parser to judge.

use super::values::{id_int, money, TsRule};

/// How a column's values are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Text only (the TypeScript parser reads it).
    Text,
    /// A customer or order id: integers when every id of the batch is a canonical integer.
    Id,
    /// A timestamp by a rule, as epoch milliseconds.
    Ts(TsRule),
    /// Money under a decimal point.
    Money,
}

impl Mode {
    /// The mode of a code from engine/read/csv-native.ts (`MODES`; a timestamp carries its rule).
    pub fn from_code(code: u8) -> Option<Mode> {
        Some(match code {
            0 => Mode::Text,
            1 => Mode::Id,
            2 => Mode::Money,
            10..=14 => Mode::Ts(TsRule::from_code(code - 10)?),
            _ => return None,
        })
    }
}

/// One column of a batch.
pub struct Column {
    pub mode: Mode,
    /// Arrow Utf8 offsets (rows + 1 of them) and bytes.
    pub offsets: Vec<i32>,
    pub bytes: Vec<u8>,
    /// Validity bitmap, LSB first (Arrow's); a null is an empty unquoted field or a malformed row.
    /// Kept only from the batch's first null on (`nulls > 0`): a batch without nulls has none.
    pub valid: Vec<u8>,
    pub nulls: usize,
    /// The parsed values while `parsed` holds: i64 for ids and timestamps, f64 bits for money.
    pub values: Vec<i64>,
    pub parsed: bool,
}

/// What kind of buffers a taken column carries (engine/read/csv-native.ts reads these codes).
pub const OUT_UTF8: i32 = 0;
pub const OUT_INT64: i32 = 1;
pub const OUT_TIMESTAMP_MS: i32 = 2;
pub const OUT_FLOAT64: i32 = 3;
/// Text that is not valid UTF-8: decoded by JavaScript, with its replacement characters.
pub const OUT_BYTES: i32 = 4;

impl Column {
    pub fn new(mode: Mode, capacity: usize) -> Column {
        let mut offsets = Vec::with_capacity(capacity + 1);
        offsets.push(0);
        Column {
            mode,
            offsets,
            bytes: Vec::new(),
            valid: Vec::new(),
            nulls: 0,
            values: Vec::with_capacity(if mode == Mode::Text { 0 } else { capacity }),
            parsed: mode != Mode::Text,
        }
    }

    /// Marks row `row` valid in the bitmap, which exists only once a null has been seen.
    #[inline]
    fn set_valid(&mut self, row: usize) {
        if self.nulls == 0 {
            return;
        }
        if row.is_multiple_of(8) {
            self.valid.push(0);
        }
        *self.valid.last_mut().expect("a validity byte per 8 rows") |= 1 << (row % 8);
    }

    /// Marks row `row` null, first writing the bitmap of the rows before it (all valid).
    fn set_null(&mut self, row: usize) {
        if self.nulls == 0 {
            self.valid.clear();
            self.valid.resize(row / 8, 0xff);
            if !row.is_multiple_of(8) {
                self.valid.push((1u8 << (row % 8)) - 1);
            }
        }
        self.nulls += 1;
        if row.is_multiple_of(8) {
            self.valid.push(0);
        }
    }

    /// Appends a null at row `row`.
    pub fn push_null(&mut self, row: usize) {
        self.set_null(row);
        self.offsets.push(self.bytes.len() as i32);
        if self.parsed {
            self.values.push(0);
        }
    }

    /// Appends the text `buf[start..end]` at row `row` (unescaping `""` when `escaped`) and parses it by the mode.
    #[inline]
    pub fn push(&mut self, row: usize, buf: &[u8], start: usize, end: usize, escaped: bool) {
        self.set_valid(row);
        let from = self.bytes.len();
        if escaped {
            super::scanner::unescape_into(&buf[start..end], &mut self.bytes);
        } else {
            append(&mut self.bytes, buf, start, end);
        }
        self.offsets.push(self.bytes.len() as i32);
        if !self.parsed {
            return;
        }
        let text = if escaped { &self.bytes[from..] } else { &buf[start..end] };
        let value = match self.mode {
            Mode::Text => None,
            Mode::Id => id_int(text),
            Mode::Ts(rule) => rule.parse(text),
            Mode::Money => money(text).map(|v| v.to_bits() as i64),
        };
        match value {
            Some(v) => self.values.push(v),
            None => {
                self.parsed = false;
                self.values = Vec::new();
            }
        }
    }

    /// The output kind of this column once its batch is complete.
    pub fn out_kind(&self) -> i32 {
        if self.parsed {
            return match self.mode {
                Mode::Id => OUT_INT64,
                Mode::Ts(_) => OUT_TIMESTAMP_MS,
                Mode::Money => OUT_FLOAT64,
                Mode::Text => OUT_UTF8,
            };
        }
        if std::str::from_utf8(&self.bytes).is_ok() {
            OUT_UTF8
        } else {
            OUT_BYTES
        }
    }
}

/// Appends `buf[start..end]` to `out`. Most fields are a few bytes: copying a fixed 16 (when `buf`
/// has them) is one load and one store, where `extend_from_slice` calls memcpy for each.
#[inline]
fn append(out: &mut Vec<u8>, buf: &[u8], start: usize, end: usize) {
    let n = end - start;
    if n <= 16 && start + 16 <= buf.len() {
        out.reserve(16);
        let len = out.len();
        // SAFETY: `reserve(16)` leaves room for 16 bytes after `len`; `buf` holds the 16 read
        // (checked above); the regions cannot overlap (`out` owns its allocation); `set_len`
        // covers only the `n <= 16` bytes of the field, all of them written.
        unsafe {
            std::ptr::copy_nonoverlapping(buf.as_ptr().add(start), out.as_mut_ptr().add(len), 16);
            out.set_len(len + n);
        }
    } else {
        out.extend_from_slice(&buf[start..end]);
    }
}

/// Rows scanned and not yet taken.
pub struct Batch {
    pub rows: usize,
    pub columns: Vec<Column>,
    /// `(row, what, n)` per malformed row: what 0 = field count `n`, 1 = after the closing quote of field `n`, 2 = unterminated.
    pub malformed: Vec<i32>,
}

impl Batch {
    pub fn new(modes: &[Mode], batch_size: usize) -> Batch {
        // Room for a default batch up front; a larger batch size grows as rows come.
        let capacity = batch_size.min(65_536);
        Batch { rows: 0, columns: modes.iter().map(|&m| Column::new(m, capacity)).collect(), malformed: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_validity_bitmap_appears_at_the_first_null_with_the_rows_before_it_valid() {
        for first_null in 0..20usize {
            for len in first_null + 1..first_null + 20 {
                let mut col = Column::new(Mode::Money, 4);
                let text = b"1.5,";
                let mut expected = vec![0u8; len.div_ceil(8)];
                for row in 0..len {
                    if row == first_null || (row > first_null && row % 3 == 0) {
                        col.push_null(row);
                    } else {
                        col.push(row, text, 0, 3, false);
                        expected[row / 8] |= 1 << (row % 8);
                    }
                }
                assert_eq!(col.valid, expected, "first null {first_null}, {len} rows");
                assert_eq!(col.offsets.len(), len + 1);
                assert!(col.parsed);
            }
        }
        let mut col = Column::new(Mode::Id, 4);
        col.push(0, b"7", 0, 1, false);
        assert_eq!((col.nulls, col.valid.len()), (0, 0));
    }

    #[test]
    fn fields_are_copied_whole_wherever_they_lie_in_the_buffer() {
        let buf: Vec<u8> = (0..64u8).map(|i| b'a' + i % 26).collect();
        for start in 0..buf.len() {
            for end in start..buf.len().min(start + 40) {
                let mut col = Column::new(Mode::Text, 1);
                col.push(0, &buf, start, end, false);
                col.push(1, &buf, end, buf.len(), false);
                assert_eq!(col.bytes, &buf[start..]);
                assert_eq!(col.offsets, vec![0, (end - start) as i32, (buf.len() - start) as i32]);
            }
        }
    }
}
