//! Customer-id interning: the Rust twin of engine/aggregate/id-index.ts. Keys get dense numbers
//! 0, 1, 2, ... in order of first sight, exactly as the TypeScript `Map` numbers them, given the
//! same canonical keys (ids.rs) in the same order.
//!
//! Layout: `entries[k]` is key number k; integer keys keep their value, text keys a range of
//! `arena`. `table` is open addressing with linear probing, load <= 1/2, capacity a power of two;
//! each slot holds the entry's hash, its number and a copy of its key (the integer, or where the
//! text lies in the arena), so a probe reads one slot and a text key the arena once, and growth
//! never re-reads a key. With a million customers every read is a cache miss: the old layout
//! (number, hash and key in three arrays) took four per row.

use crate::ids::{decimal, judge_utf8, utf8_row, IdText, MAX_SAFE};

/// What `out[i]` says around a masked intern (engine/kernels/kernels.ts `IdInterner`): on entry,
/// `>= 0` asks for the row's number, `JUDGE_ONLY` only for a verdict (a future row is judged like
/// any other but takes no number), anything lower leaves the row alone. On exit, a number, or
/// `JUDGE_ONLY` for a clean id not interned, or `MISSING` / `BAD`.
pub const JUDGE_ONLY: i32 = -1;
/// No id: null, empty or blank text, a missing-value token (`NA`, `NULL`, ...), a NaN.
pub const MISSING: i32 = -2;
/// An id no customer can have: longer than 1,024 bytes, a fraction, an infinity.
pub const BAD: i32 = -3;
/// A dictionary entry not met yet (`dict_column`'s mapping).
pub const UNSEEN: i32 = i32::MIN;

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
    table: Vec<Slot>,
}

/// `Slot::entry`'s flag of a text key.
const TEXT: u32 = 1 << 31;
/// `Slot::entry`'s flag of a text key of at most `INLINE_MAX` bytes, held in the slot itself.
const INLINE: u32 = 1 << 30;
/// Longest text held in a slot: a probe that finds it compares one word, with no read of the
/// arena (a second cache miss per row with a million customers; most ids are short).
const INLINE_MAX: usize = 7;

/// One slot of the table: `entry` is 0 when empty, else the key's number + 1, with `TEXT` for a
/// text key (and `INLINE` for a short one); `key` is the integer (as u64), a short text's bytes
/// (`inline_key`), or a longer text's arena start << 32 | its length.
#[derive(Clone, Copy, Default)]
struct Slot {
    hash: u32,
    entry: u32,
    key: u64,
}

/// A text of at most `INLINE_MAX` bytes as one word: its bytes, then its length in the top byte.
#[inline]
fn inline_key(s: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b[..s.len()].copy_from_slice(s);
    b[7] = s.len() as u8;
    u64::from_le_bytes(b)
}

#[inline]
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The table's hash of an integer key; the sink (partial/) also picks a key's radix partition
/// from its top bits, so a key is hashed once per row.
#[inline]
pub fn hash_int(v: i64) -> u32 {
    (fmix64(v as u64) >> 32) as u32
}

/// The table's hash of a text key (see `hash_int`).
#[inline]
pub fn hash_text(s: &[u8]) -> u32 {
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
        Interner { entries: Vec::new(), arena: Vec::new(), table: vec![Slot::default(); 1024] }
    }
}

impl Interner {
    /// An empty interner whose table starts at `slots` (a power of two, at least 2): the sink's
    /// radix partitions start small, since most of them stay small.
    pub fn with_slots(slots: usize) -> Self {
        debug_assert!(slots.is_power_of_two() && slots >= 2);
        Interner { entries: Vec::new(), arena: Vec::new(), table: vec![Slot::default(); slots] }
    }

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
        let mask = self.table.len() * 2 - 1;
        let mut table = vec![Slot::default(); mask + 1];
        for slot in self.table.iter().filter(|s| s.entry != 0) {
            let mut i = slot.hash as usize & mask;
            while table[i].entry != 0 {
                i = (i + 1) & mask;
            }
            table[i] = *slot;
        }
        self.table = table;
    }

    fn push(&mut self, slot: usize, hash: u32, key: Key) -> i32 {
        let k = self.entries.len();
        let (flag, bits) = match key {
            Key::Int(v) => (0, v as u64),
            Key::Text { start, len } if len as usize <= INLINE_MAX => (TEXT | INLINE, inline_key(&self.arena[start as usize..(start + len) as usize])),
            Key::Text { start, len } => (TEXT, (start as u64) << 32 | len as u64),
        };
        assert!(k + 1 < INLINE as usize, "an interner holds fewer than 2^30 keys");
        self.entries.push(key);
        self.table[slot] = Slot { hash, entry: (k as u32 + 1) | flag, key: bits };
        if self.entries.len() * 2 > self.table.len() {
            self.grow();
        }
        k as i32
    }

    /// Asks the CPU to fetch the slot a key of hash `h` probes first: the sink (partial/) issues it
    /// a few keys ahead, so the table's cache misses overlap instead of following one another.
    #[inline]
    pub fn prefetch(&self, h: u32) {
        #[cfg(target_arch = "x86_64")]
        {
            let slot = &self.table[h as usize & (self.table.len() - 1)];
            // SAFETY: a prefetch has no effect on memory; the pointer is a valid reference.
            unsafe { std::arch::x86_64::_mm_prefetch(slot as *const Slot as *const i8, std::arch::x86_64::_MM_HINT_T0) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = h;
    }

    /// The number of integer key `v`, interning it when new.
    pub fn int(&mut self, v: i64) -> i32 {
        self.int_hashed(v, hash_int(v))
    }

    /// `int` with the key's hash already computed (`hash_int(v)`).
    pub fn int_hashed(&mut self, v: i64, h: u32) -> i32 {
        let mask = self.table.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let slot = self.table[i];
            if slot.entry == 0 {
                return self.push(i, h, Key::Int(v));
            }
            if slot.hash == h && slot.entry & TEXT == 0 && slot.key == v as u64 {
                return slot.entry as i32 - 1;
            }
            i = (i + 1) & mask;
        }
    }

    /// The number of text key `s` (already known not to be a canonical integer).
    pub fn text(&mut self, s: &[u8]) -> i32 {
        self.text_hashed(s, hash_text(s))
    }

    /// `text` with the key's hash already computed (`hash_text(s)`).
    pub fn text_hashed(&mut self, s: &[u8], h: u32) -> i32 {
        let mask = self.table.len() - 1;
        let mut i = h as usize & mask;
        if s.len() <= INLINE_MAX {
            let key = inline_key(s);
            loop {
                let slot = self.table[i];
                if slot.entry == 0 {
                    let start = self.arena.len() as u32;
                    self.arena.extend_from_slice(s);
                    return self.push(i, h, Key::Text { start, len: s.len() as u32 });
                }
                if slot.hash == h && slot.entry & (TEXT | INLINE) == TEXT | INLINE && slot.key == key {
                    return (slot.entry & !(TEXT | INLINE)) as i32 - 1;
                }
                i = (i + 1) & mask;
            }
        }
        loop {
            let slot = self.table[i];
            if slot.entry == 0 {
                let start = self.arena.len() as u32;
                self.arena.extend_from_slice(s);
                return self.push(i, h, Key::Text { start, len: s.len() as u32 });
            }
            if slot.hash == h && slot.entry & (TEXT | INLINE) == TEXT && slot.key as u32 as usize == s.len() {
                let start = (slot.key >> 32) as usize;
                if &self.arena[start..start + s.len()] == s {
                    return (slot.entry & !TEXT) as i32 - 1;
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// The verdict on text `s` as an id (`customerKeyFromText`), interning it when `intern`.
    fn text_id(&mut self, s: &[u8], intern: bool) -> i32 {
        match judge_utf8(s) {
            IdText::Missing => MISSING,
            IdText::Bad => BAD,
            _ if !intern => JUDGE_ONLY,
            IdText::Int(v) => self.int(v),
            IdText::Text => self.text(s),
        }
    }

    /// The verdict on a Float64 id (`customerKeyFromValue`): safe integers are ids, NaN is missing.
    fn f64_id(&mut self, v: f64, intern: bool) -> i32 {
        if v.is_nan() {
            MISSING
        } else if v.fract() != 0.0 || v.abs() > MAX_SAFE as f64 {
            BAD
        } else if intern {
            self.int(v as i64)
        } else {
            JUDGE_ONLY
        }
    }

    /// A BigInt64 id: beyond the safe range its decimal text is the key.
    fn i64_id(&mut self, v: i64, intern: bool) -> i32 {
        if !intern {
            JUDGE_ONLY
        } else if (-MAX_SAFE..=MAX_SAFE).contains(&v) {
            self.int(v)
        } else {
            let mut buf = [0u8; 24];
            let text = decimal(v, &mut buf).to_vec();
            self.text(&text)
        }
    }

    /// Masked intern of a Float64 column (see `JUDGE_ONLY` for `out`).
    pub fn f64_column(&mut self, ids: &[f64], out: &mut [i32]) {
        for (&v, o) in ids.iter().zip(out.iter_mut()) {
            if *o >= JUDGE_ONLY {
                *o = self.f64_id(v, *o >= 0);
            }
        }
    }

    /// Masked intern of an Int32 column.
    pub fn i32_column(&mut self, ids: &[i32], out: &mut [i32]) {
        for (&v, o) in ids.iter().zip(out.iter_mut()) {
            if *o >= 0 {
                *o = self.int(v as i64);
            }
        }
    }

    /// Masked intern of a BigInt64 column.
    pub fn i64_column(&mut self, ids: &[i64], out: &mut [i32]) {
        for (&v, o) in ids.iter().zip(out.iter_mut()) {
            if *o >= JUDGE_ONLY {
                *o = self.i64_id(v, *o >= 0);
            }
        }
    }

    /// Masked intern of a Utf8 column (`offsets.len() - 1` rows); bad offsets are `BAD`.
    pub fn utf8_column(&mut self, bytes: &[u8], offsets: &[i32], out: &mut [i32]) {
        for (i, o) in out.iter_mut().enumerate() {
            if *o >= JUDGE_ONLY {
                *o = utf8_row(bytes, offsets, i).map_or(BAD, |s| self.text_id(s, *o >= 0));
            }
        }
    }

    /// Masked intern of a dictionary-encoded Utf8 column: each entry of the dictionary is judged and
    /// interned once, when a row first needs it (so numbers follow the rows' order of first sight,
    /// as on the plain path), and `mapping` (one slot per entry, `UNSEEN` at first) remembers it
    /// for every later row and batch of the same dictionary. An index outside it is `BAD`.
    pub fn dict_column(&mut self, bytes: &[u8], offsets: &[i32], indices: &[i32], mapping: &mut [i32], out: &mut [i32]) {
        for (&d, o) in indices.iter().zip(out.iter_mut()) {
            if *o < JUDGE_ONLY {
                continue;
            }
            let Some(slot) = usize::try_from(d).ok().filter(|&d| d < mapping.len()) else {
                *o = BAD;
                continue;
            };
            let known = mapping[slot];
            if known >= 0 {
                *o = if *o >= 0 { known } else { JUDGE_ONLY };
            } else if known != UNSEEN {
                *o = known;
            } else {
                let verdict = utf8_row(bytes, offsets, slot).map_or(BAD, |s| self.text_id(s, *o >= 0));
                if verdict != JUDGE_ONLY {
                    mapping[slot] = verdict;
                }
                *o = verdict;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keys_densely_in_order_of_first_sight() {
        let mut ids = Interner::default();
        assert_eq!(one(&mut ids, b"C-7"), 0);
        assert_eq!(ids.int(42), 1);
        assert_eq!(one(&mut ids, b"C-7"), 0);
        assert_eq!(one(&mut ids, b"C-8"), 2);
        assert_eq!(ids.len(), 3);
        assert_eq!(ids.key(0), (None, &b"C-7"[..]));
        assert_eq!(ids.key(1), (Some(42), &b""[..]));
    }

    fn one(ids: &mut Interner, text: &[u8]) -> i32 {
        let mut out = [0i32; 1];
        ids.utf8_column(text, &[0, text.len() as i32], &mut out);
        out[0]
    }

    #[test]
    fn an_integer_and_its_canonical_text_are_one_customer_and_other_texts_are_not() {
        let mut ids = Interner::default();
        let n = ids.int(42);
        assert_eq!(one(&mut ids, b"42"), n);
        assert_eq!(one(&mut ids, b"42.00"), n, "an integral decimal is the integer");
        let mut out = [0i32; 4];
        ids.f64_column(&[42.0, 0.5, f64::NAN, f64::INFINITY], &mut out);
        assert_eq!(out, [n, BAD, MISSING, BAD]);
        assert_ne!(one(&mut ids, b"042"), n, "a zero-padded id is text, kept as it is");
        for missing in [&b""[..], b"  ", b"NA", b" n/a ", b"NULL", b"None", b"nan", b"\xc2\xa0"] {
            assert_eq!(one(&mut ids, missing), MISSING, "{:?}", String::from_utf8_lossy(missing));
        }
        assert_eq!(one(&mut ids, &[b'x'; 1025]), BAD);
        // Beyond the safe range a BigInt id is its decimal text.
        let mut big = [0i32; 1];
        ids.i64_column(&[i64::MAX], &mut big);
        assert_eq!(one(&mut ids, i64::MAX.to_string().as_bytes()), big[0]);
    }

    #[test]
    fn a_masked_intern_judges_future_rows_without_numbering_them_and_skips_known_bad_rows() {
        let mut ids = Interner::default();
        let mut out = [JUDGE_ONLY, 0, JUDGE_ONLY, MISSING];
        ids.utf8_column(b"C1C2NAC3", &[0, 2, 4, 6, 8], &mut out);
        assert_eq!(out, [JUDGE_ONLY, 0, MISSING, MISSING]);
        assert_eq!(ids.len(), 1);
    }

    #[test]
    fn a_dictionary_column_numbers_entries_in_the_order_rows_first_need_them() {
        let mut ids = Interner::default();
        let mut mapping = [UNSEEN; 3];
        let mut out = [0i32; 5];
        ids.dict_column(b"C1C2NA", &[0, 2, 4, 6], &[1, 0, 1, 2, 7], &mut mapping, &mut out);
        assert_eq!(out, [0, 1, 0, MISSING, BAD]);
        assert_eq!(mapping, [1, 0, MISSING]);
        assert_eq!(ids.key(0), (None, &b"C2"[..]));
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
    fn a_utf8_column_with_bad_offsets_gives_bad_rows() {
        let mut ids = Interner::default();
        let mut out = [0i32; 3];
        ids.utf8_column(b"7abc", &[0, 1, 4, 10], &mut out);
        assert_eq!(out, [0, 1, BAD]);
        assert_eq!(ids.key(0).0, Some(7));
    }
}
