//! segstream's Node-API addon: the columnar hot loops (aggregation, id interning, score
//! thresholds), each the twin of a TypeScript kernel in engine/kernels/.
//! No crate dependencies: Node-API is declared by hand in napi.rs, the only FFI file.

mod bindings;
mod columns;
mod csv;
mod id_join;
mod ids;
mod interner;
mod json_row;
mod json_rows;
mod model;
mod napi;
mod parquet;
mod partial;
mod process;
mod thresholds;

/// Node calls this once per environment (main thread and each worker thread); every environment
/// gets independent functions. The one global state is partial/'s registry of published sinks,
/// shared on purpose by the worker threads of a process (see partial/mod.rs).
///
/// # Safety
/// Called by Node with a valid environment and exports object.
#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(env: napi::RawEnv, exports: napi::RawValue) -> napi::RawValue {
    unsafe { napi::register(env, exports, bindings::EXPORTS) }
}
