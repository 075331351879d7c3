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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_text_equals_the_typescript_hash_bytes() {
        // Values printed by engine/kernels/id-hash.ts `hashBytes` on the same UTF-8 texts: the
        // shard of a customer must not depend on which kernel computed it.
        let cases: [(&str, u32); 6] = [
            ("", 0xab3e_7c0b),
            ("42", 0x28ec_2cbd),
            ("-7", 0x8e0a_56da),
            ("C-0001", 0xcbcf_00bc),
            ("Ünïcode", 0xc4d2_870a),
            ("9007199254740991", 0x8c26_3678),
        ];
        for (text, want) in cases {
            assert_eq!(hash_text(text.as_bytes()), want, "{text:?}");
        }
    }

    #[test]
    fn an_integer_id_hashes_like_its_canonical_text_and_a_bad_one_like_the_empty_text() {
        let mut out = [0u32; 4];
        hash_ids(&IdColumn::F64(&[42.0, -7.0, f64::NAN, 0.5]), &mut out);
        assert_eq!(out, [hash_text(b"42"), hash_text(b"-7"), hash_text(b""), hash_text(b"")]);
        let mut ints = [0u32; 2];
        hash_ids(&IdColumn::I64(&[42, i64::MIN]), &mut ints);
        assert_eq!(ints, [hash_text(b"42"), hash_text(i64::MIN.to_string().as_bytes())]);
        let mut texts = [0u32; 3];
        hash_utf8(b"42C-0001", &[0, 2, 8, 99], &mut texts);
        assert_eq!(texts, [hash_text(b"42"), hash_text(b"C-0001"), hash_text(b"")]);
    }

    #[test]
    fn partition_rows_is_a_stable_counting_sort_by_the_low_bits() {
        let hashes: Vec<u32> = (0..1000u32).map(|i| fmix32(i.wrapping_mul(2_654_435_761))).collect();
        let p = 8;
        let mut offsets = vec![0u32; p + 1];
        let mut order = vec![u32::MAX; hashes.len()];
        partition_rows(&hashes, p, &mut offsets, &mut order);
        assert_eq!(offsets[0], 0);
        assert_eq!(offsets[p] as usize, hashes.len());
        for q in 0..p {
            let rows = &order[offsets[q] as usize..offsets[q + 1] as usize];
            assert!(rows.windows(2).all(|w| w[0] < w[1]), "partition {q} keeps row order");
            assert!(rows.iter().all(|&i| hashes[i as usize] as usize & (p - 1) == q));
        }
        let mut seen = order.clone();
        seen.sort_unstable();
        assert!(seen.iter().enumerate().all(|(i, &r)| r as usize == i), "every row exactly once");
    }
}
