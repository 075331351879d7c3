//! Ids looked up in the snapshot's id index (engine/live/id-hash-index.ts) by the addon, for a
//! turn's lookups or a batch-get's chunk: the index's tables are registered once beside the row
//! plan (borrowed like the columns, mod.rs), and one call finds every id of a chunk. The hash
//! (FNV-1a of the id's UTF-8 bytes), the probing (linear, -1 = empty) and the comparison are the
//! TypeScript index's, which stays the reference and builds the tables.
//!
//! Each id's slot is asked for (prefetched) before any is probed, and each probed row's offsets
//! before its bytes are compared, so the three dependent cache misses of a lookup overlap with
//! those of the other ids.

use super::{prefetch, Borrowed};
use crate::napi::{KernelError, Result};

/// The index's tables: `slots` (a power of two of them) hold rows, row r's id is
/// `bytes[offsets[r]..offsets[r + 1]]`.
pub struct IdIndex {
    slots: Borrowed,
    offsets: Borrowed,
    bytes: Borrowed,
    mask: usize,
    rows: usize,
}

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

#[inline]
fn int_at(bytes: &[u8], i: usize) -> i32 {
    i32::from_le_bytes(bytes[i * 4..i * 4 + 4].try_into().unwrap_or([0; 4]))
}

impl IdIndex {
    /// The tables of an index over `rows` ids: `slots` and `offsets` as the bytes of their Int32Arrays.
    pub fn new(slots: &[u8], offsets: &[u8], bytes: &[u8], rows: usize) -> Result<IdIndex> {
        let n = slots.len() / 4;
        if n == 0 || !n.is_power_of_two() || offsets.len() < (rows + 1) * 4 {
            return Err(KernelError::Argument("the id index needs a power of two of slots and an offset per row and one".into()));
        }
        Ok(IdIndex { slots: Borrowed::of(slots), offsets: Borrowed::of(offsets), bytes: Borrowed::of(bytes), mask: n - 1, rows })
    }

    /// `out[i]` = the row of id `ids[starts[i]..starts[i + 1]]`, or -1.
    ///
    /// # Safety
    /// The registered buffers are alive (mod.rs).
    pub unsafe fn find(&self, ids: &[u8], starts: &[i32], out: &mut [i32]) -> Result<()> {
        let (slots, offsets, bytes) = unsafe { (self.slots.bytes(), self.offsets.bytes(), self.bytes.bytes()) };
        let n = starts.len().saturating_sub(1).min(out.len());
        let span = |i: usize| -> Result<&[u8]> {
            let (a, b) = (starts[i].max(0) as usize, starts[i + 1].max(0) as usize);
            ids.get(a..b).ok_or_else(|| KernelError::Argument(format!("id {i}'s offsets {a}..{b} are outside the ids' bytes")))
        };
        // First pass: each id's home slot, asked for.
        for (i, o) in out.iter_mut().enumerate().take(n) {
            let home = fnv1a(span(i)?) as usize & self.mask;
            *o = home as i32;
            prefetch(self.slots.ptr.wrapping_add(home * 4));
        }
        // Second: the row in each home slot, its offsets asked for.
        for &home in out.iter().take(n) {
            let r = int_at(slots, home as usize);
            if r >= 0 && (r as usize) < self.rows {
                prefetch(self.offsets.ptr.wrapping_add(r as usize * 4));
            }
        }
        // Then the probes, each comparing bytes.
        for (i, o) in out.iter_mut().enumerate().take(n) {
            let id = span(i)?;
            let mut s = *o as usize;
            *o = loop {
                let r = int_at(slots, s);
                if r < 0 {
                    break -1;
                }
                let r = r as usize;
                if r >= self.rows {
                    return Err(KernelError::Range(format!("slot {s} holds row {r}, beyond the index's {} rows", self.rows)));
                }
                let (a, b) = (int_at(offsets, r).max(0) as usize, int_at(offsets, r + 1).max(0) as usize);
                if bytes.get(a..b) == Some(id) {
                    break r as i32;
                }
                s = (s + 1) & self.mask;
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_bytes(v: &[i32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn finds_the_rows_of_known_ids_and_minus_one_for_others() {
        // Built as id-hash-index.ts builds it: FNV-1a, linear probing, 16 slots for 3 ids.
        let ids: [&[u8]; 3] = [b"C1", b"C22", "Zo\u{eb}".as_bytes()];
        let mut slots = vec![-1i32; 16];
        let mut offsets = vec![0i32];
        let mut bytes = Vec::new();
        for (r, id) in ids.iter().enumerate() {
            bytes.extend_from_slice(id);
            offsets.push(bytes.len() as i32);
            let mut s = fnv1a(id) as usize & 15;
            while slots[s] != -1 {
                s = (s + 1) & 15;
            }
            slots[s] = r as i32;
        }
        let (slots, offsets) = (as_bytes(&slots), as_bytes(&offsets));
        let index = IdIndex::new(&slots, &offsets, &bytes, 3).unwrap();
        let query = b"C22nopeZo\xc3\xabC1C2";
        let starts = [0, 3, 7, 11, 13, 15];
        let mut out = [0i32; 5];
        unsafe { index.find(query, &starts, &mut out) }.unwrap();
        assert_eq!(out, [1, -1, 2, 0, -1]);
        assert!(IdIndex::new(&slots[..12], &offsets, &bytes, 3).is_err());
    }
}
