//! Combine and finalize of the native aggregation: one radix partition from every sink that saw
//! it (in share order) becomes DESIGN's per-customer sums, the columns `deriveFields`
//! (engine/aggregate/derive-fields.ts) takes and derive.rs derives the same way, in one pass over
//! the records grouped by customer.
//!
//!   sink 0 partition r: interner A │ recs …      later sinks' keys interned into A (small, in cache),
//!   sink 1 partition r: interner B │ recs …  ──► their records remapped, counting-sorted by customer
//!                                                (stable: share order, then row order) ──► one pass
//!                                                per customer: counts, sums, first/last, days, windows
//!
//! The sums are exact units added in row order, as aggregate-rows.ts adds them, so a customer's
//! numbers are those of the TypeScript kernels bit for bit. Distinct purchase days and distinct
//! orders are counted by sorting the customer's few values (no day map).

use super::sink::{floor, Partition, Rec, ORDER_MASK, RETURN};
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
    /// Where each customer's key lives: (index into `interners`, number in it).
    pub keys: Vec<(u32, u32)>,
    pub interners: Vec<Interner>,
}

/// A piece's records, margins, customer remap and order remap (None: the first piece, which maps to itself).
type Log = (Vec<Rec>, Vec<f64>, Option<Vec<u32>>, Option<Vec<u32>>);

/// The key of `ids`' entry `k` re-interned into `into`.
fn reintern(into: &mut Interner, ids: &Interner, k: usize) -> (usize, bool) {
    let before = into.len();
    let n = match ids.key(k) {
        (Some(v), _) => into.int_hashed(v, hash_int(v)),
        (None, text) => into.text_hashed(text, hash_text(text)),
    } as usize;
    (n, into.len() > before)
}

/// One radix partition's pieces (share index, partition) in share order, combined and finalized
/// into `out` at `as_of_day` with the revenue windows `windows` (days).
pub fn combine_partition(pieces: Vec<(u32, Partition)>, as_of_day: f64, windows: &[f64], out: &mut Columns) {
    let mut pieces = pieces.into_iter();
    let Some((share0, first)) = pieces.next() else { return };
    let Partition { ids: mut base, first_seen, recs, margin, orders: mut base_orders } = first;
    let mut order: Vec<f64> = first_seen.iter().map(|&s| share0 as f64 * SHARE_SCALE + s as f64).collect();
    let has_margin = !margin.is_empty();
    let mut logs: Vec<Log> = vec![(recs, margin, None, None)];
    let mut any_margin = has_margin;
    for (share, piece) in pieces {
        let remap: Vec<u32> = (0..piece.ids.len())
            .map(|k| {
                let (n, fresh) = reintern(&mut base, &piece.ids, k);
                if fresh {
                    order.push(share as f64 * SHARE_SCALE + piece.first_seen[k] as f64);
                }
                n as u32
            })
            .collect();
        let order_remap: Vec<u32> = (0..piece.orders.len()).map(|k| reintern(&mut base_orders, &piece.orders, k).0 as u32).collect();
        any_margin |= !piece.margin.is_empty();
        logs.push((piece.recs, piece.margin, Some(remap), Some(order_remap)));
    }
    let n = base.len();
    // Counting sort of every record by customer, stable (share order, then row order).
    let mut at = vec![0u32; n + 1];
    for (recs, _, remap, _) in &logs {
        for r in recs {
            let c = remap.as_ref().map_or(r.cust, |m| m[r.cust as usize]);
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
            let c = remap.as_ref().map_or(r.cust, |m| m[r.cust as usize]) as usize;
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
    let Partition { ids, first_seen, recs, margin, orders: order_ids } = part;
    let n = ids.len();
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

impl Columns {
    /// Puts the customers in order of first appearance (ascending `order`), as table-pack.ts's
    /// merge and the single-threaded path expect.
    pub fn sort_by_order(&mut self) {
        let n = self.order.len();
        if self.order.windows(2).all(|w| w[0] <= w[1]) {
            return;
        }
        // One share's ranks are 0..n-1: each customer's place is its rank.
        let perm: Vec<u32> = if self.order.iter().all(|&o| o < n as f64) {
            let mut perm = vec![0u32; n];
            for (i, &o) in self.order.iter().enumerate() {
                perm[o as usize] = i as u32;
            }
            perm
        } else {
            // Order keys are distinct whole numbers below 2^53: sort (key, index) pairs in place,
            // not indexes through the keys (a cache miss per comparison).
            let mut pairs: Vec<(u64, u32)> = self.order.iter().enumerate().map(|(i, &o)| (o as u64, i as u32)).collect();
            pairs.sort_unstable();
            pairs.into_iter().map(|(_, i)| i).collect()
        };
        let apply = |v: &mut Vec<f64>| *v = perm.iter().map(|&i| v[i as usize]).collect();
        for v in [
            &mut self.order, &mut self.orders, &mut self.returns, &mut self.revenue, &mut self.returned, &mut self.margin,
            &mut self.first_ts, &mut self.last_ts, &mut self.purchase_days, &mut self.repeat_sum, &mut self.last_year,
        ] {
            apply(v);
        }
        for v in &mut self.windows {
            apply(v);
        }
        self.keys = perm.iter().map(|&i| self.keys[i as usize]).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::super::sink::Sink;
    use super::*;

    const DAY: f64 = MS_PER_DAY;

    #[test]
    fn two_sinks_combine_to_the_sums_of_one() {
        // Customer 1: purchases on days 10 and 12 in share 0, again day 12 and a return on day 13 in share 1.
        let mut a = Sink::default();
        let mut b = Sink::default();
        let mut ca = [0i32; 3];
        a.i32_column(&[1, 2, 1], &mut ca);
        a.append(&ca, &[10.0 * DAY, 11.0 * DAY, 12.0 * DAY + 5.0], &[10.0, 1.0, 2.5], None, None);
        let mut cb = [0i32; 3];
        b.i32_column(&[3, 1, 1], &mut cb);
        b.append(&cb, &[5.0 * DAY, 12.0 * DAY, 13.0 * DAY], &[4.0, 1.0, -3.0], None, None);
        let mut out = Columns::default();
        for r in 0..super::super::sink::RADIX {
            let pieces: Vec<(u32, Partition)> = [(0, &mut a), (1, &mut b)].into_iter().map(|(s, k)| (s, std::mem::take(&mut k.parts[r]))).collect();
            combine_partition(pieces, 100.0, &[90.0, 365.0], &mut out);
        }
        out.sort_by_order();
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
        let (src, k) = out.keys[2];
        assert_eq!(out.interners[src as usize].key(k as usize).0, Some(3));
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
        let r = ca[0] as usize & (super::super::sink::RADIX - 1);
        let pieces = vec![(0, std::mem::take(&mut a.parts[r])), (1, std::mem::take(&mut b.parts[r]))];
        let mut out = Columns::default();
        combine_partition(pieces, 0.0, &[], &mut out);
        assert_eq!(out.orders, vec![2.0], "order 7 once, and the row without an order id");
        assert_eq!(out.returns, vec![2.0], "order 7 on the return side, and C7");
    }
}
