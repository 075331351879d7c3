//! Customer views written as JSON straight from a snapshot's Arrow columns: the twin of
//! server/format/customer-json.ts's row writer (its `RowPlan` and `writeRow`), for lookups and
//! batch-gets. A plan is registered once per snapshot (binding.rs): for each column of the row,
//! in order, its key (`{"name":` or `,"name":`), how its values are written, and where they are;
//! then one call writes any number of rows into the caller's buffer.
//!
//! The plan borrows the columns' buffers (the IPC file's memory, never copied): the JS object
//! that holds the plan's handle also holds those buffers (customer-json.ts `NativeRows`), so
//! they outlive every call. Keys, category names and the row's tail are small and copied.

pub mod binding;
pub mod id_index;
pub mod json_text;

use crate::napi::{KernelError, Result};
use id_index::IdIndex;
use json_text::{MAX_NUMBER, MAX_TIMESTAMP, TEXT_PER_BYTE};

/// How a column's values are written; the numbers are customer-json.ts's ops.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Op {
    /// Uint16 codes into JSON names (a category).
    Coded = 1,
    Float = 2,
    Int32 = 3,
    Uint8 = 4,
    Uint16 = 5,
    /// Int64 epoch milliseconds.
    Timestamp = 6,
    /// Utf8: Int32 offsets into bytes.
    Text = 7,
    /// A bit per row.
    Flag = 8,
}

impl Op {
    pub fn from_code(code: u8) -> Option<Op> {
        Some(match code {
            1 => Op::Coded,
            2 => Op::Float,
            3 => Op::Int32,
            4 => Op::Uint8,
            5 => Op::Uint16,
            6 => Op::Timestamp,
            7 => Op::Text,
            8 => Op::Flag,
            _ => return None,
        })
    }

    /// Bytes of the values buffer a row needs (Flag: a bit, counted by `values_needed`).
    fn width(self) -> usize {
        match self {
            Op::Coded | Op::Uint16 => 2,
            Op::Float | Op::Timestamp => 8,
            Op::Int32 | Op::Text => 4,
            Op::Uint8 | Op::Flag => 1,
        }
    }
}

/// A borrowed JS buffer: its bytes stay where they are while the plan's JS owner lives.
#[derive(Clone, Copy)]
struct Borrowed {
    ptr: *const u8,
    len: usize,
}

impl Borrowed {
    fn of(bytes: &[u8]) -> Borrowed {
        Borrowed { ptr: bytes.as_ptr(), len: bytes.len() }
    }

    /// # Safety
    /// The JS buffer this came from is alive (see the module's note).
    unsafe fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            &[]
        } else {
            unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
        }
    }
}

/// One column of the row.
struct Column {
    op: Op,
    key: Vec<u8>,
    /// Values (Text: the Int32 offsets' bytes).
    values: Borrowed,
    /// Text: the UTF-8 bytes the offsets point into.
    text: Borrowed,
    /// Validity bitmap, when the column has nulls.
    validity: Option<Borrowed>,
    /// Coded: each code's JSON text.
    names: Vec<Vec<u8>>,
    /// The most bytes a value other than text takes.
    bound: usize,
}

/// A snapshot's row plan: its columns, each registered once, and the bytes after the last one.
pub struct RowPlan {
    rows: usize,
    columns: Vec<Option<Column>>,
    tail: Vec<u8>,
    /// The most bytes a row takes besides its text values.
    fixed: usize,
    /// The snapshot's id index, once registered (id_index.rs).
    pub index: Option<IdIndex>,
}

fn bit(bits: &[u8], row: usize) -> bool {
    (bits[row >> 3] >> (row & 7)) & 1 == 1
}

#[inline]
fn read<const N: usize>(bytes: &[u8], row: usize) -> [u8; N] {
    bytes[row * N..row * N + N].try_into().unwrap_or([0; N])
}

impl RowPlan {
    /// A plan of `columns` columns for a snapshot of `rows` rows; `tail` closes every row.
    pub fn new(rows: usize, columns: usize, tail: &[u8]) -> RowPlan {
        RowPlan { rows, columns: (0..columns).map(|_| None).collect(), tail: tail.to_vec(), fixed: tail.len(), index: None }
    }

    /// Registers column `c`. `values`, `text` and `validity` are borrowed (module note); their
    /// lengths are checked against the plan's rows here, so a write only checks text offsets.
    #[allow(clippy::too_many_arguments)]
    pub fn set_column(&mut self, c: usize, op: Op, key: &[u8], values: &[u8], text: &[u8], validity: Option<&[u8]>, names: Vec<Vec<u8>>) -> Result<()> {
        let rows = self.rows;
        let needed = match op {
            Op::Flag => rows.div_ceil(8),
            Op::Text => (rows + 1) * 4,
            _ => rows * op.width(),
        };
        if values.len() < needed || validity.is_some_and(|v| v.len() < rows.div_ceil(8)) {
            return Err(KernelError::Argument(format!("column {c} is shorter than the snapshot's {rows} rows")));
        }
        if c >= self.columns.len() || self.columns[c].is_some() {
            return Err(KernelError::Argument(format!("column {c} is not a free column of the plan")));
        }
        let bound = match op {
            Op::Coded => names.iter().map(Vec::len).max().unwrap_or(0).max(4),
            Op::Float | Op::Int32 | Op::Uint8 | Op::Uint16 => MAX_NUMBER,
            Op::Timestamp => MAX_TIMESTAMP,
            Op::Text => 2,
            Op::Flag => 5,
        };
        self.fixed += key.len() + bound;
        self.columns[c] = Some(Column { op, key: key.to_vec(), values: Borrowed::of(values), text: Borrowed::of(text), validity: validity.map(Borrowed::of), names, bound });
        Ok(())
    }

    /// Rows of the snapshot.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Whether every column is registered.
    fn complete(&self) -> bool {
        self.columns.iter().all(Option::is_some)
    }

    /// The registered columns in order (all of them once `complete`), walked in place: a list
    /// of them collected per call was a heap allocation per turn of lookups.
    fn registered(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().flatten()
    }

    /// Writes rows into `out` from `*at`: row `r >= 0` as its JSON object, a negative one skipped
    /// (its `ends` entry is where the previous row ended). With `comma`, rows are separated by
    /// commas, the first one only when `*first` is false. Stops before a row that might not fit;
    /// returns how many of `rows` were done.
    ///
    /// # Safety
    /// The buffers registered with the plan are alive.
    pub unsafe fn write(&self, rows: &[i32], out: &mut [u8], at: &mut usize, mut ends: Option<&mut [i32]>, comma: bool, first: &mut bool) -> Result<usize> {
        if !self.complete() {
            return Err(KernelError::Argument("the row plan has unregistered columns".into()));
        }
        for &r in rows.iter().take(AHEAD) {
            self.prefetch(r);
        }
        for (i, &r) in rows.iter().enumerate() {
            if let Some(&next) = rows.get(i + AHEAD) {
                self.prefetch(next);
            }
            if let Some(&next) = rows.get(i + AHEAD / 2) {
                unsafe { self.prefetch_text(next) };
            }
            if r >= 0 {
                let row = r as usize;
                if row >= self.rows {
                    return Err(KernelError::Range(format!("row {row} is beyond the snapshot's {} rows", self.rows)));
                }
                let need = unsafe { self.bound(row) }? + 1;
                if *at + need > out.len() {
                    return Ok(i);
                }
                if comma && !std::mem::replace(first, false) {
                    out[*at] = b',';
                    *at += 1;
                }
                unsafe { self.write_row(row, out, at) };
            }
            if let Some(e) = ends.as_deref_mut() {
                e[i] = *at as i32;
            }
        }
        Ok(rows.len())
    }

    /// Asks the CPU for every cell of row `r` (when it is one of the plan's). A random row is a
    /// cache (and TLB) miss in each of ~35 columns; written one row after another, the misses
    /// of a row would mostly wait on each other, so each row's cells are fetched `AHEAD` rows
    /// before it is written and the misses of several rows overlap (the TypeScript writer gathers
    /// a chunk's cells column by column for the same reason). Prefetches never fault.
    #[inline]
    fn prefetch(&self, r: i32) {
        if r < 0 || r as usize >= self.rows {
            return;
        }
        let row = r as usize;
        for col in self.registered() {
            let at = match col.op {
                Op::Flag => row >> 3,
                op => row * op.width(),
            };
            prefetch(col.values.ptr.wrapping_add(at));
            if let Some(v) = col.validity {
                prefetch(v.ptr.wrapping_add(row >> 3));
            }
        }
    }

    /// Asks for the first bytes of row `r`'s text values, whose offsets `prefetch` asked for
    /// `AHEAD / 2` rows before.
    #[inline]
    unsafe fn prefetch_text(&self, r: i32) {
        if r < 0 || r as usize >= self.rows {
            return;
        }
        for col in self.registered().filter(|c| c.op == Op::Text) {
            let (start, _) = unsafe { text_span(col, r as usize) };
            prefetch(col.text.ptr.wrapping_add(start));
        }
    }

    /// The most bytes row `row` takes, its text offsets checked.
    unsafe fn bound(&self, row: usize) -> Result<usize> {
        let mut need = self.fixed;
        for col in self.registered().filter(|c| c.op == Op::Text) {
            let (start, end) = unsafe { text_span(col, row) };
            if start > end || end > col.text.len {
                return Err(KernelError::Range(format!("text offsets {start}..{end} of row {row} are outside the column's {} bytes", col.text.len)));
            }
            need += (end - start) * TEXT_PER_BYTE;
        }
        Ok(need)
    }

    unsafe fn write_row(&self, row: usize, out: &mut [u8], at: &mut usize) {
        for col in self.registered() {
            out[*at..*at + col.key.len()].copy_from_slice(&col.key);
            *at += col.key.len();
            if let Some(v) = col.validity {
                if !bit(unsafe { v.bytes() }, row) {
                    out[*at..*at + 4].copy_from_slice(b"null");
                    *at += 4;
                    continue;
                }
            }
            let values = unsafe { col.values.bytes() };
            match col.op {
                Op::Coded => {
                    let name = col.names.get(usize::from(u16::from_le_bytes(read(values, row)))).map_or(&b"null"[..], Vec::as_slice);
                    debug_assert!(name.len() <= col.bound);
                    out[*at..*at + name.len()].copy_from_slice(name);
                    *at += name.len();
                }
                Op::Float => json_text::number(out, at, f64::from_le_bytes(read(values, row))),
                Op::Int32 => json_text::integer(out, at, i64::from(i32::from_le_bytes(read(values, row)))),
                Op::Uint8 => json_text::integer(out, at, i64::from(values[row])),
                Op::Uint16 => json_text::integer(out, at, i64::from(u16::from_le_bytes(read(values, row)))),
                Op::Timestamp => json_text::timestamp(out, at, i64::from_le_bytes(read(values, row))),
                Op::Text => {
                    let (start, end) = unsafe { text_span(col, row) };
                    json_text::text(out, at, unsafe { &col.text.bytes()[start..end] });
                }
                Op::Flag => {
                    let word: &[u8] = if bit(values, row) { b"true" } else { b"false" };
                    out[*at..*at + word.len()].copy_from_slice(word);
                    *at += word.len();
                }
            }
        }
        out[*at..*at + self.tail.len()].copy_from_slice(&self.tail);
        *at += self.tail.len();
    }
}

/// Rows whose cells are asked for ahead of writing them: enough to cover a miss's latency with
/// the writing of the rows between, few enough that their lines stay in the cache.
const AHEAD: usize = 16;

#[inline]
fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // Safety: a prefetch is only a hint; it reads nothing and never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// A text column's byte range of `row` (unchecked: `bound` checks it).
unsafe fn text_span(col: &Column, row: usize) -> (usize, usize) {
    let offsets = unsafe { col.values.bytes() };
    let start = i32::from_le_bytes(read(offsets, row));
    let end = i32::from_le_bytes(read(offsets, row + 1));
    (start.max(0) as usize, end.max(0) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes<T: Copy>(v: &[T]) -> &[u8] {
        unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(v)) }
    }

    #[test]
    fn rows_are_written_in_the_plan_order_with_nulls_commas_and_the_tail() {
        let ids: &[u8] = b"C1C22";
        let offsets = [0i32, 2, 5];
        let revenue = [1.5f64, -0.0];
        let validity = [0b01u8];
        let codes = [1u16, 0];
        let flags = [0b10u8];
        let mut plan = RowPlan::new(2, 4, b",\"live\":false}");
        plan.set_column(0, Op::Text, b"{\"customer_id\":", bytes(&offsets), ids, None, vec![]).unwrap();
        plan.set_column(1, Op::Float, b",\"revenue\":", bytes(&revenue), &[], Some(&validity), vec![]).unwrap();
        plan.set_column(2, Op::Coded, b",\"tier\":", bytes(&codes), &[], None, vec![b"\"gold\"".to_vec(), b"\"silver\"".to_vec()]).unwrap();
        plan.set_column(3, Op::Flag, b",\"win_back\":", &flags, &[], None, vec![]).unwrap();
        let mut out = vec![0u8; 1024];
        let (mut at, mut first) = (1usize, true);
        let mut ends = [0i32; 3];
        let done = unsafe { plan.write(&[1, -1, 0], &mut out, &mut at, Some(&mut ends), true, &mut first) }.unwrap();
        assert_eq!(done, 3);
        let text = std::str::from_utf8(&out[1..at]).unwrap();
        assert_eq!(
            text,
            "{\"customer_id\":\"C22\",\"revenue\":null,\"tier\":\"gold\",\"win_back\":true,\"live\":false},{\"customer_id\":\"C1\",\"revenue\":1.5,\"tier\":\"silver\",\"win_back\":false,\"live\":false}"
        );
        assert_eq!(ends[0], ends[1]);
        assert_eq!(ends[2] as usize, at);
        // A buffer too small for the next row stops before it.
        let mut small = vec![0u8; 40];
        let mut at = 0;
        assert_eq!(unsafe { plan.write(&[0], &mut small, &mut at, None, false, &mut first) }.unwrap(), 0);
        assert_eq!(at, 0);
        assert!(unsafe { plan.write(&[2], &mut out, &mut at, None, false, &mut first) }.is_err());
    }

    #[test]
    fn a_short_column_or_an_incomplete_plan_is_refused() {
        let mut plan = RowPlan::new(3, 2, b"}");
        assert!(plan.set_column(0, Op::Float, b"{\"a\":", &[0u8; 16], &[], None, vec![]).is_err());
        plan.set_column(0, Op::Uint8, b"{\"a\":", &[1, 2, 3], &[], None, vec![]).unwrap();
        let mut out = vec![0u8; 256];
        let (mut at, mut first) = (0, true);
        assert!(unsafe { plan.write(&[0], &mut out, &mut at, None, false, &mut first) }.is_err());
    }
}
