//! A JSON body of live purchases read straight into columns: the twin of the TypeScript scanner
//! in engine/live/json-rows.ts (`scanJsonBatch`), for the common shape only. Every row is an
//! object with `customer_id` (an integer of at most 15 digits, or plain ASCII text of at most 64
//! bytes without escapes, whose bytes are handed back for the caller's id cache), `ts` in a
//! canonical ISO form (`YYYY-MM-DDTHH:MM:SSZ`, `.fffZ`, or a date; days up to the 28th), `amount`
//! and an optional `margin` (null or a number) with at most 15 significant digits, at most 22
//! decimals and no exponent (m / 10^k of two exact doubles: correctly rounded, as JSON.parse
//! reads it), and other keys with plain values (no escapes or non-ASCII text, no objects or
//! arrays). Anything else — including `event_id`, line items and order ids — gives up (`-1`), and
//! the caller reads the body with the TypeScript scanner, which decides. So this file decides
//! only how fast a body is read, never what is accepted.

/// Known keys, as in engine/live/tx-batches.ts JSON_ROW_KEYS; the ones after `margin` make the
/// scanner give up.
use crate::napi::{ensure_disjoint, span, Call, KernelError, RawValue, Result};

const KEYS: [&[u8]; 8] = [b"customer_id", b"ts", b"amount", b"margin", b"event_id", b"quantity", b"price", b"order_id"];
const ID: usize = 0;
const TS: usize = 1;
const AMOUNT: usize = 2;
const MARGIN: usize = 3;
const REQUIRED: u32 = (1 << ID) | (1 << TS) | (1 << AMOUNT);
const MAX_ID_BYTES: usize = 64;
const MAX_MONEY: f64 = 1e15;
const MS_PER_DAY: f64 = 86_400_000.0;

/// Where the rows go: one slot per row in each column.
pub struct Columns<'a> {
    pub ts: &'a mut [f64],
    pub amount: &'a mut [f64],
    pub margin: &'a mut [f64],
    /// The id as a number, or NaN when it is text (then `id_start..id_end` are its bytes).
    pub id_num: &'a mut [f64],
    pub id_start: &'a mut [i32],
    pub id_end: &'a mut [i32],
}

struct Bail;
type Step<T> = std::result::Result<T, Bail>;

struct Scanner<'a> {
    b: &'a [u8],
    at: usize,
}

fn is_space(c: u8) -> bool {
    c == b' ' || c == b'\n' || c == b'\r' || c == b'\t'
}

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

impl Scanner<'_> {
    /// The next byte after white space (the cursor on it), or None at the end.
    fn space(&mut self) -> Option<u8> {
        while self.at < self.b.len() && is_space(self.b[self.at]) {
            self.at += 1;
        }
        self.b.get(self.at).copied()
    }

    fn expect(&mut self, c: u8) -> Step<()> {
        if self.space() != Some(c) {
            return Err(Bail);
        }
        self.at += 1;
        Ok(())
    }

    /// A string of plain ASCII without escapes or control bytes: its bytes' span; gives up on any other.
    fn plain_string(&mut self) -> Step<(usize, usize)> {
        if self.space() != Some(b'"') {
            return Err(Bail);
        }
        let start = self.at + 1;
        let mut at = start;
        while at < self.b.len() {
            let c = self.b[at];
            if c == b'"' {
                self.at = at + 1;
                return Ok((start, at));
            }
            if c < 0x20 || c == b'\\' || c >= 0x80 {
                return Err(Bail);
            }
            at += 1;
        }
        Err(Bail)
    }

    /// A JSON number on the exact fast path: (value, whether it is an integer without a fraction).
    fn number(&mut self) -> Step<(f64, bool)> {
        self.space();
        let b = self.b;
        let mut at = self.at;
        let negative = b.get(at) == Some(&b'-');
        if negative {
            at += 1;
        }
        let mut mantissa: u64 = 0;
        let mut digits = 0u32;
        let mut decimals = 0usize;
        match b.get(at) {
            Some(b'0') => at += 1,
            Some(c) if c.is_ascii_digit() => {
                while let Some(c) = b.get(at).filter(|c| c.is_ascii_digit()) {
                    if digits >= 15 {
                        return Err(Bail);
                    }
                    mantissa = mantissa * 10 + u64::from(c - b'0');
                    digits += 1;
                    at += 1;
                }
            }
            _ => return Err(Bail),
        }
        let integer = b.get(at) != Some(&b'.');
        if !integer {
            at += 1;
            if !b.get(at).is_some_and(u8::is_ascii_digit) {
                return Err(Bail);
            }
            while let Some(c) = b.get(at).filter(|c| c.is_ascii_digit()) {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                if mantissa != 0 {
                    digits += 1;
                }
                decimals += 1;
                if digits > 15 || decimals > 22 {
                    return Err(Bail);
                }
                at += 1;
            }
        }
        if matches!(b.get(at), Some(b'e' | b'E')) {
            return Err(Bail);
        }
        self.at = at;
        let v = if decimals == 0 { mantissa as f64 } else { mantissa as f64 / POW10[decimals] };
        Ok((if negative { -v } else { v }, integer))
    }

    fn money(&mut self) -> Step<f64> {
        let (v, _) = self.number()?;
        if (-MAX_MONEY..=MAX_MONEY).contains(&v) {
            Ok(v)
        } else {
            Err(Bail)
        }
    }

    fn literal(&mut self, text: &[u8]) -> Step<()> {
        if self.b.len() >= self.at + text.len() && &self.b[self.at..self.at + text.len()] == text {
            self.at += text.len();
            Ok(())
        } else {
            Err(Bail)
        }
    }

    /// Skips a value that is not an object or an array (text must be plain).
    fn skip_value(&mut self) -> Step<()> {
        match self.space() {
            Some(b'"') => self.plain_string().map(|_| ()),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| ()),
            _ => Err(Bail),
        }
    }

    /// The index of a known key, or None for another (refused keys give up).
    fn key(&mut self) -> Step<Option<usize>> {
        let (start, end) = self.plain_string()?;
        let k = &self.b[start..end];
        if k == b"__proto__" || k == b"constructor" {
            return Err(Bail);
        }
        Ok(KEYS.iter().position(|known| *known == k))
    }
}

fn digit(b: &[u8], at: usize) -> i64 {
    let c = i64::from(b[at]) - i64::from(b'0');
    if (0..=9).contains(&c) {
        c
    } else {
        -100_000
    }
}

/// Days since 1970-01-01 of a civil date (engine/parse/parse-timestamp.ts daysFromCivil).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// engine/live/json-rows.ts canonicalIsoMs: the instant of a canonical form, None for any other text.
fn canonical_iso_ms(b: &[u8]) -> Option<f64> {
    let len = b.len();
    if (len != 20 && len != 24 && len != 10) || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digit(b, 0) * 1000 + digit(b, 1) * 100 + digit(b, 2) * 10 + digit(b, 3);
    let month = digit(b, 5) * 10 + digit(b, 6);
    let day = digit(b, 8) * 10 + digit(b, 9);
    if year < 0 || !(1..=12).contains(&month) || !(1..=28).contains(&day) {
        return None;
    }
    let date = days_from_civil(year, month, day) as f64 * MS_PER_DAY;
    if len == 10 {
        return Some(date);
    }
    if b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[len - 1] != b'Z' {
        return None;
    }
    let hour = digit(b, 11) * 10 + digit(b, 12);
    let minute = digit(b, 14) * 10 + digit(b, 15);
    let second = digit(b, 17) * 10 + digit(b, 18);
    if !(0..=23).contains(&hour) || !(0..=59).contains(&minute) || !(0..=59).contains(&second) {
        return None;
    }
    let mut ms = 0;
    if len == 24 {
        if b[19] != b'.' {
            return None;
        }
        ms = digit(b, 20) * 100 + digit(b, 21) * 10 + digit(b, 22);
        if ms < 0 {
            return None;
        }
    }
    Some(date + (hour * 3_600_000 + minute * 60_000 + second * 1000 + ms) as f64)
}

/// `(body: Uint8Array, ts, amount, margin, idNum: Float64Array, idStart, idEnd: Int32Array, io:
/// Float64Array)`: the rows read (-1: the TypeScript scanner decides); `io[0]` = 1 when a row had a margin key.
pub fn json_rows_scan(call: &Call) -> Result<RawValue> {
    let body = call.array::<u8>(0)?;
    let (ts, amount, margin, id_num) = (call.array::<f64>(1)?, call.array::<f64>(2)?, call.array::<f64>(3)?, call.array::<f64>(4)?);
    let (id_start, id_end, io) = (call.array::<i32>(5)?, call.array::<i32>(6)?, call.array::<f64>(7)?);
    if io.is_empty() {
        return Err(KernelError::Argument("io needs one slot".into()));
    }
    ensure_disjoint(
        &[span("ts", ts), span("amount", amount), span("margin", margin), span("idNum", id_num), span("idStart", id_start), span("idEnd", id_end), span("io", io)],
        &[span("body", body)],
    )?;
    let mut out = Columns { ts, amount, margin, id_num, id_start, id_end };
    match scan(body, &mut out) {
        Some((n, has_margin)) => {
            io[0] = if has_margin { 1.0 } else { 0.0 };
            call.int32(n as i32)
        }
        None => call.int32(-1),
    }
}

/// Reads `body` into `out`: `(rows, whether any row had a margin key)`, or None to leave the body
/// to the TypeScript scanner (see the file comment; also when `out` has too few slots).
pub fn scan(body: &[u8], out: &mut Columns) -> Option<(usize, bool)> {
    let mut s = Scanner { b: body, at: 0 };
    scan_rows(&mut s, out).ok()
}

fn scan_rows(s: &mut Scanner, out: &mut Columns) -> Step<(usize, bool)> {
    let capacity = out.ts.len().min(out.amount.len()).min(out.margin.len()).min(out.id_num.len()).min(out.id_start.len()).min(out.id_end.len());
    s.expect(b'[')?;
    if s.space() == Some(b']') {
        return Err(Bail);
    }
    let mut n = 0;
    let mut seen = 0u32;
    loop {
        s.expect(b'{')?;
        if n >= capacity {
            return Err(Bail);
        }
        let mut got = 0u32;
        let mut margin = f64::NAN;
        if s.space() != Some(b'}') {
            loop {
                let j = s.key()?;
                s.expect(b':')?;
                match j {
                    Some(ID) => match s.space() {
                        Some(b'"') => {
                            let (start, end) = s.plain_string()?;
                            if end - start > MAX_ID_BYTES {
                                return Err(Bail);
                            }
                            out.id_num[n] = f64::NAN;
                            out.id_start[n] = start as i32;
                            out.id_end[n] = end as i32;
                        }
                        _ => {
                            let (v, integer) = s.number()?;
                            if !integer {
                                return Err(Bail);
                            }
                            // -0 is the customer 0, as customerKeyFromValue reads it.
                            out.id_num[n] = if v == 0.0 { 0.0 } else { v };
                        }
                    },
                    Some(TS) => {
                        let (start, end) = s.plain_string()?;
                        out.ts[n] = canonical_iso_ms(&s.b[start..end]).ok_or(Bail)?;
                    }
                    Some(AMOUNT) => out.amount[n] = s.money()?,
                    Some(MARGIN) => {
                        margin = if s.space() == Some(b'n') {
                            s.literal(b"null")?;
                            f64::NAN
                        } else {
                            s.money()?
                        };
                    }
                    Some(_) => return Err(Bail),
                    None => s.skip_value()?,
                }
                if let Some(j) = j {
                    got |= 1 << j;
                }
                let c = s.space();
                s.at += 1;
                match c {
                    Some(b'}') => break,
                    Some(b',') => {}
                    _ => return Err(Bail),
                }
            }
        }
        if got & REQUIRED != REQUIRED {
            return Err(Bail);
        }
        out.margin[n] = margin;
        seen |= got;
        n += 1;
        let c = s.space();
        s.at += 1;
        match c {
            Some(b']') => break,
            Some(b',') => {}
            _ => return Err(Bail),
        }
    }
    if s.space().is_some() {
        return Err(Bail);
    }
    Ok((n, seen & (1 << MARGIN) != 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows, whether a margin key was seen, ts, amount and numeric ids.
    type Scanned = (usize, bool, Vec<f64>, Vec<f64>, Vec<f64>);

    fn run(body: &str) -> Option<Scanned> {
        let cap = 8;
        let (mut ts, mut amount, mut margin, mut id_num) = (vec![0.0; cap], vec![0.0; cap], vec![0.0; cap], vec![0.0; cap]);
        let (mut id_start, mut id_end) = (vec![0; cap], vec![0; cap]);
        let mut out = Columns { ts: &mut ts, amount: &mut amount, margin: &mut margin, id_num: &mut id_num, id_start: &mut id_start, id_end: &mut id_end };
        let (n, has_margin) = scan(body.as_bytes(), &mut out)?;
        Some((n, has_margin, ts[..n].to_vec(), amount[..n].to_vec(), id_num[..n].to_vec()))
    }

    #[test]
    fn reads_rows_of_the_common_shape() {
        let (n, has_margin, ts, amount, ids) = run(r#" [ {"customer_id":42,"ts":"2026-07-01T10:00:00.250Z","amount":59.9,"note":"ok"} , {"ts":"2026-07-02","amount":-0.1,"customer_id":-0,"margin":null} ] "#).unwrap();
        assert_eq!((n, has_margin), (2, true));
        assert_eq!(ts, vec![1_782_900_000_250.0, 1_782_950_400_000.0]);
        assert_eq!(amount, vec![59.9, -0.1]);
        assert_eq!(ids[0], 42.0);
        assert!(ids[1] == 0.0 && ids[1].is_sign_positive());
        assert!(run(r#"[{"customer_id":42,"ts":"2026-07-01","amount":1,"x":[1]}]"#).is_none(), "an array value gives up");
    }

    #[test]
    fn gives_up_on_what_the_typescript_scanner_decides() {
        for body in [
            r#"[]"#,
            r#"[{"customer_id":1,"ts":"2026-07-01","amount":1e3}]"#,
            r#"[{"customer_id":1.5,"ts":"2026-07-01","amount":1}]"#,
            r#"[{"customer_id":"a\"b","ts":"2026-07-01","amount":1}]"#,
            r#"[{"customer_id":1,"ts":"2026-07-31","amount":1}]"#,
            r#"[{"customer_id":1,"ts":"2026-07-01","amount":1,"event_id":"e"}]"#,
            r#"[{"customer_id":1,"ts":"2026-07-01"}]"#,
            r#"[{"customer_id":1,"ts":"2026-07-01","amount":1,"__proto__":1}]"#,
            r#"[{"customer_id":1,"ts":"2026-07-01","amount":1}] x"#,
            r#"[{"customer_id":1,"ts":"2026-07-01","amount":1234567890123456}]"#,
        ] {
            assert!(run(body).is_none(), "{body}");
        }
    }
}
