//! The sink's exports (registered in bindings.rs); their JS signatures are declared in
//! engine/kernels/native-binding.ts and used only by engine/kernels/native-sink.ts.

use super::combine::{combine_partition, pack_partition, Columns, Pack, Piece};
use super::customers::Customers;
use super::derive::{derive, Gathered};
use super::judge::{judge, BatchColumns, TimeValues};
use super::shared_base::SharedBase;
use super::sink::{OrderColumn, Partition, NOT_SEEN, RADIX};
use super::{lock, SharedSink, BASES, KEPT, SINKS, TABLES};
use std::sync::Arc;
use crate::napi::{ensure_disjoint, span, Call, IdColumn, KernelError, RawValue, Result, TypeTag};

const SINK_TAG: TypeTag = TypeTag { lower: 0x7365_6773_7472_6561, upper: 0x6d2d_736e_6b2d_0001 };

fn handle(call: &Call) -> Result<&SharedSink> {
    call.external::<SharedSink>(0, &SINK_TAG).map(|s| &*s)
}

/// `()` → a new, empty sink's handle.
pub fn sink_create(call: &Call) -> Result<RawValue> {
    call.external_new::<SharedSink>(SharedSink::default(), &SINK_TAG)
}

/// `(h)` → customers interned.
pub fn sink_size(call: &Call) -> Result<RawValue> {
    call.double(lock(handle(call)?).customers as f64)
}

/// `(h, ids: Float64Array | Int32Array | BigInt64Array, out: Int32Array)`: masked intern (interner.rs
/// `JUDGE_ONLY`); numbered rows get handles.
pub fn sink_intern_ids(call: &Call) -> Result<RawValue> {
    let mut sink = lock(handle(call)?);
    let ids = call.id_column(1)?;
    let out = call.array::<i32>(2)?;
    if out.len() < ids.len() {
        return Err(KernelError::Argument("out is shorter than ids".into()));
    }
    ensure_disjoint(&[span("out", out)], &[ids.span()])?;
    let out = &mut out[..ids.len()];
    match ids {
        IdColumn::F64(v) => sink.f64_column(v, out),
        IdColumn::I32(v) => sink.i32_column(v, out),
        IdColumn::I64(v) => sink.i64_column(v, out),
    }
    call.undefined()
}

/// `(h, bytes: Uint8Array, offsets: Int32Array, out: Int32Array)`.
pub fn sink_intern_utf8(call: &Call) -> Result<RawValue> {
    let mut sink = lock(handle(call)?);
    let (bytes, offsets) = (call.array::<u8>(1)?, call.array::<i32>(2)?);
    let out = call.array::<i32>(3)?;
    let n = offsets.len().saturating_sub(1);
    if out.len() < n {
        return Err(KernelError::Argument("out is shorter than the column".into()));
    }
    ensure_disjoint(&[span("out", out)], &[span("bytes", bytes), span("offsets", offsets)])?;
    sink.utf8_column(bytes, offsets, &mut out[..n]);
    call.undefined()
}

/// `(h, bytes, offsets, indices: Int32Array, mapping: Int32Array, out: Int32Array)`.
pub fn sink_intern_dict(call: &Call) -> Result<RawValue> {
    let mut sink = lock(handle(call)?);
    let (bytes, offsets, indices) = (call.array::<u8>(1)?, call.array::<i32>(2)?, call.array::<i32>(3)?);
    let (mapping, out) = (call.array::<i32>(4)?, call.array::<i32>(5)?);
    if out.len() < indices.len() || mapping.len() != offsets.len().saturating_sub(1) {
        return Err(KernelError::Argument("out must be as long as indices, mapping one slot per dictionary entry".into()));
    }
    ensure_disjoint(&[span("mapping", mapping), span("out", out)], &[span("bytes", bytes), span("offsets", offsets), span("indices", indices)])?;
    sink.dict_column(bytes, offsets, indices, mapping, &mut out[..indices.len()]);
    call.undefined()
}

/// `(h, cust, ts, amount, margin | null, n, orderKind | null, orderNum, orderBytes, orderOffsets, io)`:
/// appends rows `0..n` whose `cust` is a handle (>= 0); `io = [maxTs, rows, customers]` on return.
pub fn sink_append(call: &Call) -> Result<RawValue> {
    let mut sink = lock(handle(call)?);
    let (cust, ts, amount) = (call.array::<i32>(1)?, call.array::<f64>(2)?, call.array::<f64>(3)?);
    let margin = call.optional_array::<f64>(4)?;
    let n = call.index(5, cust.len().min(ts.len()).min(amount.len()))?;
    if margin.as_ref().is_some_and(|m| m.len() < n) {
        return Err(KernelError::Argument("margin is shorter than n".into()));
    }
    let orders = match call.optional_array::<u8>(6)? {
        None => None,
        Some(kind) => {
            let (num, bytes, offsets) = (call.array::<f64>(7)?, call.array::<u8>(8)?, call.array::<i32>(9)?);
            if kind.len() < n || num.len() < n || offsets.len() < n + 1 {
                return Err(KernelError::Argument("order columns are shorter than n".into()));
            }
            Some(OrderColumn { kind, num, bytes, offsets })
        }
    };
    let io = call.array::<f64>(10)?;
    if io.len() < 3 {
        return Err(KernelError::Argument("io must be a Float64Array of 3".into()));
    }
    ensure_disjoint(&[span("io", io)], &[span("cust", cust), span("ts", ts), span("amount", amount)])?;
    if !sink.check_handles(&cust[..n]) {
        return Err(KernelError::Range("a customer handle is not one of this sink's".into()));
    }
    sink.append(&cust[..n], &ts[..n], &amount[..n], margin.map(|m| &m[..n]), orders.as_ref());
    io[0] = sink.max_ts;
    io[1] = sink.rows;
    io[2] = sink.customers as f64;
    call.undefined()
}

/// `(ts: BigInt64Array | Int32Array, scale, amount: Float64Array, margin: Float64Array | null, asOf,
/// tsOut: Float64Array, out: Int32Array, invalid: Uint8Array)` → rows to number (judge.rs).
pub fn judge_rows(call: &Call) -> Result<RawValue> {
    let ts = match call.id_column(0)? {
        IdColumn::I64(v) => TimeValues::I64(v),
        IdColumn::I32(v) => TimeValues::I32(v),
        IdColumn::F64(_) => return Err(KernelError::Argument("ts must be a BigInt64Array or an Int32Array".into())),
    };
    let n = ts.len();
    let scale = call.number(1)?;
    let amount = call.array::<f64>(2)?;
    let margin = call.optional_array::<f64>(3)?;
    let as_of = call.number(4)?;
    let (ts_out, out, invalid) = (call.array::<f64>(5)?, call.array::<i32>(6)?, call.array::<u8>(7)?);
    if amount.len() < n || margin.as_ref().is_some_and(|m| m.len() < n) || ts_out.len() < n || out.len() < n || invalid.len() < n {
        return Err(KernelError::Argument("every column and output must hold ts.length rows".into()));
    }
    let (ts_span, amount_span) = (match &ts { TimeValues::I64(v) => span("ts", v), TimeValues::I32(v) => span("ts", v) }, span("amount", amount));
    let mut inputs = vec![ts_span, amount_span];
    if let Some(m) = &margin {
        inputs.push(span("margin", m));
    }
    ensure_disjoint(&[span("tsOut", ts_out), span("out", out), span("invalid", invalid)], &inputs)?;
    let cols = BatchColumns { ts, scale, amount: &amount[..n], margin: margin.map(|m| &m[..n]) };
    let numbered = judge(&cols, as_of, &mut ts_out[..n], &mut out[..n], &mut invalid[..n]);
    call.double(numbered as f64)
}

/// `(h, rows)`: room for `rows` more rows in the sink's record logs (sink.rs `reserve`).
pub fn sink_reserve(call: &Call) -> Result<RawValue> {
    let mut sink = lock(handle(call)?);
    // A hint: a count beyond any share's rows (2^31 at most per share) is clamped, not refused.
    let rows = call.number(1)?;
    if rows.is_nan() || rows < 0.0 {
        return Err(KernelError::Argument("rows must be a non-negative number".into()));
    }
    sink.reserve(rows.min(f64::from(i32::MAX)) as usize);
    call.undefined()
}

/// `(h, from, to)`: the keys of the customers ranked `from..to` in order of first appearance.
pub fn sink_keys(call: &Call) -> Result<RawValue> {
    let sink = lock(handle(call)?);
    let total = sink.customers as usize;
    let to = call.index(2, total)?;
    let from = call.index(1, to)?;
    let mut at = vec![(0u32, 0u32); to - from];
    for (r, part) in sink.parts.iter().enumerate() {
        for (local, &rank) in part.first_seen.iter().enumerate() {
            let rank = rank as usize;
            if rank != NOT_SEEN as usize && (from..to).contains(&rank) {
                at[rank - from] = (r as u32, local as u32);
            }
        }
    }
    let ids = sink.table.all();
    call.js_array(at.len(), |i| {
        let (r, local) = at[i];
        match ids[r as usize].key(local as usize) {
            (Some(v), _) => call.double(v as f64),
            (None, text) => call.string(text),
        }
    })
}

/// `(h)` → an id other threads of the process may combine the sink by.
pub fn sink_publish(call: &Call) -> Result<RawValue> {
    call.double(SINKS.insert(Arc::clone(handle(call)?)) as f64)
}

/// `(id)` → whether sink `id` was still registered; its memory goes with the last handle.
pub fn sink_free(call: &Call) -> Result<RawValue> {
    let id = call.index(0, u32::MAX as usize)? as u32;
    call.double(if SINKS.remove(id).is_some() { 1.0 } else { 0.0 })
}

/// `()` → the id of a new customer table (customers.rs) for the sinks of one pool stage.
pub fn customers_create(call: &Call) -> Result<RawValue> {
    call.double(TABLES.insert(Arc::new(Customers::default())) as f64)
}

/// `(id)` → whether table `id` was still registered; its memory goes with its last sink.
pub fn customers_free(call: &Call) -> Result<RawValue> {
    let id = call.index(0, u32::MAX as usize)? as u32;
    call.double(if TABLES.remove(id).is_some() { 1.0 } else { 0.0 })
}

/// `(h, table)`: the sink interns into customer table `table` from now on (sink.rs `join`),
/// before its first customer.
pub fn sink_join(call: &Call) -> Result<RawValue> {
    let mut sink = lock(handle(call)?);
    let id = call.index(1, u32::MAX as usize)? as u32;
    let table = TABLES.find(id).ok_or_else(|| KernelError::Argument(format!("customer table {id} is not registered")))?;
    sink.join(table).map_err(|e| KernelError::Argument(e.into()))?;
    call.undefined()
}

/// A sink's partitions and table for finalizing it alone (the sink is empty afterwards).
fn take_whole(shared: &SharedSink) -> Result<(Vec<Partition>, Arc<Customers>, usize)> {
    let mut sink = lock(shared);
    if sink.joined {
        return Err(KernelError::Argument("a sink of a shared customer table is combined with its stage, not finalized alone".into()));
    }
    if sink.parts.is_empty() {
        return Err(KernelError::Argument("the sink was finalized already".into()));
    }
    Ok((std::mem::take(&mut sink.parts), Arc::clone(&sink.table), sink.customers as usize))
}

fn windows_arg(call: &Call, i: usize) -> Result<Vec<f64>> {
    let w = call.array::<f64>(i)?;
    if w.iter().any(|d| !d.is_finite()) {
        return Err(KernelError::Argument("windows must be finite day counts".into()));
    }
    Ok(w.to_vec())
}

/// `(h, asOfDay, windows: Float64Array)`: every partition of this one sink (share 0), finalized;
/// the sink is empty afterwards. Returns `columns`.
pub fn sink_finalize(call: &Call) -> Result<RawValue> {
    let shared = handle(call)?;
    let as_of_day = call.number(1)?;
    let windows = windows_arg(call, 2)?;
    let (parts, table, _) = take_whole(shared)?;
    let mut out = Columns::default();
    for (r, part) in parts.into_iter().enumerate() {
        combine_partition(vec![table.take(r)], vec![Piece { share: 0, table: 0, part }], as_of_day, &windows, &mut out);
    }
    out.sort_by_order();
    columns(call, derive(out, as_of_day).into_base())
}

/// The published sinks `ids` (share order) with their share indexes `shares`.
fn published(ids: &[f64], shares: &[f64]) -> Result<Vec<(u32, SharedSink)>> {
    if ids.len() != shares.len() {
        return Err(KernelError::Argument("ids and shares must match".into()));
    }
    ids.iter()
        .zip(shares.iter())
        .map(|(&id, &share)| SINKS.find(id as u32).map(|s| (share as u32, s)).ok_or_else(|| KernelError::Argument(format!("sink {id} is not registered"))))
        .collect()
}

/// `(tasks)`: an empty base (shared_base.rs) that `tasks` calls of `sinkCombine` put together.
/// Returns its id, which `partsGather` takes.
pub fn base_create(call: &Call) -> Result<RawValue> {
    let tasks = call.index(0, RADIX)?;
    call.double(BASES.insert(Arc::new(SharedBase::new(tasks))) as f64)
}

/// `(ids: Float64Array, shares: Float64Array, p, partitions, asOfDay, windows, base?)`: output
/// partition `p` of `partitions` (the radix partitions r with r % partitions == p) of the published
/// sinks `ids` (share order; `shares[k]` is sink k's share index), combined and finalized. The
/// partitions are taken out of the sinks (freed when done), and the customers' fields derived
/// (derive.rs). Without `base` the output is kept: returns its id. With `base` (`baseCreate`'s,
/// for `partitions` tasks) it joins that base, and the call copies rows of the whole base once
/// every task's output is in (shared_base.rs); returns `base`.
pub fn sink_combine(call: &Call) -> Result<RawValue> {
    let partitions = call.index(3, RADIX)?;
    if partitions == 0 {
        return Err(KernelError::Argument("partitions must be 1..=RADIX".into()));
    }
    let sinks = published(call.array::<f64>(0)?, call.array::<f64>(1)?)?;
    let p = call.index(2, partitions - 1)?;
    let as_of_day = call.number(4)?;
    let windows = windows_arg(call, 5)?;
    // The base first: a task given one that is not registered fails before taking any partition.
    let base = match call.optional_number(6)? {
        Some(id) => Some((id, BASES.find(id as u32).ok_or_else(|| KernelError::Argument(format!("base {id} is not registered")))?)),
        None => None,
    };
    let mut out = Columns::default();
    for r in (p..RADIX).step_by(partitions) {
        let mut tables = Vec::new();
        let pieces: Vec<Piece> = sinks
            .iter()
            .map(|(share, s)| lock(s).take_piece(*share, r, &mut tables).ok_or_else(|| KernelError::Argument("a sink was already finalized".into())))
            .collect::<Result<_>>()?;
        combine_partition(tables.iter().map(|t| t.take(r)).collect(), pieces, as_of_day, &windows, &mut out);
    }
    out.sort_by_order();
    // Derived here, on the pool's worker.
    let part = derive(out, as_of_day);
    if let Some((id, base)) = base {
        base.join(part).map_err(KernelError::Argument)?;
        return call.double(id);
    }
    // Kept in the addon for `partsGather`, which takes it as the base (one output partition).
    call.double(KEPT.insert(part) as f64)
}

/// `(ids: Float64Array)`: one id: the base (`baseCreate`) its merge tasks put together, or the
/// kept output of a `sinkCombine` of one output partition; taken as it is (and freed). Several
/// partitions are put together by their tasks, in a base. Returns `columns`.
pub fn parts_gather(call: &Call) -> Result<RawValue> {
    let &[id] = &*call.array::<f64>(0)? else {
        return Err(KernelError::Argument("one base or one combined partition is taken; the merge tasks put several together (baseCreate)".into()));
    };
    if let Some(base) = BASES.remove(id as u32) {
        let base = Arc::try_unwrap(base).map_err(|_| KernelError::Argument("a merge task still holds the base".into()))?;
        return columns(call, base.take().map_err(KernelError::Range)?);
    }
    let part = KEPT.remove(id as u32).ok_or_else(|| KernelError::Argument(format!("combined partition {id} is not kept")))?;
    columns(call, part.into_base())
}

/// `(id)`: forgets a kept output of `sinkCombine` or a base of `baseCreate`; 1 when it was kept.
pub fn parts_free(call: &Call) -> Result<RawValue> {
    let id = call.index(0, u32::MAX as usize)? as u32;
    call.double(if KEPT.remove(id).is_some() || BASES.remove(id).is_some() { 1.0 } else { 0.0 })
}

/// `(h)`: the sink's whole partial state as one pack (combine.rs `Pack`); the sink is empty
/// afterwards. Returns `[keys (numbers and strings, by rank), orders, returns, revenue, returned,
/// margin, firstTs, lastTs, dayCust, day, dayNet, dayPos, orderCust, orderNum, orderSide, orderText,
/// orderTextEnd]` (ArrayBuffers; Int32 for the customers and days, Uint8 side and text, Uint32 ends).
pub fn sink_pack(call: &Call) -> Result<RawValue> {
    let (parts, table, n) = take_whole(handle(call)?)?;
    let mut at = vec![(0u32, 0u32); n];
    for (r, part) in parts.iter().enumerate() {
        for (local, &rank) in part.first_seen.iter().enumerate() {
            if rank != NOT_SEEN {
                at[rank as usize] = (r as u32, local as u32);
            }
        }
    }
    let ids = table.all();
    let keys = call.js_array(n, |i| {
        let (r, local) = at[i];
        match ids[r as usize].key(local as usize) {
            (Some(v), _) => call.double(v as f64),
            (None, text) => call.string(text),
        }
    })?;
    drop(ids);
    let mut pack = Pack { orders: vec![0.0; n], returns: vec![0.0; n], revenue: vec![0.0; n], returned: vec![0.0; n], margin: vec![0.0; n], first_ts: vec![0.0; n], last_ts: vec![0.0; n], ..Pack::default() };
    for part in parts {
        pack_partition(part, &mut pack);
    }
    let Pack { orders, returns, revenue, returned, margin, first_ts, last_ts, day_cust, day, day_net, day_pos, order_cust, order_num, order_side, order_text, order_text_end } = pack;
    let mut values = vec![keys];
    for v in [orders, returns, revenue, returned, margin, first_ts, last_ts] {
        values.push(call.buffer(v)?);
    }
    values.extend([call.buffer(day_cust)?, call.buffer(day)?, call.buffer(day_net)?, call.buffer(day_pos)?]);
    values.extend([call.buffer(order_cust)?, call.buffer(order_num)?, call.buffer(order_side)?, call.buffer(order_text)?, call.buffer(order_text_end)?]);
    call.js_array(values.len(), |i| Ok(values[i]))
}

/// A base's columns to JS: `[idBytes (Uint8), idOffsets (Int32, Arrow's), ...fields, ...windows]`,
/// ArrayBuffers of Float64 but the first two, the fields in derive.rs's order, money as money. The
/// ids stay UTF-8: JS makes a string of one only where something needs it.
fn columns(call: &Call, base: Gathered) -> Result<RawValue> {
    let Gathered { cols, id_bytes, id_offsets } = base;
    let mut values = vec![call.buffer(id_bytes)?, call.buffer(id_offsets)?];
    for v in cols {
        values.push(call.buffer(v)?);
    }
    call.js_array(values.len(), |i| Ok(values[i]))
}
