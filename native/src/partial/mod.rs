//! The native aggregation's partial states (DuckDB's radix-partitioned hash aggregate): the sink
//! (sink.rs) logs rows per radix partition, combine.rs merges one partition of every sink and
//! finalizes its customers, binding.rs exports both to engine/kernels/native-sink.ts.
//!
//! Sinks of the pool live in a process-wide registry, the first global state of the addon: the
//! worker threads of one process share the addon's memory, so a merge task on one worker reads
//! the partitions another worker's sink filled, in place, by the sink's id, instead of the sink
//! being packed into JS buffers and copied between threads (what the TypeScript path does).
//! A sink enters the registry when its worker publishes it and leaves when the main thread frees
//! it at the end of the stage (also on error); each partition is freed as soon as it is combined.
//! A merge task's output (its customers' derived fields and ids, derive.rs) waits in a second
//! registry until the main thread gathers every output partition into the base.

pub mod binding;
pub mod combine;
pub mod derive;
pub mod judge;
pub mod sink;

use derive::BasePart;
use sink::Sink;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A sink shared between the JS handle of the thread that fills it and the registry.
pub type SharedSink = Arc<Mutex<Sink>>;

static SINKS: Mutex<BTreeMap<u32, SharedSink>> = Mutex::new(BTreeMap::new());
static NEXT_ID: AtomicU32 = AtomicU32::new(1);
/// Combined, finalized output partitions waiting for the main thread (`partsGather`), by id.
static KEPT: Mutex<BTreeMap<u32, BasePart>> = Mutex::new(BTreeMap::new());

/// A lock that a panic in another holder (caught at the boundary) does not make unusable.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers `sink` for other threads; returns its id.
pub fn publish(sink: &SharedSink) -> u32 {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    lock(&SINKS).insert(id, Arc::clone(sink));
    id
}

/// The sink registered as `id`.
pub fn find(id: u32) -> Option<SharedSink> {
    lock(&SINKS).get(&id).cloned()
}

/// Forgets sink `id`; its memory goes with the last handle. True when it was registered.
pub fn free(id: u32) -> bool {
    lock(&SINKS).remove(&id).is_some()
}

/// Keeps a combined output partition for another thread; returns its id.
pub fn keep(part: BasePart) -> u32 {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    lock(&KEPT).insert(id, part);
    id
}

/// Takes the kept output partition `id` out of the registry.
pub fn take_kept(id: u32) -> Option<BasePart> {
    lock(&KEPT).remove(&id)
}
