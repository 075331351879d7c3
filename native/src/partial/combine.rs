//! Combine and finalize of the native aggregation: one radix partition from every sink that saw
//! it (in share order) becomes DESIGN's per-customer sums, the columns `deriveFields`
//! (engine/aggregate/derive-fields.ts) takes and derive.rs derives the same way, in one pass over
//! the records grouped by customer.
//!
//!   table partition r: interner (customers.rs, shared by the stage's sinks: nothing to re-intern)
//!   sink 0 partition r: first_seen │ recs …   records counting-sorted by customer (stable: share
//!   sink 1 partition r: first_seen │ recs …   order, then row order) ──► one pass per customer:
//!                                              counts, sums, first/last, days, windows
//!
//! Sinks with tables of their own (engine/aggregate/finalize.ts `combine` of separate aggregators)
//! have their table's keys re-interned into the first table's. The sums are exact units added in
//! row order, as aggregate-rows.ts adds them, so a customer's numbers are those of the TypeScript
//! kernels bit for bit. Distinct purchase days and distinct orders are counted by sorting the
//! customer's few values (no day map).

use super::sink::{floor, Partition, Rec, NOT_SEEN, ORDER_MASK, RETURN};
use crate::interner::{hash_int, hash_text, Interner};

const MS_PER_DAY: f64 = 86_400_000.0;
/// derive-fields.ts `LAST_YEAR_DAYS`.
const LAST_YEAR_DAYS: f64 = 365.0;
/// partial-pack.ts `orderKey`: `share * 2^31 + first-seen rank`.
const SHARE_SCALE: f64 = 2_147_483_648.0;

/// Per-customer sums of one output partition, column by column (money in units).
#[derive(Default)]
pub struct Columns {
    pub order: Vec<f64>,
    pub orders: Vec<f64>,
    pub returns: Vec<f64>,
    pub revenue: Vec<f64>,
    pub returned: Vec<f64>,
    pub margin: Vec<f64>,
    pub first_ts: Vec<f64>,
    pub last_ts: Vec<f64>,
    pub purchase_days: Vec<f64>,
    pub repeat_sum: Vec<f64>,
    pub last_year: Vec<f64>,
    /// One column per window, in the order asked for.
    pub windows: Vec<Vec<f64>>,
    /// Where each customer's key lives: (index into `interners`, number in it), in the combine's
    /// order: customer c's is `keys[key_at[c]]` once sorted (`key_at` empty: `keys[c]`). The keys
    /// stay in the order their tables hold them, so that derive.rs reads the tables' bytes in
    /// sequence, not at random (~40 ms a merge task at 500k customers).
    pub keys: Vec<(u32, u32)>,
    pub key_at: Vec<u32>,
    pub interners: Vec<Interner>,
}

/// One sink's part of a radix partition: its share index, the table its customer numbers belong
/// to (an index into `combine_partition`'s `tables`) and its partition.
pub struct Piece {
    pub share: u32,
    pub table: usize,
    pub part: Partition,
}

/// A piece's records, margins, customer remap and order remap (None: numbers that are the base's already).
type Log<'a> = (Vec<Rec>, Vec<f64>, Option<&'a [u32]>, Option<Vec<u32>>);

/// The key of `ids`' entry `k` re-interned into `into`.
fn reintern(into: &mut Interner, ids: &Interner, k: usize) -> usize {
    let n = match ids.key(k) {
        (Some(v), _) => into.int_hashed(v, hash_int(v)),
        (None, text) => into.text_hashed(text, hash_text(text)),
    };
    n as usize
}

/// One radix partition of the customer tables `tables` (the first is the base) and of the sinks'
/// `pieces` in share order, combined and finalized into `out` at `as_of_day` with the revenue
/// windows `windows` (days). A customer of the tables no piece met (a sink left out of the
/// combine, such as a share read again) is not in the output.
pub fn combine_partition(tables: Vec<Interner>, pieces: Vec<Piece>, as_of_day: f64, windows: &[f64], out: &mut Columns) {
    let mut tables = tables.into_iter();
    let Some(mut base) = tables.next() else { return };
    // Another table's customers get the base's numbers; its keys are re-interned once for all its pieces.
    let remaps: Vec<Vec<u32>> = tables.map(|ids| (0..ids.len()).map(|k| reintern(&mut base, &ids, k) as u32).collect()).collect();
    let n = base.len();
    // The base's order: the first share that met a customer, then its rank there.
    let mut order = vec![f64::INFINITY; n];
    // The first piece's order interner is the base of the orders, as the table is of the customers.
    let mut base_orders = Interner::with_slots(2);
    let mut logs: Vec<Log> = Vec::with_capacity(pieces.len());
    let mut any_margin = false;
    for (k, piece) in pieces.into_iter().enumerate() {
        let Piece { share, table, part: Partition { first_seen, recs, margin, orders, .. } } = piece;
        let remap = table.checked_sub(1).map(|t| remaps[t].as_slice());
        assert!(first_seen.len() <= remap.map_or(n, <[u32]>::len), "a sink's customers are not all in its table");
        for (c, &rank) in first_seen.iter().enumerate() {
            if rank != NOT_SEEN {
                let c = remap.map_or(c, |m| m[c] as usize);
                order[c] = order[c].min(share as f64 * SHARE_SCALE + rank as f64);
            }
        }
        let order_remap = if k == 0 {
            base_orders = orders;
            None
        } else {
            Some((0..orders.len()).map(|o| reintern(&mut base_orders, &orders, o) as u32).collect())
        };
        any_margin |= !margin.is_empty();
        logs.push((recs, margin, remap, order_remap));
    }
    // Counting sort of every record by customer, stable (share order, then row order).
    let mut at = vec![0u32; n + 1];
    for (recs, _, remap, _) in &logs {
        for r in recs {
            let c = remap.map_or(r.cust, |m| m[r.cust as usize]);
            at[c as usize + 1] += 1;
        }
    }
    for c in 0..n {
        at[c + 1] += at[c];
    }
    let total = at[n] as usize;
    let bounds = at.clone();
    let mut sorted = vec![Rec::default(); total];
    let mut sorted_margin = if any_margin { vec![0.0; total] } else { Vec::new() };
    for (recs, margin, remap, order_remap) in logs {
        for (j, r) in recs.iter().enumerate() {
            let c = remap.map_or(r.cust, |m| m[r.cust as usize]) as usize;
            let mut tag = r.tag;
            if let Some(m) = &order_remap {
                if tag & ORDER_MASK != 0 {
                    tag = (tag & RETURN) | (m[(tag & ORDER_MASK) as usize - 1] + 1);
                }
            }
            let e = at[c] as usize;
            at[c] += 1;
            sorted[e] = Rec { tag, ..*r };
            if !margin.is_empty() {
                sorted_margin[e] = margin[j];
            }
        }
    }
    let win_from: Vec<f64> = windows.iter().map(|w| as_of_day - w).collect();
    if out.windows.len() < windows.len() {
        out.windows.resize(windows.len(), Vec::new());
    }
    let source = out.interners.len() as u32;
    let mut days: Vec<i64> = Vec::new();
    let mut order_ids: Vec<u32> = Vec::new();
    let mut wins = vec![0.0; windows.len()];
    for c in 0..n {
        if order[c] == f64::INFINITY {
            assert!(bounds[c] == bounds[c + 1], "a sink logged rows of a customer it did not meet");
            continue;
        }
        let recs = &sorted[bounds[c] as usize..bounds[c + 1] as usize];
        let (mut orders, mut returns, mut revenue, mut returned) = (0.0, 0.0, 0.0, 0.0);
        let (mut first_ts, mut last_ts) = (f64::INFINITY, f64::NEG_INFINITY);
        days.clear();
        order_ids.clear();
        wins.iter_mut().for_each(|w| *w = 0.0);
        for r in recs {
            let ret = r.tag & RETURN != 0;
            revenue += r.units;
            if r.tag & ORDER_MASK != 0 {
                order_ids.push((r.tag & ORDER_MASK) << 1 | ret as u32);
            } else if ret {
                returns += 1.0;
            } else {
                orders += 1.0;
            }
            if ret {
                returned -= r.units;
            } else {
                if r.ts < first_ts {
                    first_ts = r.ts;
                }
                if r.ts > last_ts {
                    last_ts = r.ts;
                }
                days.push(floor(r.ts / MS_PER_DAY) as i64);
            }
            let d = floor(r.ts / MS_PER_DAY);
            for (w, from) in wins.iter_mut().zip(&win_from) {
                if d > *from {
                    *w += r.units;
                }
            }
        }
        if !order_ids.is_empty() {
            order_ids.sort_unstable();
            order_ids.dedup();
            for &o in &order_ids {
                if o & 1 == 1 {
                    returns += 1.0;
                } else {
                    orders += 1.0;
                }
            }
        }
        let first_day = floor(first_ts / MS_PER_DAY);
        let year_from = floor(last_ts / MS_PER_DAY) - LAST_YEAR_DAYS;
        let (mut repeat, mut year) = (0.0, 0.0);
        for r in recs {
            let d = floor(r.ts / MS_PER_DAY);
            if r.tag & RETURN == 0 && d != first_day {
                repeat += r.units;
            }
            if d > year_from {
                year += r.units;
            }
        }
        days.sort_unstable();
        days.dedup();
        let mut margin = 0.0;
        if any_margin {
            for m in &sorted_margin[bounds[c] as usize..bounds[c + 1] as usize] {
                margin += m;
            }
        }
        out.order.push(order[c]);
        out.orders.push(orders);
        out.returns.push(returns);
        out.revenue.push(revenue);
        out.returned.push(returned);
        out.margin.push(margin);
        out.first_ts.push(first_ts);
        out.last_ts.push(last_ts);
        out.purchase_days.push(days.len() as f64);
        out.repeat_sum.push(repeat);
        out.last_year.push(year);
        for (col, w) in out.windows.iter_mut().zip(&wins) {
            col.push(*w);
        }
        out.keys.push((source, c as u32));
    }
    out.interners.push(base);
}

/// A sink's partial state in the shape of engine/aggregate/partial-pack.ts's packs, for the
/// TypeScript merge (the cluster ships packs between processes): per customer by rank of first
/// appearance, the counts of rows without an order id and the sums; every (customer, day) with
/// its net units and purchase units (-0 on a day without a purchase: day-map.ts `isPurchaseDay`);
/// every distinct (customer, order, side).
#[derive(Default)]
pub struct Pack {
    pub orders: Vec<f64>,
    pub returns: Vec<f64>,
    pub revenue: Vec<f64>,
    pub returned: Vec<f64>,
    pub margin: Vec<f64>,
    pub first_ts: Vec<f64>,
    pub last_ts: Vec<f64>,
    pub day_cust: Vec<i32>,
    pub day: Vec<i32>,
    pub day_net: Vec<f64>,
    pub day_pos: Vec<f64>,
    pub order_cust: Vec<i32>,
    /// A numeric order id, or NaN for a text one (its UTF-8 bytes end at `order_text_end`).
    pub order_num: Vec<f64>,
    pub order_side: Vec<u8>,
    pub order_text: Vec<u8>,
    pub order_text_end: Vec<u32>,
}

/// Adds every customer of one partition of one sink to `out` (ranks index the customer columns,
/// which the caller sized to the sink's customers).
pub fn pack_partition(part: Partition, out: &mut Pack) {
    let Partition { first_seen, recs, margin, orders: order_ids, .. } = part;
    let n = first_seen.len();
    let mut at = vec![0u32; n + 1];
    for r in &recs {
        at[r.cust as usize + 1] += 1;
    }
    for c in 0..n {
        at[c + 1] += at[c];
    }
    let bounds = at.clone();
    let mut sorted = vec![0u32; recs.len()];
    for (j, r) in recs.iter().enumerate() {
        sorted[at[r.cust as usize] as usize] = j as u32;
        at[r.cust as usize] += 1;
    }
    let mut days: Vec<(i64, f64, bool)> = Vec::new();
    let mut seen: Vec<u32> = Vec::new();
    for c in 0..n {
        if first_seen[c] == NOT_SEEN {
            continue;
        }
        let rank = first_seen[c] as usize;
        let (mut orders, mut returns, mut revenue, mut returned, mut m) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let (mut first_ts, mut last_ts) = (f64::INFINITY, f64::NEG_INFINITY);
        days.clear();
        seen.clear();
        for &j in &sorted[bounds[c] as usize..bounds[c + 1] as usize] {
            let r = recs[j as usize];
            let ret = r.tag & RETURN != 0;
            revenue += r.units;
            if let Some(v) = margin.get(j as usize) {
                m += v;
            }
            if r.tag & ORDER_MASK != 0 {
                seen.push((r.tag & ORDER_MASK) << 1 | ret as u32);
            } else if ret {
                returns += 1.0;
            } else {
                orders += 1.0;
            }
            if ret {
                returned -= r.units;
            } else {
                first_ts = first_ts.min(r.ts);
                last_ts = last_ts.max(r.ts);
            }
            days.push((floor(r.ts / MS_PER_DAY) as i64, r.units, !ret));
        }
        out.orders[rank] = orders;
        out.returns[rank] = returns;
        out.revenue[rank] = revenue;
        out.returned[rank] = returned;
        out.margin[rank] = m;
        out.first_ts[rank] = first_ts;
        out.last_ts[rank] = last_ts;
        days.sort_by_key(|d| d.0);
        let mut k = 0;
        while k < days.len() {
            let day = days[k].0;
            let (mut net, mut pos) = (0.0, -0.0);
            while k < days.len() && days[k].0 == day {
                net += days[k].1;
                if days[k].2 {
                    pos += days[k].1 + 0.0;
                }
                k += 1;
            }
            out.day_cust.push(rank as i32);
            out.day.push(day as i32);
            out.day_net.push(net);
            out.day_pos.push(pos);
        }
        seen.sort_unstable();
        seen.dedup();
        for &o in &seen {
            out.order_cust.push(rank as i32);
            out.order_side.push((o & 1) as u8);
            match order_ids.key(((o >> 1) - 1) as usize) {
                (Some(bits), _) => out.order_num.push(f64::from_bits(bits as u64)),
                (None, text) => {
                    out.order_num.push(f64::NAN);
                    out.order_text.extend_from_slice(text);
                }
            }
            out.order_text_end.push(out.order_text.len() as u32);
        }
    }
}

/// The customers' indexes in ascending `order` (keys `share * SHARE_SCALE + rank`, distinct) without
/// a sort: each share's customers placed at their ranks in a table spanning that share's ranks,
/// the tables read in share order. None where that is not linear: more than 64 shares, or spans
/// more than 4 times the customers. With one share the span is the customers themselves; at two
/// workers an output partition holds half of share 0's ranks (span ~2n) and share 1's few, and
/// this replaces a comparison sort of ~500k keys (~19 ms) on the merge's critical path.
fn place_by_order(order: &[f64]) -> Option<Vec<u32>> {
    const SHARES: usize = 64;
    // SHARE_SCALE is 2^31.
    let share_of = |o: f64| (o as u64 >> 31) as usize;
    let rank_of = |o: f64| (o as u64 & ((1 << 31) - 1)) as usize;
    let mut span = [(usize::MAX, 0usize); SHARES];
    for &o in order {
        let s = span.get_mut(share_of(o))?;
        let r = rank_of(o);
        *s = (s.0.min(r), s.1.max(r));
    }
    let mut at = [0usize; SHARES];
    let mut total = 0;
    for (a, &(lo, hi)) in at.iter_mut().zip(&span) {
        *a = total;
        if lo <= hi {
            total += hi - lo + 1;
        }
    }
    if total > 4 * order.len() {
        return None;
    }
    let mut slots = vec![u32::MAX; total];
    for (i, &o) in order.iter().enumerate() {
        let s = share_of(o);
        slots[at[s] + rank_of(o) - span[s].0] = i as u32;
    }
    Some(slots.into_iter().filter(|&i| i != u32::MAX).collect())
}

impl Columns {
    /// Puts the customers in order of first appearance (ascending `order`), as table-pack.ts's
    /// merge and the single-threaded path expect.
    pub fn sort_by_order(&mut self) {
        if self.order.windows(2).all(|w| w[0] <= w[1]) {
            return;
        }
        let perm: Vec<u32> = place_by_order(&self.order).unwrap_or_else(|| {
            // Order keys are distinct whole numbers below 2^53: sort (key, index) pairs in place,
            // not indexes through the keys (a cache miss per comparison).
            let mut pairs: Vec<(u64, u32)> = self.order.iter().enumerate().map(|(i, &o)| (o as u64, i as u32)).collect();
            pairs.sort_unstable();
            pairs.into_iter().map(|(_, i)| i).collect()
        });
        // One buffer for every column: each permuted column is written into the buffer the
        // previous one left, so the merge task faults in one column of new pages, not one per
        // column (14 and up; 4 MB each at 500k customers, both workers faulting at once).
        let mut spare: Vec<f64> = Vec::with_capacity(perm.len());
        let mut apply = |v: &mut Vec<f64>| {
            spare.clear();
            spare.extend(perm.iter().map(|&i| v[i as usize]));
            std::mem::swap(v, &mut spare);
        };
        for v in [
            &mut self.order, &mut self.orders, &mut self.returns, &mut self.revenue, &mut self.returned, &mut self.margin,
            &mut self.first_ts, &mut self.last_ts, &mut self.purchase_days, &mut self.repeat_sum, &mut self.last_year,
        ] {
            apply(v);
        }
        for v in &mut self.windows {
            apply(v);
        }
        self.key_at = if self.key_at.is_empty() { perm } else { perm.iter().map(|&i| self.key_at[i as usize]).collect() };
    }
}

#[cfg(test)]
mod tests {
    use super::super::sink::{Sink, RADIX};
    use super::*;

    const DAY: f64 = MS_PER_DAY;

    /// Every partition of `sinks` (share order) combined, as `sinkCombine` does with one output partition.
    fn combine_all(sinks: &mut [&mut Sink], as_of_day: f64, windows: &[f64]) -> Columns {
        let mut out = Columns::default();
        for r in 0..RADIX {
            let mut tables = Vec::new();
            let pieces: Vec<Piece> = sinks.iter_mut().enumerate().map(|(share, s)| s.take_piece(share as u32, r, &mut tables).unwrap()).collect();
            combine_partition(tables.iter().map(|t| t.take(r)).collect(), pieces, as_of_day, windows, &mut out);
        }
        out.sort_by_order();
        out
    }

    #[test]
    fn two_sinks_combine_to_the_sums_of_one_with_own_tables_or_a_shared_one() {
        two_sinks_combine_to_the_sums_of_one(false);
        two_sinks_combine_to_the_sums_of_one(true);
    }

    fn two_sinks_combine_to_the_sums_of_one(shared: bool) {
        // Customer 1: purchases on days 10 and 12 in share 0, again day 12 and a return on day 13 in share 1.
        let mut a = Sink::default();
        let mut b = Sink::default();
        if shared {
            let table = std::sync::Arc::new(super::super::customers::Customers::default());
            a.join(table.clone()).unwrap();
            b.join(table).unwrap();
        }
        let mut ca = [0i32; 3];
        a.i32_column(&[1, 2, 1], &mut ca);
        a.append(&ca, &[10.0 * DAY, 11.0 * DAY, 12.0 * DAY + 5.0], &[10.0, 1.0, 2.5], None, None);
        let mut cb = [0i32; 3];
        b.i32_column(&[3, 1, 1], &mut cb);
        b.append(&cb, &[5.0 * DAY, 12.0 * DAY, 13.0 * DAY], &[4.0, 1.0, -3.0], None, None);
        let out = combine_all(&mut [&mut a, &mut b], 100.0, &[90.0, 365.0]);
        assert_eq!(out.order, vec![0.0, 1.0, SHARE_SCALE]);
        let c1 = 0;
        assert_eq!(out.orders[c1], 3.0);
        assert_eq!(out.returns[c1], 1.0);
        assert_eq!(out.revenue[c1], 105_000.0);
        assert_eq!(out.returned[c1], 30_000.0);
        assert_eq!(out.purchase_days[c1], 2.0);
        assert_eq!(out.repeat_sum[c1], 35_000.0, "days after the first: 2.5 + 1.0");
        assert_eq!(out.first_ts[c1], 10.0 * DAY);
        assert_eq!(out.last_ts[c1], 12.0 * DAY + 5.0);
        assert_eq!(out.windows[0][c1], 5_000.0, "days > 100 - 90: 2.5 + 1.0 - 3.0, not day 10");
        assert_eq!(out.windows[1][c1], 105_000.0);
        assert_eq!(out.purchase_days[2], 1.0);
        let (src, k) = out.keys[out.key_at[2] as usize];
        assert_eq!(out.interners[src as usize].key(k as usize).0, Some(3));
    }

    #[test]
    fn customers_are_placed_in_order_as_a_sort_puts_them() {
        let sorted = |order: &[f64]| {
            let mut idx: Vec<u32> = (0..order.len() as u32).collect();
            idx.sort_by(|&a, &b| order[a as usize].total_cmp(&order[b as usize]));
            idx
        };
        // Share 0's ranks every other one, share 1's few, shuffled; then keys too sparse to place.
        let mut x = 11u64;
        let mut order: Vec<f64> = (0..20_000).map(|r| (2 * r) as f64).chain((0..300).map(|r| SHARE_SCALE + (7 * r) as f64)).collect();
        for i in (1..order.len()).rev() {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            order.swap(i, (x >> 33) as usize % (i + 1));
        }
        assert_eq!(place_by_order(&order), Some(sorted(&order)));
        let sparse: Vec<f64> = (0..1000).map(|r| (r * 1000) as f64).rev().collect();
        assert_eq!(place_by_order(&sparse), None);
        assert_eq!(place_by_order(&[65.0 * SHARE_SCALE]), None, "beyond 64 shares");
    }

    #[test]
    fn orders_count_distinct_order_ids_per_side_across_sinks() {
        use super::super::sink::OrderColumn;
        let mut a = Sink::default();
        let mut b = Sink::default();
        let mut ca = [0i32; 3];
        a.i32_column(&[1, 1, 1], &mut ca);
        let oa = OrderColumn { kind: &[1, 1, 0], num: &[7.0, 7.0, 0.0], bytes: b"", offsets: &[0, 0, 0, 0] };
        a.append(&ca, &[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], None, Some(&oa));
        let mut cb = [0i32; 2];
        b.i32_column(&[1, 1], &mut cb);
        let ob = OrderColumn { kind: &[1, 2], num: &[7.0, 0.0], bytes: b"C7", offsets: &[0, 0, 2] };
        b.append(&cb, &[4.0, 5.0], &[-1.0, -2.0], None, Some(&ob));
        let out = combine_all(&mut [&mut a, &mut b], 0.0, &[]);
        assert_eq!(out.orders, vec![2.0], "order 7 once, and the row without an order id");
        assert_eq!(out.returns, vec![2.0], "order 7 on the return side, and C7");
    }
}
