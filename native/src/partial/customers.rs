//! The customers of one aggregation: one interner per radix partition (sink.rs `RADIX`), each
//! under its own lock, shared by every sink of a pool stage. Each share's sink meets almost every
//! customer when they are spread over the whole input (1M customers over 10M rows: 947k of 995k
//! per share at two shares), so an interner per sink interned each customer once per share and
//! the combine re-interned every later sink's keys into the first's; with one table a customer is
//! interned once per aggregation and combine.rs only counting-sorts the records.
//!
//!   sink 0 ─┐  flush: partition by partition, lock r, intern its run of keys, unlock
//!   sink 1 ─┼─► part 0: Mutex<Interner> │ part 1: Mutex<Interner> │ … │ part 127
//!   sink k ─┘  (each sink starts its walk elsewhere and passes over a busy lock, coming back to it)
//!
//! A customer's number in its partition's interner is the same for every sink, so a handle
//! (`local << RADIX_BITS | r`) names one customer across the stage. What is per sink stays in the
//! sink: its record logs, its order interners, and each customer's rank of first appearance in it
//! (`Partition::first_seen`, indexed by the table's numbers), from which the combine takes the base's
//! order exactly as before (the first share that saw the customer, then its rank there).
//!
//! A sink not joined to a stage's table has a table of its own (the single-sink paths).

use super::lock;
use super::sink::RADIX;
use crate::interner::Interner;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

/// One partition's interner and its lock, alone on its cache lines (128 bytes: a line and the
/// adjacent-line prefetch): unpadded, a partition's lock word and interner header (80 bytes) shared
/// a line with its neighbour's, so a sink taking one partition's lock or growing its entries
/// invalidated the line another sink was reading the next partition's table through.
#[repr(align(128))]
struct Padded(Mutex<Interner>);

/// The customer interners of one aggregation, one per radix partition.
pub struct Customers {
    parts: Vec<Padded>,
    /// Sinks that joined, for the partition each starts its walks at.
    joined: AtomicUsize,
}

impl Default for Customers {
    fn default() -> Self {
        // Most partitions stay small in a small input: their tables start at 64 slots.
        Customers { parts: (0..RADIX).map(|_| Padded(Mutex::new(Interner::with_slots(64)))).collect(), joined: AtomicUsize::new(0) }
    }
}

impl Customers {
    /// Partition `r`'s interner, waiting for it.
    pub fn part(&self, r: usize) -> MutexGuard<'_, Interner> {
        lock(&self.parts[r].0)
    }

    /// Partition `r`'s interner, or None while another sink holds it.
    pub fn try_part(&self, r: usize) -> Option<MutexGuard<'_, Interner>> {
        match self.parts[r].0.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// Every partition's interner, locked in partition order (for reading keys by rank). No
    /// deadlock: every other holder holds one partition at a time and waits for none while it does.
    pub fn all(&self) -> Vec<MutexGuard<'_, Interner>> {
        (0..RADIX).map(|r| self.part(r)).collect()
    }

    /// Takes partition `r`'s interner out for the combine; an empty one stays.
    pub fn take(&self, r: usize) -> Interner {
        std::mem::replace(&mut *self.part(r), Interner::with_slots(2))
    }

    /// The partition a newly joined sink starts its walks at: sinks spread over the ring (79/128 ≈
    /// the golden ratio), so two workers flushing at once rarely reach for the same lock.
    pub fn first_partition(&self) -> usize {
        self.joined.fetch_add(1, Ordering::Relaxed) * 79 % RADIX
    }
}

#[cfg(test)]
mod tests {
    use super::super::combine::{combine_partition, Columns, Piece};
    use super::super::sink::{Sink, RADIX, RADIX_BITS};
    use super::*;
    use crate::interner::UNSEEN;
    use std::collections::HashMap;
    use std::sync::{Arc, Barrier};

    /// Feeds `ids` to `sink` in batches of 500 rows, alternating text, integer and dictionary
    /// columns, and appends each row with amount 1; returns each row's handle.
    fn sink_rows(sink: &mut Sink, ids: &[u32]) -> Vec<i32> {
        let mut handles = Vec::with_capacity(ids.len());
        for (b, batch) in ids.chunks(500).enumerate() {
            let mut out = vec![0i32; batch.len()];
            match b % 3 {
                0 => {
                    let (mut bytes, mut offsets) = (Vec::new(), vec![0i32]);
                    for id in batch {
                        bytes.extend_from_slice(id.to_string().as_bytes());
                        offsets.push(bytes.len() as i32);
                    }
                    sink.utf8_column(&bytes, &offsets, &mut out);
                }
                1 => sink.i32_column(&batch.iter().map(|&id| id as i32).collect::<Vec<_>>(), &mut out),
                _ => {
                    // A dictionary of the batch's distinct ids in reverse order of first need.
                    let mut dict: Vec<u32> = Vec::new();
                    for id in batch {
                        if !dict.contains(id) {
                            dict.push(*id);
                        }
                    }
                    dict.reverse();
                    let (mut bytes, mut offsets) = (Vec::new(), vec![0i32]);
                    for id in &dict {
                        bytes.extend_from_slice(id.to_string().as_bytes());
                        offsets.push(bytes.len() as i32);
                    }
                    let indices: Vec<i32> = batch.iter().map(|id| dict.iter().position(|d| d == id).unwrap() as i32).collect();
                    let mut mapping = vec![UNSEEN; dict.len()];
                    sink.dict_column(&bytes, &offsets, &indices, &mut mapping, &mut out);
                }
            }
            let ones = vec![1.0; batch.len()];
            sink.append(&out, &ones, &ones, None, None);
            handles.extend_from_slice(&out);
        }
        handles
    }

    /// The ids of `rows` rows over `customers` customers, in a pseudo-random order of `seed`.
    fn ids(rows: usize, customers: u32, seed: u64) -> Vec<u32> {
        let mut x = seed;
        (0..rows)
            .map(|_| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                (x >> 33) as u32 % customers
            })
            .collect()
    }

    /// Rank of first appearance of each id in `ids`.
    fn ranks(ids: &[u32]) -> HashMap<u32, u32> {
        let mut seen = HashMap::new();
        for &id in ids {
            let next = seen.len() as u32;
            seen.entry(id).or_insert(next);
        }
        seen
    }

    #[test]
    fn two_threads_share_one_table_and_the_combine_keeps_each_shares_order() {
        let table = Arc::new(Customers::default());
        let inputs = [ids(60_000, 20_000, 1), ids(60_000, 30_000, 2)];
        let start = Arc::new(Barrier::new(2));
        let threads: Vec<_> = inputs
            .iter()
            .cloned()
            .map(|input| {
                let (table, start) = (Arc::clone(&table), Arc::clone(&start));
                std::thread::spawn(move || {
                    let mut sink = Sink::default();
                    sink.join(table).unwrap();
                    start.wait();
                    let handles = sink_rows(&mut sink, &input);
                    (sink, handles)
                })
            })
            .collect();
        let mut done: Vec<(Sink, Vec<i32>)> = threads.into_iter().map(|t| t.join().unwrap()).collect();

        // One customer, one handle, whichever sink met it; one key per customer in the table.
        let mut handle_of: HashMap<u32, i32> = HashMap::new();
        for ((_, handles), input) in done.iter().zip(&inputs) {
            for (&h, &id) in handles.iter().zip(input) {
                assert!(h >= 0);
                assert_eq!(*handle_of.entry(id).or_insert(h), h, "customer {id}");
            }
        }
        let parts = table.all();
        assert_eq!(parts.iter().map(|p| p.len()).sum::<usize>(), handle_of.len());
        for (&id, &h) in &handle_of {
            let (r, local) = (h as usize & (RADIX - 1), h as usize >> RADIX_BITS);
            assert_eq!(parts[r].key(local).0, Some(id as i64));
        }
        drop(parts);
        // Each sink ranks its customers in its own rows' order of first appearance.
        for ((sink, handles), input) in done.iter().zip(&inputs) {
            let expected = ranks(input);
            assert_eq!(sink.customers as usize, expected.len());
            for (&h, id) in handles.iter().zip(input) {
                assert_eq!(sink.parts[h as usize & (RADIX - 1)].first_seen[h as usize >> RADIX_BITS], expected[id]);
            }
        }

        // The base: share 0's customers in its order, then those only share 1 met in its order; every row counted once.
        let mut out = Columns::default();
        for r in 0..RADIX {
            let mut tables = Vec::new();
            let pieces: Vec<Piece> = done.iter_mut().enumerate().map(|(s, (sink, _))| sink.take_piece(s as u32, r, &mut tables).unwrap()).collect();
            assert_eq!(tables.len(), 1, "one table for both sinks");
            combine_partition(tables.iter().map(|t| t.take(r)).collect(), pieces, 0.0, &[], &mut out);
        }
        out.sort_by_order();
        let (first, second) = (ranks(&inputs[0]), ranks(&inputs[1]));
        let mut expected: Vec<(u32, f64)> = first.iter().map(|(&id, &rank)| (id, rank as f64)).collect();
        expected.extend(second.iter().filter(|(id, _)| !first.contains_key(id)).map(|(&id, &rank)| (id, 2_147_483_648.0 + rank as f64)));
        expected.sort_by(|a, b| a.1.total_cmp(&b.1));
        assert_eq!(out.order, expected.iter().map(|e| e.1).collect::<Vec<_>>());
        let rows = |id: u32| inputs.iter().flatten().filter(|&&x| x == id).count() as f64;
        for (c, &(id, _)) in expected.iter().enumerate() {
            let (src, k) = out.keys[out.key_at[c] as usize];
            assert_eq!(out.interners[src as usize].key(k as usize).0, Some(id as i64));
            if c % 97 == 0 {
                assert_eq!(out.orders[c], rows(id), "customer {id}");
            }
        }
        assert_eq!(out.orders.iter().sum::<f64>(), 120_000.0);
    }
}
