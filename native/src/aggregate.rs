//! The aggregation kernel: the Rust twin of engine/aggregate/aggregate-rows.ts,
//! aggregate-state.ts (`addDay`) and day-map.ts (`add`). Every float operation happens in the
//! same order as in TypeScript, so results are bit-identical.
//!
//! The DayMap's arrays belong to JS and only JS can allocate new ones. The TypeScript map grows
//! lazily, at the first `add` that finds `size * 2 >= capacity`, and the slot layout after a
//! growth depends on the entries present at that moment. So the kernel stops exactly where
//! TypeScript would grow, and tells JS where it stopped (`Stop`): JS grows the map with the same
//! code and calls again. Growths are logarithmic in the number of (customer, day) pairs, so
//! re-entries are rare.

use crate::napi::{KernelError, Result};

/// `NO_DAY` of aggregate-state.ts: `day0` of a customer with no day yet.
const NO_DAY: i32 = i32::MIN;
const MS_PER_DAY: f64 = 86_400_000.0;
/// money.ts `MONEY_SCALE`.
const MONEY_SCALE: f64 = 10_000.0;

/// money.ts `toUnits`: an amount in whole units of 0.0001, rounding half up.
#[inline]
fn to_units(a: f64) -> f64 {
    (a * MONEY_SCALE + 0.5).floor()
}

/// The rows of one batch.
pub struct Rows<'a> {
    pub cust: &'a [i32],
    pub ts: &'a [f64],
    pub amount: &'a [f64],
    pub margin: Option<&'a [f64]>,
}

/// The per-customer arrays of an `AggregateState`.
pub struct Customers<'a> {
    pub orders: &'a mut [u32],
    pub returns: &'a mut [u32],
    pub revenue: &'a mut [f64],
    pub returned_amount: &'a mut [f64],
    pub margin: &'a mut [f64],
    pub first_ts: &'a mut [f64],
    pub last_ts: &'a mut [f64],
    pub day0: &'a mut [i32],
    pub day0_net: &'a mut [f64],
    pub day0_pos: &'a mut [f64],
    pub spilled: &'a mut [u8],
}

impl Customers<'_> {
    /// The number of customers every array can hold.
    pub fn capacity(&self) -> usize {
        [
            self.orders.len(),
            self.returns.len(),
            self.revenue.len(),
            self.returned_amount.len(),
            self.margin.len(),
            self.first_ts.len(),
            self.last_ts.len(),
            self.day0.len(),
            self.day0_net.len(),
            self.day0_pos.len(),
            self.spilled.len(),
        ]
        .into_iter()
        .min()
        .unwrap_or(0)
    }
}

/// The arrays of a `DayMap` (capacity a power of two, linear probing, load <= 1/2).
pub struct DayMap<'a> {
    pub cust: &'a mut [i32],
    pub day: &'a mut [i32],
    pub net: &'a mut [f64],
    pub pos: &'a mut [f64],
    pub size: usize,
}

/// Where a call stopped.
pub enum Stop {
    /// Every row is folded in.
    Done,
    /// The map must grow before row `i`, which is untouched.
    GrowBefore(usize),
    /// Row `i` is folded in except its second day: JS adds `(cust, day(ts), amount, pos)` itself
    /// (which grows the map first, as TypeScript would).
    GrowMidRow(usize),
}

/// `maxTs` and `rows` of the state, carried through the call.
pub struct Totals {
    pub max_ts: f64,
    pub rows: f64,
}

/// A day as TypeScript computes it: `Math.floor(t / MS_PER_DAY)`, stored through an Int32Array
/// (ToInt32). `exact` is false when the double is not an int32 (NaN, |t| beyond ~1.8e17 ms):
/// TypeScript then compares the double with stored int32 days and never finds it equal.
#[derive(Clone, Copy)]
struct Day {
    stored: i32,
    exact: bool,
}

fn day_of(t: f64) -> Day {
    let d = (t / MS_PER_DAY).floor();
    if d >= i32::MIN as f64 && d <= i32::MAX as f64 {
        Day { stored: d as i32, exact: true }
    } else if d.is_finite() {
        Day { stored: ((d % 4_294_967_296.0) as i64) as i32, exact: false }
    } else {
        Day { stored: 0, exact: false }
    }
}

/// day-map.ts `hash`: murmur3's finaliser over a multiplicative combine, on 32-bit words.
#[inline]
fn hash(c: i32, d: i32) -> u32 {
    let mut h = (c as u32).wrapping_mul(0x9e37_79b1) ^ (d as u32).wrapping_mul(0x85eb_ca6b);
    h ^= h >> 16;
    h = h.wrapping_mul(0x7feb_352d);
    h ^= h >> 15;
    h
}

impl DayMap<'_> {
    #[inline]
    fn must_grow(&self) -> bool {
        self.size * 2 >= self.cust.len()
    }

    /// day-map.ts `add`, minus the growth (the caller checked `must_grow`).
    #[inline]
    fn add(&mut self, c: i32, d: Day, net: f64, pos: f64) {
        let mask = self.cust.len() - 1;
        let mut slot = hash(c, d.stored) as usize & mask;
        loop {
            let k = self.cust[slot];
            if k == -1 {
                self.cust[slot] = c;
                self.day[slot] = d.stored;
                self.net[slot] = net;
                self.pos[slot] = pos;
                self.size += 1;
                return;
            }
            if k == c && d.exact && self.day[slot] == d.stored {
                self.net[slot] += net;
                self.pos[slot] += pos;
                return;
            }
            slot = (slot + 1) & mask;
        }
    }
}

/// day-map.ts `grow`'s re-insertion: `add` of every entry of `from`, in slot order, into the
/// empty `to` (twice the capacity). Not a plain placement: rows whose day is no int32 (NaN ts)
/// leave duplicate keys behind, which TypeScript's re-`add` merges, so this does too.
pub fn reinsert(from: &DayMap, to: &mut DayMap) -> Result<()> {
    let cap = to.cust.len();
    if !cap.is_power_of_two() || to.day.len() != cap || to.net.len() != cap || to.pos.len() != cap || from.day.len() < from.cust.len() || from.net.len() < from.cust.len() || from.pos.len() < from.cust.len() {
        return Err(KernelError::Argument("day map arrays must share one power-of-two length".into()));
    }
    let live = from.cust.iter().filter(|&&c| c != -1).count();
    if live * 2 > cap || to.cust.iter().any(|&c| c != -1) {
        return Err(KernelError::Argument("the new day map must be empty and twice as large".into()));
    }
    to.size = 0;
    for s in 0..from.cust.len() {
        let c = from.cust[s];
        if c != -1 {
            to.add(c, Day { stored: from.day[s], exact: true }, from.net[s], from.pos[s]);
        }
    }
    Ok(())
}

/// Checks the shapes the kernel relies on, so the loop can index without surprises.
pub fn validate(rows: &Rows, days: &DayMap, n: usize) -> Result<()> {
    if rows.cust.len() < n || rows.ts.len() < n || rows.amount.len() < n || rows.margin.is_some_and(|m| m.len() < n) {
        return Err(KernelError::Argument(format!("row arrays are shorter than n = {n}")));
    }
    let cap = days.cust.len();
    if !cap.is_power_of_two() || days.day.len() != cap || days.net.len() != cap || days.pos.len() != cap {
        return Err(KernelError::Argument("day map arrays must share one power-of-two length".into()));
    }
    if days.size * 2 > cap {
        return Err(KernelError::Argument(format!("day map size {} breaks the load bound of capacity {cap}", days.size)));
    }
    Ok(())
}

/// aggregate-rows.ts `aggregateRows` over rows `start..n`, stopping where the map must grow.
pub fn aggregate_rows(rows: &Rows, s: &mut Customers, days: &mut DayMap, totals: &mut Totals, start: usize, n: usize) -> Result<Stop> {
    let limit = s.capacity();
    // Every array cut to one length, so the single `cu < limit` check below covers all indexing.
    let s = &mut Customers {
        orders: &mut s.orders[..limit],
        returns: &mut s.returns[..limit],
        revenue: &mut s.revenue[..limit],
        returned_amount: &mut s.returned_amount[..limit],
        margin: &mut s.margin[..limit],
        first_ts: &mut s.first_ts[..limit],
        last_ts: &mut s.last_ts[..limit],
        day0: &mut s.day0[..limit],
        day0_net: &mut s.day0_net[..limit],
        day0_pos: &mut s.day0_pos[..limit],
        spilled: &mut s.spilled[..limit],
    };
    let (cust, ts, amount) = (&rows.cust[..n], &rows.ts[..n], &rows.amount[..n]);
    let margin = rows.margin.map(|m| &m[..n]);
    let mut max_ts = totals.max_ts;
    let mut counted = 0.0;
    let mut stop = Stop::Done;
    for i in start..n {
        let c = cust[i];
        if c < 0 {
            continue;
        }
        let cu = c as usize;
        if cu >= limit {
            totals.max_ts = max_ts;
            totals.rows += counted;
            return Err(KernelError::Range(format!("row {i}: customer {c} is beyond the state's {limit} customers")));
        }
        let t = ts[i];
        let a = amount[i];
        // Which day-map adds this row makes, decided before touching anything, so that a stop
        // before the row leaves it untouched.
        let spilled = s.spilled[cu] == 1;
        // Every row but a NaN amount (which the parser never lets through) adds to a day.
        let moving = !a.is_nan();
        let d = day_of(t);
        let spills_now = moving && !spilled && s.day0[cu] != NO_DAY && !(d.exact && s.day0[cu] == d.stored);
        if (moving && spilled || spills_now) && days.must_grow() {
            stop = Stop::GrowBefore(i);
            break;
        }
        counted += 1.0;
        if t > max_ts {
            max_ts = t;
        }
        // money.ts: sums in exact units of 0.0001, `floor(x * 10000 + 0.5)` as in TypeScript.
        let q = to_units(a);
        s.revenue[cu] += q;
        if let Some(margin) = margin {
            let m = margin[i];
            if !m.is_nan() {
                s.margin[cu] += to_units(m);
            }
        }
        // amount >= 0 is an order (zero: a free one); a return adds -0 to the day's purchase sum,
        // which stays -0 exactly while the day has no purchase (day-map.ts `isPurchaseDay`).
        let pos = if a >= 0.0 {
            s.orders[cu] = s.orders[cu].wrapping_add(1);
            if t < s.first_ts[cu] {
                s.first_ts[cu] = t;
            }
            if t > s.last_ts[cu] {
                s.last_ts[cu] = t;
            }
            q + 0.0 // -0 becomes +0: still a purchase day
        } else if a < 0.0 {
            s.returns[cu] = s.returns[cu].wrapping_add(1);
            s.returned_amount[cu] -= q;
            -0.0
        } else {
            continue; // a NaN amount changes nothing more
        };
        // aggregate-state.ts `addDay`.
        if spilled {
            days.add(c, d, q, pos);
        } else if s.day0[cu] == NO_DAY {
            s.day0[cu] = d.stored;
            s.day0_net[cu] = q;
            s.day0_pos[cu] = pos;
        } else if !spills_now {
            s.day0_net[cu] += q;
            s.day0_pos[cu] += pos;
        } else {
            s.spilled[cu] = 1;
            days.add(c, Day { stored: s.day0[cu], exact: true }, s.day0_net[cu], s.day0_pos[cu]);
            if days.must_grow() {
                stop = Stop::GrowMidRow(i);
                break;
            }
            days.add(c, d, q, pos);
        }
    }
    totals.max_ts = max_ts;
    totals.rows += counted;
    Ok(stop)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The arrays of an `AggregateState` of `n` customers, initialised as aggregate-state.ts does.
    struct State {
        orders: Vec<u32>,
        returns: Vec<u32>,
        revenue: Vec<f64>,
        returned_amount: Vec<f64>,
        margin: Vec<f64>,
        first_ts: Vec<f64>,
        last_ts: Vec<f64>,
        day0: Vec<i32>,
        day0_net: Vec<f64>,
        day0_pos: Vec<f64>,
        spilled: Vec<u8>,
    }

    impl State {
        fn new(n: usize) -> Self {
            State {
                orders: vec![0; n],
                returns: vec![0; n],
                revenue: vec![0.0; n],
                returned_amount: vec![0.0; n],
                margin: vec![0.0; n],
                first_ts: vec![f64::INFINITY; n],
                last_ts: vec![f64::NEG_INFINITY; n],
                day0: vec![NO_DAY; n],
                day0_net: vec![0.0; n],
                day0_pos: vec![0.0; n],
                spilled: vec![0; n],
            }
        }

        fn customers(&mut self) -> Customers<'_> {
            Customers {
                orders: &mut self.orders,
                returns: &mut self.returns,
                revenue: &mut self.revenue,
                returned_amount: &mut self.returned_amount,
                margin: &mut self.margin,
                first_ts: &mut self.first_ts,
                last_ts: &mut self.last_ts,
                day0: &mut self.day0,
                day0_net: &mut self.day0_net,
                day0_pos: &mut self.day0_pos,
                spilled: &mut self.spilled,
            }
        }
    }

    struct Map {
        cust: Vec<i32>,
        day: Vec<i32>,
        net: Vec<f64>,
        pos: Vec<f64>,
    }

    impl Map {
        fn new(cap: usize) -> Self {
            Map { cust: vec![-1; cap], day: vec![0; cap], net: vec![0.0; cap], pos: vec![0.0; cap] }
        }

        fn view(&mut self, size: usize) -> DayMap<'_> {
            DayMap { cust: &mut self.cust, day: &mut self.day, net: &mut self.net, pos: &mut self.pos, size }
        }

        /// (customer, day) → (net units, purchase units), whatever the slot layout.
        fn entries(&self) -> Vec<(i32, i32, f64, f64)> {
            let mut e: Vec<_> = (0..self.cust.len()).filter(|&s| self.cust[s] != -1).map(|s| (self.cust[s], self.day[s], self.net[s], self.pos[s])).collect();
            e.sort_by_key(|a| (a.0, a.1));
            e
        }
    }

    const D: f64 = MS_PER_DAY;

    #[test]
    fn sums_money_in_exact_units_and_counts_orders_returns_and_free_orders() {
        let rows = Rows { cust: &[0, 0, 1, 1, -1], ts: &[D * 10.0, D * 10.5, D * 3.0, D * 3.2, D], amount: &[0.1, 0.2, 0.0, -2.5, 99.0], margin: None };
        let mut s = State::new(2);
        let mut m = Map::new(8);
        let mut totals = Totals { max_ts: f64::NEG_INFINITY, rows: 0.0 };
        let stop = aggregate_rows(&rows, &mut s.customers(), &mut m.view(0), &mut totals, 0, 5).unwrap();
        assert!(matches!(stop, Stop::Done));
        // 0.1 + 0.2 in units of 0.0001 is exactly 3000, where floats would give 0.30000000000000004.
        assert_eq!(s.revenue, vec![3000.0, -25_000.0]);
        assert_eq!(s.orders, vec![2, 1], "a zero amount is a free order");
        assert_eq!(s.returns, vec![0, 1]);
        assert_eq!(s.returned_amount, vec![0.0, 25_000.0]);
        assert_eq!((s.first_ts[0], s.last_ts[0]), (D * 10.0, D * 10.5));
        assert_eq!((s.first_ts[1], s.last_ts[1]), (D * 3.0, D * 3.0), "a return is no purchase");
        // One day each: nothing spilled into the map; the row with no customer is not counted.
        assert_eq!((s.day0.clone(), s.day0_net.clone()), (vec![10, 3], vec![3000.0, -25_000.0]));
        assert_eq!(s.spilled, vec![0, 0]);
        assert_eq!((totals.rows, totals.max_ts), (4.0, D * 10.5));
    }

    #[test]
    fn a_second_day_spills_both_days_into_the_map() {
        let rows = Rows { cust: &[0, 0, 0], ts: &[D * 5.0, D * 6.0, D * 5.5], amount: &[1.0, 2.0, -1.0], margin: None };
        let mut s = State::new(1);
        let mut m = Map::new(16);
        let mut totals = Totals { max_ts: f64::NEG_INFINITY, rows: 0.0 };
        let mut view = m.view(0);
        assert!(matches!(aggregate_rows(&rows, &mut s.customers(), &mut view, &mut totals, 0, 3).unwrap(), Stop::Done));
        assert_eq!(view.size, 2);
        assert_eq!(s.spilled, vec![1]);
        // Day 5: 1.00 bought, 1.00 returned → net 0, still a purchase day (pos +10000).
        assert_eq!(m.entries(), vec![(0, 5, 0.0, 10_000.0), (0, 6, 20_000.0, 20_000.0)]);
    }

    #[test]
    fn stops_before_a_row_where_typescript_would_grow_the_map_and_leaves_the_row_untouched() {
        let rows = Rows { cust: &[0, 0, 0], ts: &[D, D * 2.0, D * 3.0], amount: &[1.0, 1.0, 1.0], margin: None };
        let mut s = State::new(1);
        let mut m = Map::new(4);
        let mut totals = Totals { max_ts: f64::NEG_INFINITY, rows: 0.0 };
        let mut view = m.view(0);
        let stop = aggregate_rows(&rows, &mut s.customers(), &mut view, &mut totals, 0, 3).unwrap();
        assert!(matches!(stop, Stop::GrowBefore(2)));
        assert_eq!(view.size, 2);
        assert_eq!((s.orders[0], totals.rows), (2, 2.0), "row 2 is not counted yet");

        // JS grows the map (reinsert into twice the capacity) and calls again from row 2.
        let mut bigger = Map::new(8);
        let mut to = bigger.view(0);
        reinsert(&view, &mut to).unwrap();
        assert_eq!(to.size, 2);
        let stop = aggregate_rows(&rows, &mut s.customers(), &mut to, &mut totals, 2, 3).unwrap();
        assert!(matches!(stop, Stop::Done));
        assert_eq!((s.orders[0], totals.rows, to.size), (3, 3.0, 3));
        assert_eq!(bigger.entries().iter().map(|e| e.1).collect::<Vec<_>>(), vec![1, 2, 3]);
    }

    #[test]
    fn stops_mid_row_when_the_spill_of_day0_fills_the_map() {
        let rows = Rows { cust: &[0, 0], ts: &[D, D * 2.0], amount: &[1.0, 2.0], margin: None };
        let mut s = State::new(1);
        let mut m = Map::new(2);
        let mut totals = Totals { max_ts: f64::NEG_INFINITY, rows: 0.0 };
        let mut view = m.view(0);
        let stop = aggregate_rows(&rows, &mut s.customers(), &mut view, &mut totals, 0, 2).unwrap();
        assert!(matches!(stop, Stop::GrowMidRow(1)));
        // Row 1 is counted and its money summed; only its own day is left for JS to add.
        assert_eq!((s.orders[0], s.revenue[0], view.size), (2, 30_000.0, 1));
        assert_eq!(m.entries(), vec![(0, 1, 10_000.0, 10_000.0)]);
    }

    #[test]
    fn refuses_a_customer_beyond_the_state_and_bad_map_shapes() {
        let rows = Rows { cust: &[3], ts: &[D], amount: &[1.0], margin: None };
        let mut s = State::new(2);
        let mut m = Map::new(4);
        let mut totals = Totals { max_ts: f64::NEG_INFINITY, rows: 0.0 };
        assert!(matches!(aggregate_rows(&rows, &mut s.customers(), &mut m.view(0), &mut totals, 0, 1), Err(KernelError::Range(_))));
        let mut odd = Map::new(3);
        assert!(matches!(validate(&rows, &odd.view(0), 1), Err(KernelError::Argument(_))));
        assert!(matches!(validate(&rows, &m.view(0), 2), Err(KernelError::Argument(_))), "rows shorter than n");
        let mut full = Map::new(4);
        full.cust[0] = 0;
        let mut small = Map::new(8);
        small.cust[1] = 0;
        assert!(matches!(reinsert(&full.view(1), &mut small.view(0)), Err(KernelError::Argument(_))), "the new map must be empty");
    }
}
