//! The native CSV scanner (issue 10): bytes in, batches of columns out, for
//! engine/read/csv-native.ts. The TypeScript scanner and parser stay the reference: this one
//! scans records by the same rules (scanner.rs) and parses only the fast cases of the values
//! (values.rs); a column of a batch with any other value goes out as text for TypeScript to judge.
//!
//!   push(bytes) ──scan_record──▶ header? ──▶ caller maps columns (setColumns)
//!                                 │
//!                                 └──▶ rows into Batch (batch.rs) ──take()──▶ Arrow buffers

pub mod batch;
pub mod binding;
pub mod scanner;
pub mod values;

use batch::{Batch, Mode};
use scanner::{scan_record, FieldSpan, Fault};

/// Why `push` returned.
pub const NEED_INPUT: i32 = 0;
pub const BATCH_FULL: i32 = 1;
pub const HEADER: i32 = 2;

/// A scanner of one CSV input: its delimiter, header, column map and the batch being filled.
pub struct CsvScanner {
    delim: u8,
    batch_size: usize,
    /// The header's fields (unescaped bytes) once scanned.
    header: Option<Vec<Vec<u8>>>,
    /// `slot_of[field]`: the column that keeps the field, -1 when skipped. Empty until `set_columns`.
    slot_of: Vec<i32>,
    modes: Vec<Mode>,
    batch: Batch,
    spans: Vec<FieldSpan>,
}

impl CsvScanner {
    pub fn new(delim: u8, batch_size: usize) -> CsvScanner {
        CsvScanner { delim, batch_size: batch_size.max(1), header: None, slot_of: Vec::new(), modes: Vec::new(), batch: Batch::new(&[], 0), spans: Vec::new() }
    }

    pub fn header(&self) -> Option<&[Vec<u8>]> {
        self.header.as_deref()
    }

    /// Which field feeds each column: `fields[k]` is column k's field. Starts an empty batch.
    pub fn set_columns(&mut self, fields: &[usize], modes: Vec<Mode>) {
        let width = self.header.as_ref().map_or(0, Vec::len);
        self.slot_of = vec![-1; width];
        for (k, &f) in fields.iter().enumerate() {
            if f < width {
                self.slot_of[f] = k as i32;
            }
        }
        self.modes = modes;
        self.batch = Batch::new(&self.modes, self.batch_size);
    }

    /// Sets the modes of the next batch's columns (only between batches: the batch must be empty).
    pub fn set_modes(&mut self, modes: Vec<Mode>) -> bool {
        if self.batch.rows != 0 || modes.len() != self.modes.len() {
            return false;
        }
        self.modes = modes;
        self.batch = Batch::new(&self.modes, self.batch_size);
        true
    }

    /// Scans records of `buf` from `pos` until the batch is full, the header is read, or the
    /// buffer ends inside a record (all of it consumed when `last`). Returns `(next, why)`.
    pub fn push(&mut self, buf: &[u8], mut pos: usize, last: bool) -> (usize, i32) {
        while self.batch.rows < self.batch_size {
            let Some(rec) = scan_record(buf, pos, self.delim, last, &mut self.spans) else {
                return (pos, NEED_INPUT);
            };
            pos = rec.next;
            if rec.is_blank(&self.spans) {
                continue;
            }
            if self.header.is_none() {
                let fields = self.spans.iter().map(|s| {
                    let mut out = Vec::with_capacity(s.end - s.start);
                    scanner::unescape_into(&buf[s.start..s.end], &mut out);
                    out
                });
                self.header = Some(fields.collect());
                return (pos, HEADER);
            }
            self.add_row(buf, rec.fault);
        }
        (pos, BATCH_FULL)
    }

    fn add_row(&mut self, buf: &[u8], fault: Option<Fault>) {
        let row = self.batch.rows;
        self.batch.rows += 1;
        let columns = &mut self.batch.columns;
        if self.spans.len() == self.slot_of.len() && fault.is_none() {
            for (field, span) in self.spans.iter().enumerate() {
                let slot = self.slot_of[field];
                if slot < 0 {
                    continue;
                }
                let col = &mut columns[slot as usize];
                if span.start == span.end && !span.quoted {
                    col.push_null(row);
                } else {
                    col.push(row, buf, span.start, span.end, span.escaped);
                }
            }
        } else {
            for col in columns.iter_mut() {
                col.push_null(row);
            }
            let (what, n) = match fault {
                Some(Fault::AfterQuote(field)) => (1, field as i32),
                Some(Fault::Unterminated) => (2, 0),
                None => (0, self.spans.len() as i32),
            };
            self.batch.malformed.extend_from_slice(&[row as i32, what, n]);
        }
    }

    /// Removes the batch scanned so far and starts an empty one with the same modes.
    pub fn take(&mut self) -> Batch {
        std::mem::replace(&mut self.batch, Batch::new(&self.modes, self.batch_size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_then_rows_in_batches_across_pushes() {
        let mut s = CsvScanner::new(b',', 2);
        let text = b"\xef\xbb\xbfid,x,amount\n1,a,2.5\n\n2,b,-1\r\n3,c,";
        let body = &text[3..];
        let (pos, why) = s.push(body, 0, false);
        assert_eq!(why, HEADER);
        assert_eq!(s.header().unwrap().len(), 3);
        s.set_columns(&[0, 2], vec![Mode::Id, Mode::Money]);
        let (pos, why) = s.push(body, pos, false);
        assert_eq!(why, BATCH_FULL);
        let b = s.take();
        assert_eq!(b.rows, 2);
        assert!(b.columns[0].parsed && b.columns[1].parsed);
        assert_eq!(b.columns[0].values, vec![1, 2]);
        assert_eq!(f64::from_bits(b.columns[1].values[1] as u64), -1.0);
        let (pos2, why) = s.push(body, pos, false);
        assert_eq!((pos2, why), (pos, NEED_INPUT));
        let (end, why) = s.push(body, pos, true);
        assert_eq!((end, why), (body.len(), NEED_INPUT));
        let b = s.take();
        assert_eq!(b.rows, 1);
        assert_eq!(b.columns[0].values, vec![3]);
        assert_eq!(b.columns[1].nulls, 1);
    }

    #[test]
    fn a_short_row_is_malformed_and_null() {
        let mut s = CsvScanner::new(b';', 10);
        let body = b"a;b\nx\n\"y\"z;w\n";
        let (pos, _) = s.push(body, 0, false);
        s.set_columns(&[1, 0], vec![Mode::Text, Mode::Id]);
        s.push(body, pos, true);
        let b = s.take();
        assert_eq!(b.rows, 2);
        assert_eq!(b.malformed, vec![0, 0, 1, 1, 1, 1]);
        assert_eq!(b.columns[1].nulls, 2);
    }
}
