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
//! The stage's customer table (customers.rs), which its sinks join, is registered the same way by
//! the main thread before the first share. A merge task's output (its customers' derived fields
//! and ids, derive.rs) waits in a third registry until the main thread gathers every output
//! partition into the base; or, in the pool, the tasks put the base together themselves
//! (shared_base.rs), registered in a fourth until the main thread takes it.

pub mod binding;
pub mod combine;
pub mod customers;
pub mod derive;
pub mod judge;
pub mod shared_base;
pub mod sink;

use customers::Customers;
use derive::BasePart;
use shared_base::SharedBase;
use sink::Sink;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A sink shared between the JS handle of the thread that fills it and the registry.
pub type SharedSink = Arc<Mutex<Sink>>;

/// Things of one kind that other threads of the process find by id.
pub struct Registry<T>(Mutex<BTreeMap<u32, T>>);

/// One numbering for every registry, so an id of one kind is never another's.
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// Published sinks.
pub static SINKS: Registry<SharedSink> = Registry::new();
/// Customer tables of the pool's stages.
pub static TABLES: Registry<Arc<Customers>> = Registry::new();
/// Combined, finalized output partitions waiting for the main thread (`partsGather`).
pub static KEPT: Registry<BasePart> = Registry::new();
/// Bases the pool's merge tasks put together (shared_base.rs), until the main thread takes them.
pub static BASES: Registry<Arc<SharedBase>> = Registry::new();

/// A lock that a panic in another holder (caught at the boundary) does not make unusable.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<T> Registry<T> {
    const fn new() -> Self {
        Registry(Mutex::new(BTreeMap::new()))
    }

    /// Registers `value`; returns its id.
    pub fn insert(&self, value: T) -> u32 {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        lock(&self.0).insert(id, value);
        id
    }

    /// Takes `id` out of the registry (its memory goes with the last handle).
    pub fn remove(&self, id: u32) -> Option<T> {
        lock(&self.0).remove(&id)
    }
}

impl<T: Clone> Registry<T> {
    /// A handle to what is registered as `id`.
    pub fn find(&self, id: u32) -> Option<T> {
        lock(&self.0).get(&id).cloned()
    }
}
