//! The row writer's exports (declared in engine/kernels/native-binding.ts, used by
//! server/format/native-rows.ts): a plan made once per snapshot, its columns registered one by
//! one, then any number of writes.

use super::id_index::IdIndex;
use super::{Op, RowPlan};
use crate::napi::{ensure_disjoint, span, Call, KernelError, RawValue, Result, TypeTag};

const ROW_PLAN_TAG: TypeTag = TypeTag { lower: 0x7365_6773_7472_6561, upper: 0x6d2d_6a73_6f6e_0001 };

/// `(rows, columns, tail: Uint8Array)`: a plan for a snapshot of `rows` rows.
pub fn json_rows_plan(call: &Call) -> Result<RawValue> {
    let rows = call.index(0, i32::MAX as usize)?;
    let columns = call.index(1, 4096)?;
    let tail = call.array::<u8>(2)?;
    call.external_new(RowPlan::new(rows, columns, tail), &ROW_PLAN_TAG)
}

/// `(plan, c, op, key: Uint8Array, values: Uint8Array, text: Uint8Array | null, validity: Uint8Array | null,
/// names: Uint8Array | null, nameOffsets: Int32Array | null)`: column `c`'s buffers as bytes. The
/// caller keeps `values`, `text` and `validity` alive as long as the plan (mod.rs).
pub fn json_rows_column(call: &Call) -> Result<RawValue> {
    let plan = call.external::<RowPlan>(0, &ROW_PLAN_TAG)?;
    let c = call.index(1, 4096)?;
    let op = Op::from_code(call.index(2, 255)? as u8).ok_or_else(|| KernelError::Argument("op must be 1..8".into()))?;
    let key = call.array::<u8>(3)?;
    let values = call.array::<u8>(4)?;
    let text = call.optional_array::<u8>(5)?.map_or(&[][..], |t| &t[..]);
    let validity = call.optional_array::<u8>(6)?.map(|v| &v[..]);
    let mut names = Vec::new();
    if let (Some(bytes), Some(offsets)) = (call.optional_array::<u8>(7)?, call.optional_array::<i32>(8)?) {
        for w in offsets.windows(2) {
            let (start, end) = (w[0].max(0) as usize, w[1].max(0) as usize);
            names.push(bytes.get(start..end).ok_or_else(|| KernelError::Argument("name offsets outside the names' bytes".into()))?.to_vec());
        }
    }
    if op == Op::Coded && names.is_empty() {
        return Err(KernelError::Argument("a coded column needs its names".into()));
    }
    plan.set_column(c, op, key, values, text, validity, names)?;
    call.undefined()
}

/// `(plan, rows: Int32Array, out: Uint8Array, ends: Int32Array | null, io: Float64Array)`: writes
/// `rows` (mod.rs `RowPlan::write`) into `out` from `io[0]`, comma-separated when `io[1]` is 1
/// (none written yet) or 2; `io` is updated; returns how many rows were done (fewer when `out`
/// is full: grow it and call again with the rest).
pub fn json_rows_write(call: &Call) -> Result<RawValue> {
    let plan = call.external::<RowPlan>(0, &ROW_PLAN_TAG)?;
    let rows = call.array::<i32>(1)?;
    let out = call.array::<u8>(2)?;
    let ends = call.optional_array::<i32>(3)?;
    let io = call.array::<f64>(4)?;
    if io.len() < 2 || ends.as_ref().is_some_and(|e| e.len() < rows.len()) {
        return Err(KernelError::Argument("io needs 2 slots and ends one per row".into()));
    }
    // On the stack: a Vec here was two heap allocations per call.
    let written = [span("out", out), span("io", io), ends.as_deref().map_or(("ends", std::ptr::null(), 0), |e| span("ends", e))];
    ensure_disjoint(&written, &[span("rows", rows)])?;
    let mut at = io[0] as usize;
    if !(io[0] >= 0.0 && at <= out.len()) {
        return Err(KernelError::Argument("io[0] is outside out".into()));
    }
    let comma = io[1] != 0.0;
    let mut first = io[1] == 1.0;
    // Safety: the plan's buffers are held by its JS owner for as long as the handle lives.
    let done = unsafe { plan.write(rows, out, &mut at, ends, comma, &mut first) }?;
    io[0] = at as f64;
    if comma {
        io[1] = if first { 1.0 } else { 2.0 };
    }
    call.double(done as f64)
}

/// `(plan, slots: Int32Array, offsets: Int32Array, bytes: Uint8Array)`: the snapshot's id index
/// (engine/live/id-hash-index.ts), borrowed like the columns.
pub fn json_rows_index(call: &Call) -> Result<RawValue> {
    let plan = call.external::<RowPlan>(0, &ROW_PLAN_TAG)?;
    let (slots, offsets, bytes) = (call.array::<i32>(1)?, call.array::<i32>(2)?, call.array::<u8>(3)?);
    let as_bytes = |v: &[i32]| unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(v)) };
    plan.index = Some(IdIndex::new(as_bytes(slots), as_bytes(offsets), bytes, plan.rows())?);
    call.undefined()
}

/// `(plan, ids: Uint8Array, starts: Int32Array, out: Int32Array)`: `out[i]` = the snapshot row of
/// the id `ids[starts[i]..starts[i + 1]]` (UTF-8), or -1.
pub fn json_rows_find(call: &Call) -> Result<RawValue> {
    let plan = call.external::<RowPlan>(0, &ROW_PLAN_TAG)?;
    let (ids, starts, out) = (call.array::<u8>(1)?, call.array::<i32>(2)?, call.array::<i32>(3)?);
    if out.len() + 1 < starts.len() {
        return Err(KernelError::Argument("out needs a slot per id".into()));
    }
    ensure_disjoint(&[span("out", out)], &[span("ids", ids), span("starts", starts)])?;
    let index = plan.index.as_ref().ok_or_else(|| KernelError::Argument("the plan has no id index".into()))?;
    // Safety: the index's buffers are held by the plan's JS owner for as long as the handle lives.
    unsafe { index.find(ids, starts, out) }?;
    call.undefined()
}
