//! Customers of a new base found in the previous snapshot by id, on the ids' UTF-8 (the twin of
//! engine/rescore/id-join.ts's `Map` of strings): the previous ids go into an interner, in row
//! order, and each new id is looked up there, so no id becomes a JS string.

use crate::ids::utf8_row;
use crate::interner::Interner;
use crate::napi::{ensure_disjoint, span, Call, KernelError, RawValue, Result};

/// For every id of (`bytes`, `offsets`), its row in (`prev_bytes`, `prev_offsets`), or -1; a
/// repeated previous id answers its last row (as `Map.set` keeps the last). None when an offset
/// points outside its bytes.
pub fn join_utf8(prev_bytes: &[u8], prev_offsets: &[i32], bytes: &[u8], offsets: &[i32], out: &mut [i32]) -> Option<()> {
    let mut index = Interner::default();
    // Row of each interned previous id.
    let mut rows: Vec<i32> = Vec::with_capacity(prev_offsets.len().saturating_sub(1));
    for r in 0..prev_offsets.len().saturating_sub(1) {
        let e = index.text(utf8_row(prev_bytes, prev_offsets, r)?) as usize;
        if e == rows.len() {
            rows.push(r as i32);
        } else {
            rows[e] = r as i32;
        }
    }
    let known = rows.len();
    for (c, o) in out.iter_mut().enumerate().take(offsets.len().saturating_sub(1)) {
        // An id the previous snapshot did not have is interned too (and ignored): one probe either way.
        let e = index.text(utf8_row(bytes, offsets, c)?) as usize;
        *o = if e < known { rows[e] } else { -1 };
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
        let (pb, po) = column(&["C1", "42", "é", "", "a-much-longer-id-than-seven-bytes", "42"]);
        let (b, o) = column(&["42", "C2", "", "é", "a-much-longer-id-than-seven-bytes", "C1"]);
        let mut out = vec![0; 6];
        join_utf8(&pb, &po, &b, &o, &mut out).unwrap();
        assert_eq!(out, vec![5, -1, 3, 2, 4, 0], "a repeated previous id answers its last row");
    }

    #[test]
    fn refuses_offsets_outside_the_bytes() {
        let mut out = vec![0; 1];
        assert!(join_utf8(b"ab", &[0, 2], b"ab", &[0, 3], &mut out).is_none());
    }
}
