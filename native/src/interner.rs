//! Customer-id interning: the Rust twin of engine/aggregate/id-index.ts. Keys get dense numbers
//! 0, 1, 2, ... in order of first sight, exactly as the TypeScript `Map` numbers them, given the
//! same canonical keys (ids.rs) in the same order.
//!
//! Layout: `entries[k]` is key number k; integer keys keep their value, text keys a range of
//! `arena`. `table` is open addressing with linear probing over `entry + 1` (0 = empty), with a
//! copy of each entry's hash beside it so probes and growth never re-read the key;
//! load <= 1/2, capacity a power of two.

use crate::ids::{canonical_int, decimal, f64_id, utf8_row, MAX_SAFE};

/// One interned key.
#[derive(Clone, Copy)]
pub enum Key {
    Int(i64),
    Text { start: u32, len: u32 },
}

/// The interner behind the JS handle of a native `IdInterner`.
pub struct Interner {
    entries: Vec<Key>,
    arena: Vec<u8>,
    table: Vec<u32>,
    hashes: Vec<u32>,
}

#[inline]
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[inline]
fn hash_int(v: i64) -> u32 {
    (fmix64(v as u64) >> 32) as u32
}

#[inline]
fn hash_text(s: &[u8]) -> u32 {
    // Eight bytes at a time, then murmur3's finaliser; private to this table (not the sharding
    // hash, which is partition.rs's).
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ s.len() as u64;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h ^ w).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(29);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h ^ u64::from_le_bytes(tail)).wrapping_mul(0x0000_0100_0000_01b3);
    // Tag text hashes apart from integer hashes (they never compare equal anyway).
    (fmix64(h ^ 0x5555) >> 32) as u32
}

impl Default for Interner {
    fn default() -> Self {
        Interner { entries: Vec::new(), arena: Vec::new(), table: vec![0; 1024], hashes: vec![0; 1024] }
    }
}

impl Interner {
    /// Number of keys interned.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The key numbered `k`.
    pub fn key(&self, k: usize) -> (Option<i64>, &[u8]) {
        match self.entries[k] {
            Key::Int(v) => (Some(v), &[]),
            Key::Text { start, len } => (None, &self.arena[start as usize..(start + len) as usize]),
        }
    }

    fn grow(&mut self) {
        let cap = self.table.len() * 2;
        let mask = cap - 1;
        let mut table = vec![0u32; cap];
        let mut hashes = vec![0u32; cap];
        for (&e, &h) in self.table.iter().zip(&self.hashes) {
            if e != 0 {
                let mut slot = h as usize & mask;
                while table[slot] != 0 {
                    slot = (slot + 1) & mask;
                }
                table[slot] = e;
                hashes[slot] = h;
            }
        }
        self.table = table;
        self.hashes = hashes;
    }

    fn push(&mut self, slot: usize, h: u32, key: Key) -> i32 {
        let k = self.entries.len();
        self.entries.push(key);
        self.table[slot] = k as u32 + 1;
        self.hashes[slot] = h;
        if self.entries.len() * 2 > self.table.len() {
            self.grow();
        }
        k as i32
    }

    /// The number of integer key `v`, interning it when new.
    pub fn int(&mut self, v: i64) -> i32 {
        let h = hash_int(v);
        let mask = self.table.len() - 1;
        let mut slot = h as usize & mask;
        loop {
            let e = self.table[slot];
            if e == 0 {
                return self.push(slot, h, Key::Int(v));
            }
            if self.hashes[slot] == h {
                if let Key::Int(w) = self.entries[e as usize - 1] {
                    if w == v {
                        return e as i32 - 1;
                    }
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The number of text key `s` (already known not to be a canonical integer).
    pub fn text(&mut self, s: &[u8]) -> i32 {
        let h = hash_text(s);
        let mask = self.table.len() - 1;
        let mut slot = h as usize & mask;
        loop {
            let e = self.table[slot];
            if e == 0 {
                let start = self.arena.len() as u32;
                self.arena.extend_from_slice(s);
                return self.push(slot, h, Key::Text { start, len: s.len() as u32 });
            }
            if self.hashes[slot] == h {
                if let Key::Text { start, len } = self.entries[e as usize - 1] {
                    if &self.arena[start as usize..(start + len) as usize] == s {
                        return e as i32 - 1;
                    }
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    /// An id given as text (`customerKeyFromText`): empty is missing (-1).
    pub fn utf8(&mut self, s: &[u8]) -> i32 {
        if s.is_empty() {
            -1
        } else if let Some(v) = canonical_int(s) {
            self.int(v)
        } else {
            self.text(s)
        }
    }

    /// An id from a Float64 column: only safe integers are ids, anything else is -1.
    pub fn f64(&mut self, v: f64) -> i32 {
        f64_id(v).map_or(-1, |v| self.int(v))
    }

    /// An id from a BigInt64 column: beyond the safe range its decimal text is the key.
    pub fn i64(&mut self, v: i64) -> i32 {
        if (-MAX_SAFE..=MAX_SAFE).contains(&v) {
            self.int(v)
        } else {
            let mut buf = [0u8; 24];
            let text = decimal(v, &mut buf).to_vec();
            self.text(&text)
        }
    }

    /// Interns rows of a Utf8 column (`offsets.len() - 1` rows) into `out`; bad offsets give -1.
    pub fn utf8_column(&mut self, bytes: &[u8], offsets: &[i32], out: &mut [i32]) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = utf8_row(bytes, offsets, i).map_or(-1, |s| self.utf8(s));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keys_densely_in_order_of_first_sight() {
        let mut ids = Interner::default();
        assert_eq!(ids.utf8(b"C-7"), 0);
        assert_eq!(ids.int(42), 1);
        assert_eq!(ids.utf8(b"C-7"), 0);
        assert_eq!(ids.utf8(b"C-8"), 2);
        assert_eq!(ids.len(), 3);
        assert_eq!(ids.key(0), (None, &b"C-7"[..]));
        assert_eq!(ids.key(1), (Some(42), &b""[..]));
    }

    #[test]
    fn an_integer_and_its_canonical_text_are_one_customer_and_other_texts_are_not() {
        let mut ids = Interner::default();
        let n = ids.int(42);
        assert_eq!(ids.utf8(b"42"), n);
        assert_eq!(ids.f64(42.0), n);
        assert_eq!(ids.i64(42), n);
        assert_ne!(ids.utf8(b"042"), n, "a zero-padded id is text, kept as it is");
        assert_eq!(ids.utf8(b""), -1, "an empty id is missing");
        assert_eq!(ids.f64(0.5), -1);
        assert_eq!(ids.f64(f64::NAN), -1);
        // Beyond the safe range a BigInt id is its decimal text.
        let big = ids.i64(i64::MAX);
        assert_eq!(ids.utf8(i64::MAX.to_string().as_bytes()), big);
    }

    #[test]
    fn growing_the_table_keeps_every_number() {
        let mut ids = Interner::default();
        let n = 50_000;
        for i in 0..n {
            assert_eq!(ids.int(i * 7), (2 * i) as i32);
            assert_eq!(ids.text(format!("id-{i}").as_bytes()), (2 * i + 1) as i32);
        }
        for i in (0..n).rev() {
            assert_eq!(ids.int(i * 7), (2 * i) as i32);
            assert_eq!(ids.text(format!("id-{i}").as_bytes()), (2 * i + 1) as i32);
        }
        assert_eq!(ids.len(), 2 * n as usize);
    }

    #[test]
    fn a_utf8_column_with_bad_offsets_gives_missing_rows() {
        let mut ids = Interner::default();
        let mut out = [0i32; 3];
        ids.utf8_column(b"7abc", &[0, 1, 4, 10], &mut out);
        assert_eq!(out, [0, 1, -1]);
        assert_eq!(ids.key(0).0, Some(7));
    }
}
