//! Hash partitioning: the Rust twin of engine/kernels/id-hash.ts and partition-rows.ts.
//!
//! The shard hash of a customer is `fmix32(fnv1a32(canonical id text as UTF-8))`: the integer
//! 42 and the text "42" are one customer and share the text "42", so integer and text columns
//! need no special case. FNV-1a alone leaves the low bits of short decimal texts poorly mixed,
//! hence murmur3's 32-bit finaliser on top. A missing or invalid id hashes like the empty text.

use crate::ids::{decimal, f64_id, utf8_row};
use crate::napi::IdColumn;

const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

#[inline]
fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// The shard hash of an id given as its canonical text.
#[inline]
pub fn hash_text(s: &[u8]) -> u32 {
    let mut h = FNV_OFFSET;
    for &b in s {
        h = (h ^ b as u32).wrapping_mul(FNV_PRIME);
    }
    fmix32(h)
}

#[inline]
fn hash_int(v: i64) -> u32 {
    let mut buf = [0u8; 24];
    hash_text(decimal(v, &mut buf))
}

/// Shard hashes of an integer id column.
pub fn hash_ids(ids: &IdColumn, out: &mut [u32]) {
    match ids {
        IdColumn::F64(v) => out.iter_mut().zip(v.iter()).for_each(|(o, &x)| *o = f64_id(x).map_or(hash_text(b""), hash_int)),
        IdColumn::I32(v) => out.iter_mut().zip(v.iter()).for_each(|(o, &x)| *o = hash_int(x as i64)),
        IdColumn::I64(v) => out.iter_mut().zip(v.iter()).for_each(|(o, &x)| *o = hash_int(x)),
    }
}

/// Shard hashes of a Utf8 column (`offsets.len() - 1` rows).
pub fn hash_utf8(bytes: &[u8], offsets: &[i32], out: &mut [u32]) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = hash_text(utf8_row(bytes, offsets, i).unwrap_or(b""));
    }
}

/// A stable counting sort of rows by partition `hash & (p - 1)`: afterwards the rows of
/// partition q are `order[offsets[q]..offsets[q + 1]]`, in ascending row order.
pub fn partition_rows(hashes: &[u32], p: usize, offsets: &mut [u32], order: &mut [u32]) {
    let mask = (p - 1) as u32;
    offsets.fill(0);
    for &h in hashes {
        offsets[(h & mask) as usize + 1] += 1;
    }
    for q in 0..p {
        offsets[q + 1] += offsets[q];
    }
    // Scatter with per-partition cursors, reusing offsets[q] and restoring it afterwards.
    for (i, &h) in hashes.iter().enumerate() {
        let q = (h & mask) as usize;
        order[offsets[q] as usize] = i as u32;
        offsets[q] += 1;
    }
    for q in (1..=p).rev() {
        offsets[q] = offsets[q - 1];
    }
    offsets[0] = 0;
}
