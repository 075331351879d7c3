//! The base put together by the pool's merge tasks themselves, so that nothing is merged or copied
//! on the main thread after them (issue 10: 81–87 ms there at two workers, on two cores while the
//! workers waited).
//!
//!   main:    SharedBase for P tasks (registered, empty)
//!   task p:  its radix partitions ──combine, sort, derive──► part p ──join──► waits for the others
//!   last:    every part in: the base's rows cut into ranges, its columns allocated (not touched)
//!   task *:  claims ranges until none is left: each range's rows merged from the parts on their
//!            order keys and copied, column by column, with their ids
//!   main:    take: the columns as they are
//!
//! The base's order is the parts merged on their order keys (the first share that met a customer,
//! then its rank there), what one merge task of every partition gives. A range is whole rows of the base, so two tasks never write one cache line (ranges
//! start at multiples of 64 rows); where a range starts in each part is found by a binary search
//! over the keys, not by merging the rows before it.
//!
//! A task waits for the others for at most `WAIT`: the pool runs the P merge tasks at once on its P
//! idle workers, so they arrive within milliseconds of each other; a task that was not started
//! (queued behind another on one worker) must not hold that worker forever. The task that brings
//! the last part always claims ranges until none is left, so every range is done by some task
//! before the last of them returns, whoever timed out.

use super::derive::{BasePart, Gathered};
use super::lock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

/// Longest a task waits for the other parts before leaving the copy to the task that brings the last.
const WAIT: Duration = Duration::from_secs(2);
/// Rows of a range are a multiple of this: whole cache lines of every column and of the offsets.
const ALIGN: usize = 64;
/// Ranges per task, so that a task that starts late still finds some.
const RANGES_PER_TASK: usize = 4;

/// The base the merge tasks of one pool stage put together.
pub struct SharedBase {
    tasks: usize,
    /// The parts that joined, until the last comes, and how many joined.
    parts: Mutex<(Vec<Joined>, usize)>,
    all_in: Condvar,
    /// Set by the task that brings the last part.
    plan: OnceLock<Result<Plan, String>>,
    next: AtomicUsize,
    /// Rows copied so far.
    done: AtomicUsize,
}

/// A part as it joined, with the bytes of its customers' ids before each of them, in order (one
/// more than customers): found by the task that joins it, before it takes the lock.
type Joined = (BasePart, Vec<usize>);

/// The parts, every row's place and the base being written.
struct Plan {
    parts: Vec<BasePart>,
    ids_before: Vec<Vec<usize>>,
    /// Range k is rows `starts[k].0 .. starts[k + 1].0`, whose first customer in part q is `starts[k].1[q]`.
    starts: Vec<(usize, Vec<usize>)>,
    n: usize,
    /// Where each column and the ids are written, through `col_at` and `id_at`: not moved or read
    /// until `take`.
    cols: Vec<Vec<f64>>,
    id_bytes: Vec<u8>,
    id_offsets: Vec<i32>,
    col_at: Vec<*mut f64>,
    id_at: *mut u8,
    offsets_at: *mut i32,
}

// SAFETY: the pointers are into `cols`, `id_bytes` and `id_offsets`, which nothing moves or reads
// while tasks write; each range's rows (and their ids' bytes and offsets) are written by the one
// task that claimed it, and `take` reads them after every task has returned and dropped its handle.
unsafe impl Send for Plan {}
unsafe impl Sync for Plan {}

impl SharedBase {
    /// An empty base for `tasks` merge tasks.
    pub fn new(tasks: usize) -> SharedBase {
        SharedBase { tasks: tasks.max(1), parts: Mutex::new((Vec::new(), 0)), all_in: Condvar::new(), plan: OnceLock::new(), next: AtomicUsize::new(0), done: AtomicUsize::new(0) }
    }

    /// Task's part (in order of first appearance) joins the base; then the task copies ranges of
    /// the base while there are any, once every part is in (see the module's note on waiting).
    pub fn join(&self, part: BasePart) -> Result<(), String> {
        // The one part of a base is the base: its ids are put in order here, on the task's thread.
        let part = if self.tasks == 1 { part.ids_in_order() } else { part };
        let before = ids_before(&part);
        let mut parts = lock(&self.parts);
        if parts.1 == self.tasks {
            return Err("more merge tasks than the base was made for".into());
        }
        parts.0.push((part, before));
        parts.1 += 1;
        if parts.1 == self.tasks {
            let all = std::mem::take(&mut parts.0);
            let _ = self.plan.set(Plan::new(all, self.tasks * RANGES_PER_TASK));
            // Unlocked before the copy: a waiting task takes the lock back as it wakes.
            drop(parts);
            self.all_in.notify_all();
        } else {
            let (parts, waited) = self.all_in.wait_timeout_while(parts, WAIT, |_| self.plan.get().is_none()).unwrap_or_else(|p| p.into_inner());
            drop(parts);
            if waited.timed_out() {
                return Ok(());
            }
        }
        let copy = self.plan.get().expect("the copy is planned once every part is in").as_ref().map_err(String::clone)?;
        // Where each row of a range comes from; one buffer for every range this task copies.
        let mut rows = Vec::new();
        loop {
            let k = self.next.fetch_add(1, Ordering::Relaxed);
            if k + 1 >= copy.starts.len() {
                return Ok(());
            }
            // SAFETY: range k is this task's alone (claimed above).
            unsafe { copy.range(k, &mut rows) };
            self.done.fetch_add(rows.len(), Ordering::Release);
        }
    }

    /// The base, once every part joined and every row was copied.
    pub fn take(self) -> Result<Gathered, String> {
        let Some(copy) = self.plan.into_inner() else {
            return Err(format!("{} of the base's {} parts joined it", lock(&self.parts).1, self.tasks));
        };
        let copy = copy?;
        if copy.starts.is_empty() {
            // One part: it is the base as it is.
            let mut parts = copy.parts;
            return Ok(parts.pop().map_or_else(|| Gathered { cols: Vec::new(), id_bytes: Vec::new(), id_offsets: vec![0] }, BasePart::into_base));
        }
        let done = self.done.load(Ordering::Acquire);
        if done != copy.n {
            return Err(format!("the merge tasks copied {done} of the base's {} customers", copy.n));
        }
        Ok(Gathered { cols: copy.cols, id_bytes: copy.id_bytes, id_offsets: copy.id_offsets })
    }
}

/// Where the `row`-th customer of the base (0-based, in ascending order keys) starts in each part:
/// the number of each part's customers whose key is below that customer's.
fn heads_at(parts: &[BasePart], row: usize) -> Vec<usize> {
    let below = |x: u64| parts.iter().map(|p| p.order.partition_point(|&o| (o as u64) < x)).collect::<Vec<usize>>();
    // The smallest key x with `row` keys below it and one at it: keys are distinct whole numbers below 2^53.
    let (mut lo, mut hi) = (0u64, 1u64 << 53);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if below(mid + 1).iter().sum::<usize>() > row {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    below(lo)
}

/// The bytes of `part`'s ids before each of its customers, in order, and of them all.
fn ids_before(part: &BasePart) -> Vec<usize> {
    let n = part.order.len();
    let mut before = Vec::with_capacity(n + 1);
    before.push(0);
    let mut bytes = 0;
    for c in 0..n {
        bytes += part.id(c).len();
        before.push(bytes);
    }
    before
}

impl Plan {
    /// The copy of `parts` in about `ranges` ranges (none for one part, which is the base as it is).
    fn new(joined: Vec<Joined>, ranges: usize) -> Result<Plan, String> {
        let (parts, ids_before): (Vec<BasePart>, Vec<Vec<usize>>) = joined.into_iter().unzip();
        let n: usize = parts.iter().map(|p| p.order.len()).sum();
        let ncols = parts.first().map_or(0, |p| p.cols.len());
        if parts.iter().any(|p| p.cols.len() != ncols) {
            return Err("combined partitions with different windows".into());
        }
        let bytes: usize = parts.iter().map(|p| p.id_bytes.len()).sum();
        if bytes > i32::MAX as usize {
            return Err("the base's ids pass 2 GiB of text".into());
        }
        if parts.len() <= 1 {
            return Ok(Plan { parts, ids_before, starts: Vec::new(), n, cols: Vec::new(), id_bytes: Vec::new(), id_offsets: Vec::new(), col_at: Vec::new(), id_at: std::ptr::null_mut(), offsets_at: std::ptr::null_mut() });
        }
        let step = n.div_ceil(ranges.max(1)).div_ceil(ALIGN) * ALIGN;
        let mut starts: Vec<(usize, Vec<usize>)> = (0..n).step_by(step.max(ALIGN)).map(|row| (row, heads_at(&parts, row))).collect();
        starts.push((n, parts.iter().map(|p| p.order.len()).collect()));
        // Zeroed allocations this large are fresh mappings: the tasks fault their pages in, each its ranges'.
        let mut cols: Vec<Vec<f64>> = (0..ncols).map(|_| vec![0.0; n]).collect();
        let mut id_bytes = vec![0u8; bytes];
        let mut id_offsets = vec![0i32; n + 1];
        let col_at = cols.iter_mut().map(|c| c.as_mut_ptr()).collect();
        let (id_at, offsets_at) = (id_bytes.as_mut_ptr(), id_offsets.as_mut_ptr());
        Ok(Plan { parts, ids_before, starts, n, cols, id_bytes, id_offsets, col_at, id_at, offsets_at })
    }

    /// Copies range `k`, leaving in `rows` the (part, index) each of its rows came from.
    ///
    /// # Safety
    /// Range `k` is copied once, by one thread.
    unsafe fn range(&self, k: usize, rows: &mut Vec<(u32, u32)>) {
        let parts = &self.parts;
        let ((from, heads), (to, ends)) = (&self.starts[k], &self.starts[k + 1]);
        // Where each row comes from: the part whose next key is the smallest.
        let mut at = heads.clone();
        rows.clear();
        for _ in *from..*to {
            let mut best = usize::MAX;
            for (q, p) in parts.iter().enumerate() {
                if at[q] < ends[q] && (best == usize::MAX || p.order[at[q]] < parts[best].order[at[best]]) {
                    best = q;
                }
            }
            rows.push((best as u32, at[best] as u32));
            at[best] += 1;
        }
        for (c, &col) in self.col_at.iter().enumerate() {
            let from_part: Vec<&[f64]> = parts.iter().map(|p| p.cols[c].as_slice()).collect();
            for (row, &(q, i)) in (*from..).zip(rows.iter()) {
                // SAFETY: row < n, this range's (the caller's promise).
                unsafe { col.add(row).write(from_part[q as usize][i as usize]) };
            }
        }
        // The range's ids start after every id of the customers before it, in every part.
        let mut byte: usize = heads.iter().zip(&self.ids_before).map(|(&h, before)| before[h]).sum();
        for (row, &(q, i)) in (*from..).zip(rows.iter()) {
            let id = parts[q as usize].id(i as usize);
            // SAFETY: the ids of this range's rows are its bytes alone, within the total; offsets row + 1 too.
            unsafe {
                std::ptr::copy_nonoverlapping(id.as_ptr(), self.id_at.add(byte), id.len());
                byte += id.len();
                self.offsets_at.add(row + 1).write(byte as i32);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::combine::{combine_partition, Columns, Piece};
    use super::super::customers::Customers;
    use super::super::derive::derive;
    use super::super::sink::{Sink, RADIX};
    use super::*;
    use std::sync::Arc;

    const DAY: f64 = 86_400_000.0;

    /// Three sinks of one table over overlapping customers (integer ids; text, some of it integers,
    /// in the second), each meeting customers no earlier one met, in an order of its own.
    fn sinks() -> Vec<Sink> {
        let table = Arc::new(Customers::default());
        let mut out = Vec::new();
        for (share, (from, to, step)) in [(0u32, (0i32, 3000, 3)), (1, (1000, 5000, 2)), (2, (2000, 6000, 1))] {
            let mut sink = Sink::default();
            sink.join(Arc::clone(&table)).unwrap();
            let ids: Vec<i32> = (from..to).step_by(step).rev().chain(from..to).collect();
            let mut c = vec![0i32; ids.len()];
            if share == 1 {
                let (mut bytes, mut offsets) = (Vec::new(), vec![0i32]);
                for &id in &ids {
                    bytes.extend_from_slice(if id % 5 == 0 { format!("C{id}") } else { id.to_string() }.as_bytes());
                    offsets.push(bytes.len() as i32);
                }
                sink.utf8_column(&bytes, &offsets, &mut c);
            } else {
                sink.i32_column(&ids, &mut c);
            }
            let ts: Vec<f64> = ids.iter().map(|&i| (i % 400) as f64 * DAY).collect();
            let amount: Vec<f64> = ids.iter().map(|&i| (i % 37) as f64 * 0.37 - 2.0).collect();
            sink.append(&c, &ts, &amount, None, None);
            out.push(sink);
        }
        out
    }

    /// Output partition p of P of `sinks` as a merge task makes it: combined, sorted, derived.
    fn part(sinks: &mut [Sink], p: usize, partitions: usize) -> BasePart {
        let mut out = Columns::default();
        for r in (p..RADIX).step_by(partitions) {
            let mut tables = Vec::new();
            let pieces: Vec<Piece> = sinks.iter_mut().enumerate().map(|(share, s)| s.take_piece(share as u32 * 3, r, &mut tables).unwrap()).collect();
            combine_partition(tables.iter().map(|t| t.take(r)).collect(), pieces, 400.0, &[90.0, 365.0, 30.0], &mut out);
        }
        out.sort_by_order();
        derive(out, 400.0)
    }

    /// The base of one merge task over every partition.
    fn whole() -> Gathered {
        part(&mut sinks(), 0, 1).into_base()
    }

    fn same(got: &Gathered, want: &Gathered, what: &str) {
        assert_eq!(got.id_offsets, want.id_offsets, "{what}");
        assert_eq!(got.id_bytes, want.id_bytes, "{what}");
        assert_eq!(got.cols.len(), want.cols.len(), "{what}");
        for (k, (g, w)) in got.cols.iter().zip(&want.cols).enumerate() {
            assert!(g.len() == w.len() && g.iter().zip(w).all(|(x, y)| x.to_bits() == y.to_bits()), "column {k}, {what}");
        }
    }

    #[test]
    fn merge_tasks_put_together_the_base_the_gather_makes() {
        for partitions in [1, 2, 3, 5] {
            let parts: Vec<BasePart> = {
                let mut s = sinks();
                (0..partitions).map(|p| part(&mut s, p, partitions)).collect()
            };
            let clone = |p: &BasePart| BasePart { order: p.order.clone(), cols: p.cols.clone(), id_bytes: p.id_bytes.clone(), id_ends: p.id_ends.clone(), id_at: p.id_at.clone() };
            let want = whole();
            // Each task on a thread of its own, joining in turn; then one joining long after the others.
            let base = SharedBase::new(partitions);
            std::thread::scope(|scope| {
                for p in &parts {
                    let base = &base;
                    scope.spawn(move || base.join(clone(p)).unwrap());
                }
            });
            same(&base.take().unwrap(), &want, &format!("{partitions} tasks at once"));
        }
        // Small ranges: a base of thousands of rows cut into many ranges of 64.
        let mut s = sinks();
        let parts: Vec<BasePart> = (0..2).map(|p| part(&mut s, p, 2)).collect();
        let want = whole();
        let copy = Plan::new(parts.into_iter().map(|p| { let before = ids_before(&p); (p, before) }).collect(), 1000).unwrap();
        assert!(copy.starts.len() > 50);
        let mut rows = Vec::new();
        for k in 0..copy.starts.len() - 1 {
            unsafe { copy.range(k, &mut rows) };
        }
        same(&Gathered { cols: copy.cols, id_bytes: copy.id_bytes, id_offsets: copy.id_offsets }, &want, "ranges of 64 rows");
    }

    #[test]
    fn a_task_that_waits_too_long_leaves_the_copy_to_the_last() {
        let mut s = sinks();
        let parts: Vec<BasePart> = (0..2).map(|p| part(&mut s, p, 2)).collect();
        let want = whole();
        let mut parts = parts.into_iter();
        let base = SharedBase::new(2);
        let early = std::time::Instant::now();
        base.join(parts.next().unwrap()).unwrap();
        assert!(early.elapsed() >= WAIT, "waited for the other part, then left");
        base.join(parts.next().unwrap()).unwrap();
        assert!(base.join(BasePart::default()).is_err(), "a third part for two tasks");
        same(&base.take().unwrap(), &want, "copied by the last task alone");
        assert!(SharedBase::new(2).take().err().unwrap().contains("0 of the base's 2 parts"));
    }
}
