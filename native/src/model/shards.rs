//! Fixed shards summed across threads, added up in shard order: the same total for any thread count.

use std::thread;

/// Shards a thread must have before one is started for them: starting and joining a thread costs
/// microseconds on an idle machine but can cost milliseconds on a busy one (a new thread waits for
/// a core), which a base of a few shards does not repay. The shards, and so the sums, are the same.
const MIN_SHARDS_PER_THREAD: usize = 8;

/// Sums `W` values per shard of `shard_rows` rows (`sum(from, to)`) on up to `threads` threads
/// (0: one per core, at most one per `MIN_SHARDS_PER_THREAD` shards) and adds the shard sums in
/// shard order, each shard summed from zero.
pub fn sharded<const W: usize>(n: usize, shard_rows: usize, threads: usize, sum: impl Fn(usize, usize) -> [f64; W] + Sync) -> [f64; W] {
    let shard_rows = shard_rows.max(1);
    let shards = n.div_ceil(shard_rows);
    let cores = if threads == 0 { thread::available_parallelism().map_or(1, |c| c.get()).min(shards / MIN_SHARDS_PER_THREAD) } else { threads };
    let threads = cores.min(shards).max(1);
    let mut parts = vec![[0.0; W]; shards];
    let range = |s: usize| (s * shard_rows, ((s + 1) * shard_rows).min(n));
    if threads == 1 {
        for (s, part) in parts.iter_mut().enumerate() {
            let (from, to) = range(s);
            *part = sum(from, to);
        }
    } else {
        // Contiguous blocks of shards, one per thread; each shard's sum lands in its own slot.
        let per = shards.div_ceil(threads);
        let sum = &sum;
        thread::scope(|scope| {
            for (block, slots) in parts.chunks_mut(per).enumerate() {
                scope.spawn(move || {
                    for (j, part) in slots.iter_mut().enumerate() {
                        let (from, to) = range(block * per + j);
                        *part = sum(from, to);
                    }
                });
            }
        });
    }
    let mut total = [0.0; W];
    for part in &parts {
        for k in 0..W {
            total[k] += part[k];
        }
    }
    total
}
