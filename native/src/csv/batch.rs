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
            valid: Vec::with_capacity(capacity.div_ceil(8)),
            nulls: 0,
            values: Vec::with_capacity(if mode == Mode::Text { 0 } else { capacity }),
            parsed: mode != Mode::Text,
        }
    }

    fn set_valid(&mut self, row: usize, valid: bool) {
        if row.is_multiple_of(8) {
            self.valid.push(0);
        }
        if valid {
            *self.valid.last_mut().expect("a validity byte per 8 rows") |= 1 << (row % 8);
        } else {
            self.nulls += 1;
        }
    }

    /// Appends a null at row `row`.
    pub fn push_null(&mut self, row: usize) {
        self.set_valid(row, false);
        self.offsets.push(self.bytes.len() as i32);
        if self.parsed {
            self.values.push(0);
        }
    }

    /// Appends the text `content` at row `row` (unescaping `""` when `escaped`) and parses it by the mode.
    pub fn push(&mut self, row: usize, content: &[u8], escaped: bool) {
        self.set_valid(row, true);
        let from = self.bytes.len();
        if escaped {
            super::scanner::unescape_into(content, &mut self.bytes);
        } else {
            self.bytes.extend_from_slice(content);
        }
        self.offsets.push(self.bytes.len() as i32);
        if !self.parsed {
            return;
        }
        let text = &self.bytes[from..];
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
