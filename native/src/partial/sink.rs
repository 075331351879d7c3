//! The sink of the native aggregation (DuckDB's radix-partitioned hash aggregate): rows go in,
//! per radix partition, as an append-only record log; nothing is summed per customer until
//! combine.rs. Each row's id is judged (ids.rs rules, the verdicts of interner.rs) and hashed
//! once; the hash's top `RADIX_BITS` pick one of `RADIX` partitions, each with its own small
//! interner, so the interning of a batch walks one small table at a time (rows are bucketed by
//! partition first) instead of probing one table of the whole base, a cache miss per row.
//!
//!   batch ──judge+hash──► pending (row, hash, key) ──counting sort by hash >> 25──►
//!   partition 0: interner (customers.rs, locked) │ seen, first_seen │ recs: (ts, units, cust, tag) …
//!   partition 1: …
//!
//! The interners are the sink's `Customers` table: its own, or the one every sink of a pool stage
//! shares (`join`), so that a customer is interned once per aggregation (customers.rs).
//!
//! A customer's handle, what the masked intern writes into `out`, is `local << RADIX_BITS | r`:
//! not dense, but stable for the table's life, so JS can keep it (a dictionary's mapping) and
//! `append` finds the partition without hashing again. `first_seen[local]` is the customer's rank
//! of first appearance in this sink (row order; `NOT_SEEN` for a customer of the table only other
//! sinks met), which orders the finalized base exactly as the single-threaded TypeScript path
//! numbers customers.

use super::combine::Piece;
use super::customers::Customers;
use crate::ids::{decimal, judge_utf8, utf8_row, IdText, MAX_SAFE};
use crate::interner::{hash_int, hash_text, Interner, BAD, JUDGE_ONLY, MISSING, UNSEEN};
use std::sync::Arc;

/// log2 of the number of radix partitions: 128 keeps a partition's table in L2 at 1M customers
/// (about 8k customers, 256 KiB of slots) and small at 10M.
pub const RADIX_BITS: u32 = 7;
/// Radix partitions of a sink.
pub const RADIX: usize = 1 << RADIX_BITS;
/// The most customers a partition may hold (a handle must stay a non-negative i32).
pub const MAX_LOCAL: usize = 1 << (31 - RADIX_BITS);

/// How many keys ahead `flush` prefetches a table slot.
const AHEAD: usize = 8;

/// Tag bit of a record whose amount is negative (a return).
pub const RETURN: u32 = 1 << 31;
/// A record's tag without the return bit: its order's number in the partition's order interner
/// plus one, or 0 for a row without an order id.
pub const ORDER_MASK: u32 = RETURN - 1;

/// One valid row, 24 bytes: the record log's element.
#[derive(Clone, Copy, Default, Debug, PartialEq)]
pub struct Rec {
    pub ts: f64,
    /// The amount in units of 0.0001 (money.ts `toUnits`).
    pub units: f64,
    /// The customer's number in its partition.
    pub cust: u32,
    /// `RETURN` | order number + 1 (see `ORDER_MASK`).
    pub tag: u32,
}

/// money.ts `toUnits`: an amount in whole units of 0.0001, rounding half up.
#[inline]
pub fn to_units(a: f64) -> f64 {
    floor(a * 10_000.0 + 0.5)
}

/// `f64::floor` without a call into libm (the baseline x86-64 target has no rounding
/// instruction): exact, since below 2^52 the truncation to an integer is, and above it every
/// double is whole already; NaN and the infinities go to libm.
#[inline]
pub fn floor(x: f64) -> f64 {
    if x.abs() < 4_503_599_627_370_496.0 {
        let t = x as i64 as f64;
        // A whole x is its own floor (-0 stays -0).
        if t == x {
            x
        } else if t > x {
            t - 1.0
        } else {
            t
        }
    } else {
        x.floor()
    }
}

/// The partition of a key's hash.
#[inline]
pub fn radix_of(h: u32) -> usize {
    (h >> (32 - RADIX_BITS)) as usize
}

/// `Partition::first_seen` of a customer this sink has not met.
pub const NOT_SEEN: u32 = u32::MAX;

/// One radix partition of a sink (its customers' keys are in the table's partition).
pub struct Partition {
    /// Rank of first appearance in the sink of each customer (by local number in the table), or
    /// `NOT_SEEN`; as long as the highest number the sink met, not the table.
    pub first_seen: Vec<u32>,
    /// One bit per customer number: whether the sink met it. Interning asks for every row, and
    /// these bits (~1 KiB a partition at 1M customers) stay in cache where `first_seen` (32 times
    /// the size, read at random) missed it on nearly every row.
    pub seen: Vec<u64>,
    pub recs: Vec<Rec>,
    /// One margin in units per record (0 for a row without one), or empty while no batch had a margin column.
    pub margin: Vec<f64>,
    /// Order ids: numbers as the bits of their f64 (`Key::Int`), texts as texts; never judged.
    pub orders: Interner,
}

impl Default for Partition {
    fn default() -> Self {
        Partition { first_seen: Vec::new(), seen: Vec::new(), recs: Vec::new(), margin: Vec::new(), orders: Interner::with_slots(2) }
    }
}

/// A key waiting for its partition's turn: an integer, or text at `start..start + len` of the
/// batch's bytes (or of `Sink::owned` when `owned`, for a BigInt beyond the safe range).
#[derive(Clone, Copy)]
enum PendingKey {
    Int(i64),
    Text { start: u32, len: u32, owned: bool },
}

#[derive(Clone, Copy)]
struct Pending {
    row: u32,
    hash: u32,
    key: PendingKey,
}

/// One sink: what one worker (or the main thread) aggregated of one share of the input.
pub struct Sink {
    /// Where the customers' keys are interned: the sink's own table, or its stage's (`join`).
    pub table: Arc<Customers>,
    /// Whether `table` is shared with other sinks (then only the combine finalizes it).
    pub joined: bool,
    /// The partition `flush` starts its walk at.
    first_partition: usize,
    pub parts: Vec<Partition>,
    /// Customers interned so far (the next `first_seen` rank).
    pub customers: u32,
    /// Rows appended.
    pub rows: f64,
    /// Latest `ts` of any row appended; -Infinity while none.
    pub max_ts: f64,
    pub has_margin: bool,
    pending: Vec<Pending>,
    sorted: Vec<Pending>,
    owned: Vec<u8>,
    fresh: Vec<bool>,
    /// Rows the sink was told to expect (`reserve`), for the margin logs a later batch may start.
    expected: usize,
}

impl Default for Sink {
    fn default() -> Self {
        Sink {
            table: Arc::new(Customers::default()),
            joined: false,
            first_partition: 0,
            parts: (0..RADIX).map(|_| Partition::default()).collect(),
            customers: 0,
            rows: 0.0,
            max_ts: f64::NEG_INFINITY,
            has_margin: false,
            pending: Vec::new(),
            sorted: Vec::new(),
            owned: Vec::new(),
            fresh: Vec::new(),
            expected: 0,
        }
    }
}

/// Records one partition should have room for when `rows` rows spread over the partitions: an
/// eighth more than the mean, since the customers' hashes, not their rows, are spread evenly.
fn partition_share(rows: usize) -> usize {
    let mean = rows / RADIX;
    mean + mean / 8 + 64
}

/// An order-id column of a batch: per row `kind` 0 (no order id), 1 (the number `num[i]`) or 2
/// (the UTF-8 text `bytes[offsets[i]..offsets[i + 1]]`).
pub struct OrderColumn<'a> {
    pub kind: &'a [u8],
    pub num: &'a [f64],
    pub bytes: &'a [u8],
    pub offsets: &'a [i32],
}

impl Sink {
    fn start(&mut self, n: usize) {
        self.pending.clear();
        if self.fresh.len() < n {
            self.fresh.resize(n, false);
        }
        self.owned.clear();
    }

    fn push_int(&mut self, row: usize, v: i64) {
        self.pending.push(Pending { row: row as u32, hash: hash_int(v), key: PendingKey::Int(v) });
    }

    /// Masked intern of a Float64 column (interner.rs `f64_column`'s verdicts, handles for numbers).
    pub fn f64_column(&mut self, ids: &[f64], out: &mut [i32]) {
        self.start(ids.len());
        for (i, (&v, o)) in ids.iter().zip(out.iter_mut()).enumerate() {
            if *o < JUDGE_ONLY {
                continue;
            }
            *o = if v.is_nan() {
                MISSING
            } else if v.fract() != 0.0 || v.abs() > MAX_SAFE as f64 {
                BAD
            } else if *o >= 0 {
                self.push_int(i, v as i64);
                0
            } else {
                JUDGE_ONLY
            };
        }
        self.flush(&[], out);
    }

    /// Masked intern of an Int32 column.
    pub fn i32_column(&mut self, ids: &[i32], out: &mut [i32]) {
        self.start(ids.len());
        for (i, (&v, o)) in ids.iter().zip(out.iter()).enumerate() {
            if *o >= 0 {
                self.push_int(i, v as i64);
            }
        }
        self.flush(&[], out);
    }

    /// Masked intern of a BigInt64 column: beyond the safe range the decimal text is the key.
    pub fn i64_column(&mut self, ids: &[i64], out: &mut [i32]) {
        self.start(ids.len());
        for (i, (&v, o)) in ids.iter().zip(out.iter_mut()).enumerate() {
            if *o < JUDGE_ONLY {
                continue;
            }
            if *o < 0 {
                *o = JUDGE_ONLY;
            } else if (-MAX_SAFE..=MAX_SAFE).contains(&v) {
                self.push_int(i, v);
            } else {
                let mut buf = [0u8; 24];
                let text = decimal(v, &mut buf);
                let start = self.owned.len() as u32;
                self.owned.extend_from_slice(text);
                self.pending.push(Pending { row: i as u32, hash: hash_text(text), key: PendingKey::Text { start, len: text.len() as u32, owned: true } });
            }
        }
        self.flush(&[], out);
    }

    /// Masked intern of a Utf8 column (`offsets.len() - 1` rows); bad offsets are `BAD`.
    pub fn utf8_column(&mut self, bytes: &[u8], offsets: &[i32], out: &mut [i32]) {
        self.start(out.len());
        for (i, o) in out.iter_mut().enumerate() {
            if *o < JUDGE_ONLY {
                continue;
            }
            let Some(s) = utf8_row(bytes, offsets, i) else {
                *o = BAD;
                continue;
            };
            match judge_utf8(s) {
                IdText::Missing => *o = MISSING,
                IdText::Bad => *o = BAD,
                _ if *o < 0 => *o = JUDGE_ONLY,
                IdText::Int(v) => self.push_int(i, v),
                IdText::Text => {
                    let start = offsets[i] as u32;
                    self.pending.push(Pending { row: i as u32, hash: hash_text(s), key: PendingKey::Text { start, len: s.len() as u32, owned: false } });
                }
            }
        }
        self.flush(bytes, out);
    }

    /// Interns the pending keys partition by partition (a stable counting sort keeps row order
    /// within a partition), writes their handles, then ranks the customers new to the sink in row
    /// order. A partition another sink holds is passed over and done after the others.
    fn flush(&mut self, bytes: &[u8], out: &mut [i32]) {
        let mut counts = [0u32; RADIX + 1];
        for p in &self.pending {
            counts[radix_of(p.hash) + 1] += 1;
        }
        for r in 0..RADIX {
            counts[r + 1] += counts[r];
        }
        let bounds = counts;
        self.sorted.clear();
        self.sorted.resize(self.pending.len(), Pending { row: 0, hash: 0, key: PendingKey::Int(0) });
        for p in &self.pending {
            let at = &mut counts[radix_of(p.hash)];
            self.sorted[*at as usize] = *p;
            *at += 1;
        }
        let keys = Keys { bytes, owned: &self.owned };
        let mut busy = Vec::new();
        for k in 0..RADIX {
            let r = (self.first_partition + k) % RADIX;
            let run = &self.sorted[bounds[r] as usize..bounds[r + 1] as usize];
            if run.is_empty() {
                continue;
            }
            match self.table.try_part(r) {
                Some(mut ids) => intern_run(&mut ids, &mut self.parts[r], r, run, &keys, &mut self.fresh, out),
                None => busy.push(r),
            }
        }
        for r in busy {
            let run = &self.sorted[bounds[r] as usize..bounds[r + 1] as usize];
            intern_run(&mut self.table.part(r), &mut self.parts[r], r, run, &keys, &mut self.fresh, out);
        }
        for p in &self.pending {
            let row = p.row as usize;
            if self.fresh[row] {
                self.fresh[row] = false;
                let c = out[row] as usize;
                self.parts[c & (RADIX - 1)].first_seen[c >> RADIX_BITS] = self.customers;
                self.customers += 1;
            }
        }
    }

    /// Interns one key now (a dictionary entry), ranking it at once when new.
    fn intern_now(&mut self, s: &[u8], intern: bool) -> i32 {
        let (h, key) = match judge_utf8(s) {
            IdText::Missing => return MISSING,
            IdText::Bad => return BAD,
            _ if !intern => return JUDGE_ONLY,
            IdText::Int(v) => (hash_int(v), Some(v)),
            IdText::Text => (hash_text(s), None),
        };
        let r = radix_of(h);
        let local = {
            let mut ids = self.table.part(r);
            match key {
                Some(v) => ids.int_hashed(v, h),
                None => ids.text_hashed(s, h),
            }
        } as usize;
        if mark_seen(&mut self.parts[r], local) {
            self.parts[r].first_seen[local] = self.customers;
            self.customers += 1;
        }
        ((local << RADIX_BITS) | r) as i32
    }

    /// Masked intern of a dictionary-encoded Utf8 column (interner.rs `dict_column`, with handles).
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
                let verdict = utf8_row(bytes, offsets, slot).map_or(BAD, |s| self.intern_now(s, *o >= 0));
                if verdict != JUDGE_ONLY {
                    mapping[slot] = verdict;
                }
                *o = verdict;
            }
        }
    }

    /// Checks that every non-negative handle of `cust` is within the customers this sink met
    /// (bounds only, from memory already in cache: a record of a customer the sink did not meet
    /// fails the combine instead, combine.rs).
    pub fn check_handles(&self, cust: &[i32]) -> bool {
        cust.iter().all(|&c| c < 0 || self.parts.get(c as usize & (RADIX - 1)).is_some_and(|p| (c as usize >> RADIX_BITS) < p.first_seen.len()))
    }

    /// Takes partition `r` out for the combine as share `share`'s piece; `tables` gathers the
    /// distinct customer tables of the pieces, and the piece names its sink's by index. None when
    /// the sink was finalized.
    pub fn take_piece(&mut self, share: u32, r: usize, tables: &mut Vec<Arc<Customers>>) -> Option<Piece> {
        let part = std::mem::take(self.parts.get_mut(r)?);
        let table = match tables.iter().position(|t| Arc::ptr_eq(t, &self.table)) {
            Some(t) => t,
            None => {
                tables.push(Arc::clone(&self.table));
                tables.len() - 1
            }
        };
        Some(Piece { share, table, part })
    }

    /// Interns into `table` (a pool stage's, shared with its other sinks) from now on; only before
    /// the first customer, since handles already given out name the sink's own table.
    pub fn join(&mut self, table: Arc<Customers>) -> Result<(), &'static str> {
        if self.customers > 0 || self.parts.is_empty() {
            return Err("a sink joins a customer table before its first customer");
        }
        self.first_partition = table.first_partition();
        self.table = table;
        self.joined = true;
        Ok(())
    }

    /// Makes room for `rows` more rows in every partition's record log at once. A log that grows
    /// by doubling copies itself into fresh memory at every step (realloc below the mmap
    /// threshold is malloc + memcpy + free): with two workers those copies were a third of the
    /// process's page faults, and two threads faulting contend on the process's memory map.
    pub fn reserve(&mut self, rows: usize) {
        self.expected = self.expected.saturating_add(rows);
        let want = partition_share(self.expected);
        for part in &mut self.parts {
            part.recs.reserve(want.saturating_sub(part.recs.len()));
            if self.has_margin {
                part.margin.reserve(want.saturating_sub(part.margin.len()));
            }
        }
    }

    /// Appends the rows whose handle `cust[i]` is >= 0 to their partitions' logs.
    pub fn append(&mut self, cust: &[i32], ts: &[f64], amount: &[f64], margin: Option<&[f64]>, orders: Option<&OrderColumn>) {
        if margin.is_some() && !self.has_margin {
            self.has_margin = true;
            let want = partition_share(self.expected);
            for part in &mut self.parts {
                part.margin.reserve(want.max(part.recs.len()));
                part.margin.resize(part.recs.len(), 0.0);
            }
        }
        let mut max_ts = self.max_ts;
        let mut rows = 0usize;
        for (i, &c) in cust.iter().enumerate() {
            if c < 0 {
                continue;
            }
            let (t, a) = (ts[i], amount[i]);
            rows += 1;
            if t > max_ts {
                max_ts = t;
            }
            let part = &mut self.parts[c as usize & (RADIX - 1)];
            let mut tag = if a < 0.0 { RETURN } else { 0 };
            if let Some(o) = orders {
                tag |= order_number(part, o, i);
            }
            part.recs.push(Rec { ts: t, units: to_units(a), cust: (c as u32) >> RADIX_BITS, tag });
            if self.has_margin {
                // A NaN margin is not known for the row: it adds nothing.
                let m = margin.map_or(f64::NAN, |m| m[i]);
                part.margin.push(if m.is_nan() { 0.0 } else { to_units(m) });
            }
        }
        self.max_ts = max_ts;
        self.rows += rows as f64;
    }
}

/// Where a pending key's text lies: the batch's bytes, or the sink's own (`PendingKey::Text::owned`).
struct Keys<'a> {
    bytes: &'a [u8],
    owned: &'a [u8],
}

/// Marks customer `local` as met by the sink; true when it was not yet (its rank is the caller's
/// to give, `first_seen` has room for it). Once per row: the growth is out of line.
#[inline(always)]
fn mark_seen(part: &mut Partition, local: usize) -> bool {
    let (word, bit) = (local >> 6, 1u64 << (local & 63));
    match part.seen.get_mut(word) {
        Some(w) if *w & bit != 0 => false,
        Some(w) => {
            *w |= bit;
            if part.first_seen.len() <= local {
                grow_first_seen(part, local);
            }
            true
        }
        None => {
            grow_first_seen(part, local);
            part.seen[word] |= bit;
            true
        }
    }
}

/// Room in `seen` and `first_seen` for customer `local`.
#[cold]
fn grow_first_seen(part: &mut Partition, local: usize) {
    assert!(local < MAX_LOCAL, "a radix partition holds more than {MAX_LOCAL} customers");
    if part.seen.len() <= local >> 6 {
        part.seen.resize((local >> 6) + 1, 0);
    }
    if part.first_seen.len() <= local {
        part.first_seen.resize(local + 1, NOT_SEEN);
    }
}

/// Interns one partition's run of pending keys into its (locked) interner `ids`: handles to `out`,
/// and `fresh[row]` for the rows that met a customer new to the sink.
fn intern_run(ids: &mut Interner, part: &mut Partition, r: usize, run: &[Pending], keys: &Keys, fresh: &mut [bool], out: &mut [i32]) {
    for (k, p) in run.iter().enumerate() {
        // With a million customers nearly every probe misses the cache: ask for the slot of the
        // key AHEAD places on now, so the misses overlap.
        if let Some(q) = run.get(k + AHEAD) {
            ids.prefetch(q.hash);
        }
        let local = match p.key {
            PendingKey::Int(v) => ids.int_hashed(v, p.hash),
            PendingKey::Text { start, len, owned } => {
                let src = if owned { keys.owned } else { keys.bytes };
                ids.text_hashed(&src[start as usize..(start + len) as usize], p.hash)
            }
        } as usize;
        fresh[p.row as usize] = mark_seen(part, local);
        out[p.row as usize] = ((local << RADIX_BITS) | r) as i32;
    }
}

/// The tag bits of row `i`'s order id: its number in the partition's order interner + 1, or 0.
fn order_number(part: &mut Partition, o: &OrderColumn, i: usize) -> u32 {
    let k = match o.kind[i] {
        // `+ 0.0` files -0 under 0, as order-set.ts does.
        1 => part.orders.int((o.num[i] + 0.0).to_bits() as i64),
        2 => match utf8_row(o.bytes, o.offsets, i) {
            Some(s) => part.orders.text(s),
            None => return 0,
        },
        _ => return 0,
    };
    assert!((k as u32) < ORDER_MASK, "a radix partition holds too many distinct orders");
    k as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_rows(sink: &mut Sink, texts: &[&str], out: &mut [i32]) {
        let mut bytes = Vec::new();
        let mut offsets = vec![0i32];
        for t in texts {
            bytes.extend_from_slice(t.as_bytes());
            offsets.push(bytes.len() as i32);
        }
        sink.utf8_column(&bytes, &offsets, out);
    }

    #[test]
    fn floor_is_libms() {
        for x in [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5e-300, -2.5e-300, 4_503_599_627_370_495.5, -4_503_599_627_370_495.5, 1e300, -1e300, 123_456.999_999, -7.000_001] {
            assert_eq!(floor(x).to_bits(), x.floor().to_bits(), "{x}");
        }
        assert!(floor(f64::NAN).is_nan());
        assert_eq!(floor(f64::NEG_INFINITY), f64::NEG_INFINITY);
    }

    #[test]
    fn customers_are_ranked_in_row_order_of_first_appearance_whatever_their_partition() {
        let mut sink = Sink::default();
        let ids: Vec<String> = (0..2000).map(|i| format!("C{}", (i * 7919) % 1500)).collect();
        let texts: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut out = vec![0i32; texts.len()];
        text_rows(&mut sink, &texts, &mut out);
        assert_eq!(sink.customers, 1500);
        let mut seen = std::collections::HashMap::new();
        for (i, t) in texts.iter().enumerate() {
            let next = seen.len() as u32;
            let rank = *seen.entry(*t).or_insert(next);
            let c = out[i] as usize;
            assert_eq!(sink.parts[c & (RADIX - 1)].first_seen[c >> RADIX_BITS], rank, "row {i}");
        }
    }

    #[test]
    fn verdicts_are_the_interners_and_an_integer_text_is_the_integer() {
        let mut sink = Sink::default();
        let mut out = [0, 0, JUDGE_ONLY, 0, MISSING, 0];
        text_rows(&mut sink, &["42", "NA", "C1", "042", "C2", "42.0"], &mut out);
        assert_eq!(&out[1..5], &[MISSING, JUDGE_ONLY, out[3], MISSING]);
        assert_eq!(out[5], out[0], "42.0 is customer 42");
        let mut nums = [0i32; 4];
        sink.f64_column(&[42.0, 0.5, f64::NAN, 7.0], &mut nums);
        assert_eq!(&nums[..3], &[out[0], BAD, MISSING]);
        assert_eq!(sink.customers, 3, "42, 042 and 7");
        let mut dict_out = [0i32; 3];
        let mut mapping = [UNSEEN; 2];
        sink.dict_column(b"042C9", &[0, 3, 5], &[0, 1, 0], &mut mapping, &mut dict_out);
        assert_eq!(dict_out[0], out[3]);
        assert_eq!(dict_out[2], out[3]);
        assert_eq!(sink.customers, 4);
    }

    #[test]
    fn reserved_logs_take_every_expected_row_without_moving() {
        let mut sink = Sink::default();
        let rows = 200_000usize;
        sink.reserve(rows);
        let ids: Vec<i32> = (0..rows as i32).map(|i| i.wrapping_mul(7919) % 50_000).collect();
        let mut cust = vec![0i32; rows];
        sink.i32_column(&ids, &mut cust);
        let before: Vec<(*const Rec, *const f64)> = sink.parts.iter().map(|p| (p.recs.as_ptr(), p.margin.as_ptr())).collect();
        let ts = vec![1.0; rows];
        // The margin column starts with the first batch: its logs are sized from the reservation too.
        sink.append(&cust[..rows / 2], &ts[..rows / 2], &ts[..rows / 2], Some(&ts[..rows / 2]), None);
        let with_margin: Vec<*const f64> = sink.parts.iter().map(|p| p.margin.as_ptr()).collect();
        sink.append(&cust[rows / 2..], &ts[rows / 2..], &ts[rows / 2..], Some(&ts[rows / 2..]), None);
        assert_eq!(sink.rows, rows as f64);
        for (r, p) in sink.parts.iter().enumerate() {
            assert_eq!(p.recs.as_ptr(), before[r].0, "partition {r}'s records moved");
            assert_eq!(p.margin.as_ptr(), with_margin[r], "partition {r}'s margins moved");
            assert_eq!(p.margin.len(), p.recs.len());
        }
        assert_eq!(sink.parts.iter().map(|p| p.recs.len()).sum::<usize>(), rows);
    }

    #[test]
    fn append_logs_valid_rows_with_units_sign_and_orders() {
        let mut sink = Sink::default();
        let mut cust = [0i32; 3];
        sink.i32_column(&[5, 6, 5], &mut cust);
        cust[1] = -1;
        let orders = OrderColumn { kind: &[2, 0, 1], num: &[0.0, 0.0, 12.0], bytes: b"A1", offsets: &[0, 2, 2, 2] };
        sink.append(&cust, &[1.0, 2.0, 3.0], &[1.25, 9.0, -0.5], Some(&[f64::NAN, 1.0, 0.1]), Some(&orders));
        assert_eq!(sink.rows, 2.0);
        assert_eq!(sink.max_ts, 3.0);
        let part = &sink.parts[cust[0] as usize & (RADIX - 1)];
        assert_eq!(part.recs.len(), 2);
        assert_eq!(part.recs[0], Rec { ts: 1.0, units: 12_500.0, cust: 0, tag: 1 });
        assert_eq!(part.recs[1], Rec { ts: 3.0, units: -5_000.0, cust: 0, tag: RETURN | 2 });
        assert_eq!(part.margin, vec![0.0, 1_000.0]);
    }
}
