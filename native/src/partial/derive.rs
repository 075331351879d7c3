//! Finalize's last step in the addon: a combined partition's per-customer sums (combine.rs
//! `Columns`, in order of first appearance) become DESIGN's fields, the columns
//! engine/aggregate/derive-fields.ts `deriveFields` computes, with the same formulas in the same
//! order of operations (so every value is the same double), and the customers' ids become one
//! UTF-8 column. It runs in each merge task, on the pool's workers, which then put their parts
//! together themselves (shared_base.rs).
//!
//!   merge task p:  Columns (sums, units) ──derive──► BasePart p (money, days, ids as bytes)

use super::combine::Columns;
use super::sink::floor;
use crate::ids::decimal;

const MS_PER_DAY: f64 = 86_400_000.0;
/// money.ts `MONEY_SCALE`.
const MONEY_SCALE: f64 = 10_000.0;

/// The fields of a base part, in the order they cross to JS (engine/kernels/native-sink.ts `FIELDS`).
pub const FIELDS: usize = 14;
pub const ORDERS: usize = 0;
pub const PURCHASE_DAYS: usize = 1;
pub const FIRST_PURCHASE_AT: usize = 2;
pub const LAST_PURCHASE_AT: usize = 3;
pub const REVENUE: usize = 4;
pub const RETURNS: usize = 5;
pub const RETURNED_AMOUNT: usize = 6;
pub const MARGIN: usize = 7;
pub const RECENCY_DAYS: usize = 8;
pub const TENURE_DAYS: usize = 9;
pub const AOV: usize = 10;
pub const WEEKLY_SPEND: usize = 11;
pub const MEAN_REPEAT_VALUE: usize = 12;
pub const LAST_YEAR_REVENUE: usize = 13;

/// Customers with DESIGN's fields, in order of first appearance (ascending `order`).
#[derive(Default)]
pub struct BasePart {
    /// partial-pack.ts `orderKey` of each customer.
    pub order: Vec<f64>,
    /// `FIELDS` columns (indexes above), then one money column per revenue window in the order asked for.
    pub cols: Vec<Vec<f64>>,
    /// The ids' UTF-8 (an integer key as its decimal text), id j ending at `id_ends[j]`; customer
    /// c's id is id `id_at[c]` (`c` where `id_at` is empty: combine.rs `Columns::key_at`).
    pub id_bytes: Vec<u8>,
    pub id_ends: Vec<u32>,
    pub id_at: Vec<u32>,
}

/// `Math.ceil` by way of the exact `floor` (no libm call).
#[inline]
fn ceil(x: f64) -> f64 {
    -floor(-x)
}

/// derive-fields.ts `deriveFields` of every customer of `sums` at day `as_of_day` (margin as
/// money always: a base without a margin column has it null, which the caller knows).
pub fn derive(sums: Columns, as_of_day: f64) -> BasePart {
    let Columns { order, orders, returns, revenue, returned, margin, first_ts, last_ts, purchase_days, repeat_sum, last_year, windows, keys, key_at, interners } = sums;
    let n = order.len();
    let nan = f64::NAN;
    let money = |v: Vec<f64>| -> Vec<f64> { v.into_iter().map(|u| u / MONEY_SCALE).collect() };
    // Four fields are written over the sums they come from (a customer's own slot only), so the
    // merge task faults in four new columns of pages instead of eight.
    let (mut first, mut last, mut year, mut mean_repeat) = (first_ts, last_ts, last_year, repeat_sum);
    let mut recency = vec![nan; n];
    let mut tenure = vec![nan; n];
    let mut aov = vec![nan; n];
    let mut weekly = vec![nan; n];
    let revenue = money(revenue);
    for c in 0..n {
        let o = orders[c];
        // Only returns: DESIGN says purchase fields are null.
        if o == 0.0 {
            first[c] = nan;
            last[c] = nan;
            year[c] = nan;
            mean_repeat[c] = nan;
            continue;
        }
        let t = as_of_day - floor(first[c] / MS_PER_DAY);
        recency[c] = as_of_day - floor(last[c] / MS_PER_DAY);
        tenure[c] = t;
        aov[c] = revenue[c] / o;
        weekly[c] = revenue[c] / ceil((t + 1.0) / 7.0).max(1.0);
        let pd = purchase_days[c];
        mean_repeat[c] = if pd > 1.0 { mean_repeat[c] / MONEY_SCALE / (pd - 1.0) } else { nan };
        year[c] /= MONEY_SCALE;
    }
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); FIELDS];
    cols[ORDERS] = orders;
    cols[PURCHASE_DAYS] = purchase_days;
    cols[FIRST_PURCHASE_AT] = first;
    cols[LAST_PURCHASE_AT] = last;
    cols[REVENUE] = revenue;
    cols[RETURNS] = returns;
    cols[RETURNED_AMOUNT] = money(returned);
    cols[MARGIN] = money(margin);
    cols[RECENCY_DAYS] = recency;
    cols[TENURE_DAYS] = tenure;
    cols[AOV] = aov;
    cols[WEEKLY_SPEND] = weekly;
    cols[MEAN_REPEAT_VALUE] = mean_repeat;
    cols[LAST_YEAR_REVENUE] = year;
    cols.extend(windows.into_iter().map(money));
    let mut digits = [0u8; 24];
    let mut id_bytes = Vec::with_capacity(n * 8);
    let mut id_ends = Vec::with_capacity(n);
    for &(src, k) in &keys {
        match interners[src as usize].key(k as usize) {
            (Some(v), _) => id_bytes.extend_from_slice(decimal(v, &mut digits)),
            (None, t) => match std::str::from_utf8(t) {
                Ok(_) => id_bytes.extend_from_slice(t),
                // JS decodes such a key with replacement characters: the snapshot holds that text.
                Err(_) => id_bytes.extend_from_slice(String::from_utf8_lossy(t).as_bytes()),
            },
        }
        id_ends.push(id_bytes.len() as u32);
    }
    BasePart { order, cols, id_bytes, id_ends, id_at: key_at }
}

/// A base as it crosses to JS.
pub struct Gathered {
    pub cols: Vec<Vec<f64>>,
    pub id_bytes: Vec<u8>,
    /// Arrow-style: customer c's id is `id_bytes[id_offsets[c] .. id_offsets[c + 1]]`.
    pub id_offsets: Vec<i32>,
}

impl BasePart {
    /// This part as the whole base (its columns move over as they are): a single sink's, or the
    /// one output partition of a combine.
    pub fn into_base(self) -> Gathered {
        let part = self.ids_in_order();
        let mut id_offsets = Vec::with_capacity(part.id_ends.len() + 1);
        id_offsets.push(0);
        id_offsets.extend(part.id_ends.iter().map(|&e| e as i32));
        Gathered { cols: part.cols, id_bytes: part.id_bytes, id_offsets }
    }

    /// This part with its ids' bytes in its customers' order (`id_at` empty).
    pub fn ids_in_order(self) -> BasePart {
        if self.id_at.is_empty() {
            return self;
        }
        let mut id_bytes = Vec::with_capacity(self.id_bytes.len());
        let mut id_ends = Vec::with_capacity(self.id_at.len());
        for c in 0..self.id_at.len() {
            id_bytes.extend_from_slice(self.id(c));
            id_ends.push(id_bytes.len() as u32);
        }
        BasePart { id_bytes, id_ends, id_at: Vec::new(), ..self }
    }

    /// Customer c's id.
    #[inline]
    pub fn id(&self, c: usize) -> &[u8] {
        let j = if self.id_at.is_empty() { c } else { self.id_at[c] as usize };
        &self.id_bytes[if j == 0 { 0 } else { self.id_ends[j - 1] as usize }..self.id_ends[j] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::super::sink::Sink;
    use super::*;
    use crate::partial::combine::combine_partition;
    use crate::partial::sink::RADIX;

    const DAY: f64 = MS_PER_DAY;

    fn combined(sink: &mut Sink, as_of_day: f64, windows: &[f64], p: usize, partitions: usize) -> Columns {
        let mut out = Columns::default();
        for r in (p..RADIX).step_by(partitions) {
            let mut tables = Vec::new();
            let piece = sink.take_piece(0, r, &mut tables).unwrap();
            combine_partition(tables.iter().map(|t| t.take(r)).collect(), vec![piece], as_of_day, windows, &mut out);
        }
        out.sort_by_order();
        out
    }

    #[test]
    fn derives_the_fields_of_derive_fields() {
        // Customer 7: purchases on days 10 and 12 (12.5 and 2.25), a return of 3 on day 95; as of day 100.
        // Customer 8: only a return.
        let mut s = Sink::default();
        let mut c = [0i32; 4];
        s.i32_column(&[7, 7, 8, 7], &mut c);
        s.append(&c, &[10.0 * DAY, 12.0 * DAY + 5.0, 50.0 * DAY, 95.0 * DAY], &[12.5, 2.25, -4.0, -3.0], None, None);
        let part = derive(combined(&mut s, 100.0, &[90.0, 365.0], 0, 1), 100.0);
        let col = |k: usize| part.cols[k].clone();
        assert_eq!(part.order, vec![0.0, 1.0]);
        assert_eq!(col(ORDERS), vec![2.0, 0.0]);
        assert_eq!(col(REVENUE), vec![11.75, -4.0]);
        assert_eq!(col(RETURNED_AMOUNT), vec![3.0, 4.0]);
        assert_eq!(col(TENURE_DAYS)[0], 90.0);
        assert_eq!(col(RECENCY_DAYS)[0], 88.0);
        assert_eq!(col(AOV)[0], 11.75 / 2.0);
        assert_eq!(col(WEEKLY_SPEND)[0], 11.75 / 13.0, "ceil(91 / 7) weeks");
        assert_eq!(col(MEAN_REPEAT_VALUE)[0], 2.25);
        assert_eq!(col(LAST_YEAR_REVENUE)[0], 11.75);
        assert_eq!(part.cols[FIELDS], vec![2.25 - 3.0, -4.0], "days > 100 - 90: not day 10");
        for k in [FIRST_PURCHASE_AT, LAST_PURCHASE_AT, RECENCY_DAYS, TENURE_DAYS, AOV, WEEKLY_SPEND, MEAN_REPEAT_VALUE, LAST_YEAR_REVENUE] {
            assert!(col(k)[1].is_nan(), "field {k} of a customer without orders is null");
        }
        assert_eq!((part.id(0), part.id(1)), (&b"7"[..], &b"8"[..]), "in order of first appearance, whatever order the tables hold them in");
        let base = part.into_base();
        assert_eq!(base.id_bytes, b"78");
        assert_eq!(base.id_offsets, vec![0, 1, 2]);
    }
}
