//! Customers of a new base found in the previous snapshot by id, on the ids' UTF-8 (the twin of
//! engine/rescore/id-join.ts's `Map` of strings), so no id becomes a JS string.

use crate::ids::utf8_row;
use crate::interner::Interner;
use crate::napi::{ensure_disjoint, span, Call, KernelError, RawValue, Result};

/// For every id of (`bytes`, `offsets`), its row in (`prev_bytes`, `prev_offsets`), or -1. The
/// ids are unique on each side (a snapshot's and a base's are). None when an offset points
/// outside its bytes.
///
/// A base keeps the order of first appearance, so a rescore of the same or a longer input meets
/// most customers at the row the previous snapshot had them: those are matched in place, and only
/// the others go through a hash table of the previous rows nothing matched (a unique id matched in
/// place cannot be anywhere else).
pub fn join_utf8(prev_bytes: &[u8], prev_offsets: &[i32], bytes: &[u8], offsets: &[i32], out: &mut [i32]) -> Option<()> {
    let (m, n) = (prev_offsets.len().saturating_sub(1), offsets.len().saturating_sub(1).min(out.len()));
    let mut taken = vec![false; m];
    let mut left = 0;
    for c in 0..n {
        let id = utf8_row(bytes, offsets, c)?;
        if c < m && utf8_row(prev_bytes, prev_offsets, c)? == id {
            out[c] = c as i32;
            taken[c] = true;
        } else {
            out[c] = -1;
            left += 1;
        }
    }
    if left == 0 {
        return Some(());
    }
    let rest: Vec<usize> = (0..m).filter(|&r| !taken[r]).collect();
    // Sized for every key it will see, so it never grows.
    let mut index = Interner::with_slots((2 * (rest.len() + left)).next_power_of_two().max(2));
    for &r in &rest {
        index.text(utf8_row(prev_bytes, prev_offsets, r)?);
    }
    for (c, row) in out.iter_mut().enumerate().take(n) {
        if *row == -1 {
            // An id the previous snapshot did not have is interned too (and ignored): one probe either way.
            let e = index.text(utf8_row(bytes, offsets, c)?) as usize;
            if e < rest.len() {
                *row = rest[e] as i32;
            }
        }
    }
    Some(())
}

/// `(prevBytes: Uint8Array, prevOffsets: Int32Array, bytes: Uint8Array, offsets: Int32Array, out: Int32Array)`.
pub fn join_utf8_export(call: &Call) -> Result<RawValue> {
    let (prev_bytes, prev_offsets) = (call.array::<u8>(0)?, call.array::<i32>(1)?);
    let (bytes, offsets) = (call.array::<u8>(2)?, call.array::<i32>(3)?);
    let out = call.array::<i32>(4)?;
    if out.len() + 1 != offsets.len() {
        return Err(KernelError::Argument("out must hold one row per id".into()));
    }
    ensure_disjoint(&[span("out", out)], &[span("prevBytes", prev_bytes), span("prevOffsets", prev_offsets), span("bytes", bytes), span("offsets", offsets)])?;
    join_utf8(prev_bytes, prev_offsets, bytes, offsets, out).ok_or_else(|| KernelError::Range("an id's offsets point outside its bytes".into()))?;
    call.undefined()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(ids: &[&str]) -> (Vec<u8>, Vec<i32>) {
        let mut offsets = vec![0];
        let mut bytes = Vec::new();
        for id in ids {
            bytes.extend_from_slice(id.as_bytes());
            offsets.push(bytes.len() as i32);
        }
        (bytes, offsets)
    }

    #[test]
    fn finds_each_id_in_the_previous_rows() {
        let (pb, po) = column(&["C1", "42", "é", "", "a-much-longer-id-than-seven-bytes", "x"]);
        let (b, o) = column(&["42", "42b", "é", "", "a-much-longer-id-than-seven-bytes", "C1", "new"]);
        let mut out = vec![0; 7];
        join_utf8(&pb, &po, &b, &o, &mut out).unwrap();
        assert_eq!(out, vec![1, -1, 2, 3, 4, 0, -1], "in place (é, '', the long id) or by hash");
    }

    #[test]
    fn refuses_offsets_outside_the_bytes() {
        let mut out = vec![0; 1];
        assert!(join_utf8(b"ab", &[0, 2], b"ab", &[0, 3], &mut out).is_none());
    }
}
