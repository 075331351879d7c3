//! The fast cases of the parse rules (engine/parse/parse-values.ts, parse-timestamp.ts,
//! ts-kinds.ts), one value at a time. Each function returns `Some` only for text that the
//! TypeScript parser reads as exactly the same value; anything else (spaces around it, a sign
//! where the grammar allows one but the fast path does not, a bad value) is `None`, and the
//! column of that batch goes to the TypeScript parser as text, which judges it and logs the
//! same reject reason and detail as ever. So a `None` is never wrong, only slower.

/// Milliseconds in a day.
const MS_PER_DAY: i64 = 86_400_000;
/// `isValidTimestamp`'s upper bound (parse-timestamp.ts): `Date`'s range, short of its last
/// millisecond. No fast-path value is negative, so the lower bound never applies.
const MAX_TIMESTAMP_MS: i64 = 8_640_000_000_000_000 - 1;
/// `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE: i64 = (1 << 53) - 1;
/// parse-values.ts `MAX_MONEY`: computed the same way, so the bound is the same double.
const MAX_MONEY: f64 = MAX_SAFE as f64 / 10_000.0;

/// How a `ts` column's text is read: the parse step's decided kind (engine/parse/input-dialect.ts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TsRule {
    /// `iso`: ISO-8601 only (`parseIsoTimestamp`).
    Iso,
    /// No decided kind (`timestampFromText`): ISO-8601, or an integer as epoch milliseconds.
    IsoOrMs,
    /// `epoch_ms`: an integer in [1e11, 1e13).
    EpochMs,
    /// `epoch_s`: a number in [1e9, 1e10), with up to 9 decimals, times 1000 rounded.
    EpochS,
    /// `yyyymmdd`: a valid date in 19000101..=21001231.
    Ymd,
}

impl TsRule {
    /// The rule of a code from engine/read/csv-native.ts (`TS_RULES`).
    pub fn from_code(code: u8) -> Option<TsRule> {
        Some(match code {
            0 => TsRule::Iso,
            1 => TsRule::IsoOrMs,
            2 => TsRule::EpochMs,
            3 => TsRule::EpochS,
            4 => TsRule::Ymd,
            _ => return None,
        })
    }

    /// Epoch milliseconds of `s` under this rule.
    pub fn parse(self, s: &[u8]) -> Option<i64> {
        match self {
            TsRule::Iso => iso(s),
            TsRule::IsoOrMs => {
                if s.len() >= 10 && s[4] == b'-' && s[7] == b'-' {
                    iso(s)
                } else {
                    // `^[+-]?\d{1,16}$` then isValidTimestamp; a sign is left to TypeScript ("-0").
                    let v = plain_int(s, 16)?;
                    (v <= MAX_TIMESTAMP_MS).then_some(v)
                }
            }
            TsRule::EpochMs => plain_int(s, 16).filter(|v| (100_000_000_000..10_000_000_000_000).contains(v)),
            TsRule::EpochS => epoch_seconds(s),
            TsRule::Ymd => {
                if s.len() != 8 {
                    return None;
                }
                let v = plain_int(s, 8)?;
                let (y, m, d) = (v / 10_000, (v / 100) % 100, v % 100);
                if !(19_000_101..=21_001_231).contains(&v) || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
                    return None;
                }
                Some(days_from_civil(y, m, d) * MS_PER_DAY)
            }
        }
    }
}

/// Only ASCII digits, 1 to `max` of them, as an integer.
fn plain_int(s: &[u8], max: usize) -> Option<i64> {
    if s.is_empty() || s.len() > max {
        return None;
    }
    let mut v: i64 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

/// ts-kinds.ts `epoch_s`: `\d{10}(\.\d{1,9})?` in [1e9, 1e10), `Math.round(v * 1000)`.
fn epoch_seconds(s: &[u8]) -> Option<i64> {
    if s.len() == 10 {
        let v = plain_int(s, 10)?;
        return (v >= 1_000_000_000).then_some(v * 1000);
    }
    if s.len() < 12 || s.len() > 20 || s[10] != b'.' || !s[..10].iter().chain(&s[11..]).all(u8::is_ascii_digit) || s[0] == b'0' {
        return None;
    }
    // Number(text) * 1000 as doubles, as TypeScript computes it: the parse is correctly rounded
    // in both, and Math.round is floor(x + 0.5), exact here since x < 2^44 leaves 8 fraction bits.
    let v: f64 = std::str::from_utf8(s).ok()?.parse().ok()?;
    Some((v * 1000.0 + 0.5).floor() as i64)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Years whose first day `days_from_civil` tabulates: the dates of real exports.
const TABLE_FIRST_YEAR: i64 = 1900;
const TABLE_YEARS: usize = 300;
/// Days since 1970-01-01 of January 1st of `TABLE_FIRST_YEAR + k`.
const YEAR_START: [i32; TABLE_YEARS] = {
    let mut out = [0i32; TABLE_YEARS];
    let mut k = 0;
    while k < TABLE_YEARS {
        out[k] = days_from_civil_formula(TABLE_FIRST_YEAR + k as i64, 1, 1) as i32;
        k += 1;
    }
    out
};
/// Days before the first of each month (index 1..=12), in a common and in a leap year.
const MONTH_START: [[i16; 13]; 2] = [
    [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334],
    [0, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335],
];

const fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days since 1970-01-01 of a valid proleptic Gregorian date: by table for the years of real
/// data, by the formula elsewhere (the two agree: tested over the whole table).
#[inline]
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let k = year - TABLE_FIRST_YEAR;
    if (0..TABLE_YEARS as i64).contains(&k) {
        return i64::from(YEAR_START[k as usize]) + i64::from(MONTH_START[usize::from(is_leap(year))][month as usize]) + day - 1;
    }
    days_from_civil_formula(year, month, day)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
const fn days_from_civil_formula(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y / 400 } else { (y - 399) / 400 }; // floor division, in a const fn
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `len` ASCII digits at `pos`, or None (also when the text is too short).
fn digits(s: &[u8], pos: usize, len: usize) -> Option<i64> {
    let part = s.get(pos..pos + len)?;
    let mut v = 0;
    for &c in part {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

/// parse-timestamp.ts `parseIso` on text that needs no trimming: `YYYY-MM-DD`,
/// `YYYY-MM-DD[Tt ]HH:MM[:SS[.,fff…]][Zz|±HH[:]MM|±HH]`. Every byte is checked, so text with
/// spaces around it (which TypeScript trims first) is None here, never a different instant.
pub fn iso(s: &[u8]) -> Option<i64> {
    iso_common(s).or_else(|| iso_any(s))
}

/// The two digits at `i` and `i + 1` of `h` as a number, or 100 (out of every range) when either is not a digit.
#[inline]
fn two(h: &[u8; 19], i: usize) -> i64 {
    let (a, b) = (h[i].wrapping_sub(b'0'), h[i + 1].wrapping_sub(b'0'));
    if a < 10 && b < 10 {
        i64::from(a) * 10 + i64::from(b)
    } else {
        100
    }
}

/// The shapes exports write, `YYYY-MM-DD[T ]HH:MM:SS[.f…][Z]`, read with the positions fixed;
/// None for anything else (offsets, no seconds, lowercase `t`/`z`, a bad value), which `iso_any`
/// then judges. Where this gives Some, `iso_any` gives the same value (tested on random text).
#[inline]
fn iso_common(s: &[u8]) -> Option<i64> {
    let h: &[u8; 19] = s.get(..19)?.try_into().ok()?;
    if h[4] != b'-' || h[7] != b'-' || (h[10] != b'T' && h[10] != b' ') || h[13] != b':' || h[16] != b':' {
        return None;
    }
    let (c, y, month, day) = (two(h, 0), two(h, 2), two(h, 5), two(h, 8));
    let (hour, minute, second) = (two(h, 11), two(h, 14), two(h, 17));
    if c > 99 || y > 99 || !(1..=12).contains(&month) || day < 1 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let year = c * 100 + y;
    if day > days_in_month(year, month) {
        return None;
    }
    let mut ms = days_from_civil(year, month, day) * MS_PER_DAY + hour * 3_600_000 + minute * 60_000 + second * 1000;
    let rest = &s[19..];
    let mut pos = 0;
    if let Some(&(b'.' | b',')) = rest.first() {
        let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let mut frac = 0;
        for k in 0..3 {
            frac = frac * 10 + rest.get(1 + k).filter(|_| k < digits).map_or(0, |&c| i64::from(c - b'0'));
        }
        ms += frac;
        pos = 1 + digits;
    }
    match &rest[pos..] {
        [] | [b'Z'] => Some(ms),
        _ => None,
    }
}

/// Every form `parseIso` takes (see `iso`).
fn iso_any(s: &[u8]) -> Option<i64> {
    let n = s.len();
    if n < 10 || s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(s, 0, 4)?, digits(s, 5, 2)?, digits(s, 8, 2)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut ms = days_from_civil(year, month, day) * MS_PER_DAY;
    if n == 10 {
        return Some(ms);
    }
    if !matches!(s[10], b'T' | b't' | b' ') || n < 16 || s[13] != b':' {
        return None;
    }
    let (hour, minute) = (digits(s, 11, 2)?, digits(s, 14, 2)?);
    if hour > 23 || minute > 59 {
        return None;
    }
    ms += hour * 3_600_000 + minute * 60_000;
    let mut pos = 16;
    if pos < n && s[pos] == b':' {
        let second = digits(s, pos + 1, 2)?;
        if second > 59 {
            return None;
        }
        ms += second * 1000;
        pos += 3;
        if pos < n && (s[pos] == b'.' || s[pos] == b',') {
            pos += 1;
            let start = pos;
            let mut frac = 0;
            while pos < n && s[pos].is_ascii_digit() {
                if pos - start < 3 {
                    frac = frac * 10 + i64::from(s[pos] - b'0');
                }
                pos += 1;
            }
            if pos == start {
                return None;
            }
            for _ in (pos - start)..3 {
                frac *= 10;
            }
            ms += frac;
        }
    }
    if pos == n {
        return Some(ms);
    }
    let z = s[pos];
    if (z == b'Z' || z == b'z') && pos + 1 == n {
        return Some(ms);
    }
    if z != b'+' && z != b'-' {
        return None;
    }
    let oh = digits(s, pos + 1, 2)?;
    let om = match n - pos {
        6 if s[pos + 3] == b':' => digits(s, pos + 4, 2)?,
        5 => digits(s, pos + 3, 2)?,
        3 => 0,
        _ => return None,
    };
    if oh > 23 || om > 59 {
        return None;
    }
    let offset = oh * 3_600_000 + om * 60_000;
    Some(if z == b'+' { ms - offset } else { ms + offset })
}

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// parse-values.ts `numberFromText` under a decimal point, for text without spaces:
/// `[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?` as the double `Number(text)` gives, within ±MAX_MONEY.
pub fn money(s: &[u8]) -> Option<f64> {
    let n = s.len();
    let mut i = usize::from(n > 0 && (s[0] == b'+' || s[0] == b'-'));
    let negative = i == 1 && s[0] == b'-';
    let int_start = i;
    // Wrapping: only text of at most 15 digits (below 2^53) uses the mantissa.
    let mut mantissa: u64 = 0;
    while i < n && s[i].is_ascii_digit() {
        mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(s[i] - b'0'));
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < n && s[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < n && s[i].is_ascii_digit() {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(s[i] - b'0'));
            i += 1;
        }
        frac_digits = i - frac_start;
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    let v = if i == n && int_digits + frac_digits <= 15 {
        // Clinger's fast path: both operands are exact doubles, so the one rounding of the
        // division is the correctly rounded value, which is what Number(text) is.
        // At most 15 digits: below 2^53, so the signed conversion (one instruction) is exact.
        let m = mantissa as i64 as f64 / POW10[frac_digits];
        if negative { -m } else { m }
    } else {
        if i < n {
            // An exponent: [eE][+-]?\d+ and nothing after it.
            if s[i] != b'e' && s[i] != b'E' {
                return None;
            }
            let mut j = i + 1;
            if j < n && (s[j] == b'+' || s[j] == b'-') {
                j += 1;
            }
            if j == n || !s[j..].iter().all(u8::is_ascii_digit) {
                return None;
            }
        }
        // Rust's parse is correctly rounded too, and takes every form the grammar above allows.
        std::str::from_utf8(s).ok()?.parse::<f64>().ok()?
    };
    (-MAX_MONEY..=MAX_MONEY).contains(&v).then_some(v)
}

/// parse-values.ts `customerKeyFromText` when it gives a number: a canonical integer (no leading
/// zeros, not `-0`, at most 16 digits) or an integral decimal (`13085.0`), within ±(2^53 - 1).
pub fn id_int(s: &[u8]) -> Option<i64> {
    let negative = s.first() == Some(&b'-');
    let body = if negative { &s[1..] } else { s };
    let int_len = body.iter().position(|c| !c.is_ascii_digit()).unwrap_or(body.len());
    if int_len == 0 || int_len > 16 || (body[0] == b'0' && (int_len > 1 || negative)) {
        return None;
    }
    if int_len < body.len() {
        // `\.0+$` only.
        let rest = &body[int_len..];
        if rest.len() < 2 || rest[0] != b'.' || !rest[1..].iter().all(|&c| c == b'0') {
            return None;
        }
    }
    let v = plain_int(&body[..int_len], 16)?;
    if v > MAX_SAFE {
        return None;
    }
    Some(if negative { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_and_times_with_offsets() {
        assert_eq!(iso(b"1970-01-01"), Some(0));
        assert_eq!(iso(b"2020-02-29T12:34:56.789Z"), Some(1_582_979_696_789));
        assert_eq!(iso(b"2020-02-29 12:34"), Some(1_582_979_640_000));
        assert_eq!(iso(b"2020-01-01T02:00:00+02:00"), Some(1_577_836_800_000));
        assert_eq!(iso(b"2020-01-01T00:00:00-0130"), Some(1_577_842_200_000));
        assert_eq!(iso(b"2020-01-01T00:00:00+01"), Some(1_577_833_200_000));
        assert_eq!(iso(b"2020-01-01T00:00:00.5"), Some(1_577_836_800_500));
        assert_eq!(iso(b"2020-01-01T00:00:00.123456"), Some(1_577_836_800_123));
        assert_eq!(iso(b"2021-02-29"), None);
        assert_eq!(iso(b"2020-01-01 "), None);
        assert_eq!(iso(b"2020-01-01T00:00:00."), None);
        assert_eq!(iso(b"2020-01-01T24:00"), None);
        assert_eq!(iso(b"2020-01-01T00:00+2:00"), None);
        assert_eq!(iso(b"0000-03-01"), Some(days_from_civil(0, 3, 1) * MS_PER_DAY));
    }

    #[test]
    fn the_day_table_is_the_formula() {
        for year in TABLE_FIRST_YEAR - 2..TABLE_FIRST_YEAR + TABLE_YEARS as i64 + 2 {
            for month in 1..=12 {
                for day in [1, 15, days_in_month(year, month)] {
                    assert_eq!(days_from_civil(year, month, day), days_from_civil_formula(year, month, day), "{year}-{month}-{day}");
                }
            }
        }
    }

    #[test]
    fn the_common_iso_shapes_read_as_every_shape_does() {
        // Random text near the common shapes: digits, separators and suffixes swapped at random.
        let mut seed: u64 = 42;
        let mut next = |m: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % m
        };
        let pick = [b'0', b'1', b'2', b'3', b'5', b'9', b'-', b':', b'T', b't', b' ', b'.', b',', b'Z', b'z', b'+', b'x'];
        let (mut some, mut agree) = (0, 0);
        for _ in 0..200_000 {
            let base = format!("{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}", next(2200), 1 + next(13), 1 + next(31), if next(2) == 0 { 'T' } else { ' ' }, next(25), next(61), next(61));
            let mut text = base.into_bytes();
            for _ in 0..next(3) {
                let at = next(text.len() as u64) as usize;
                text[at] = pick[next(pick.len() as u64) as usize];
            }
            let tails: [&[u8]; 9] = [b"", b"Z", b".5", b".123", b".123456Z", b",7", b".", b"+02:00", b"z"];
            text.extend_from_slice(tails[next(9) as usize]);
            if let Some(v) = iso_common(&text) {
                some += 1;
                assert_eq!(Some(v), iso_any(&text), "{}", String::from_utf8_lossy(&text));
            }
            agree += usize::from(iso(&text) == iso_any(&text));
        }
        assert_eq!(agree, 200_000);
        assert!(some > 30_000, "the fast shapes were met {some} times");
    }

    #[test]
    fn integer_kinds_by_their_ranges() {
        assert_eq!(TsRule::EpochMs.parse(b"1600000000000"), Some(1_600_000_000_000));
        assert_eq!(TsRule::EpochMs.parse(b"1600000000"), None);
        assert_eq!(TsRule::EpochS.parse(b"1600000000"), Some(1_600_000_000_000));
        assert_eq!(TsRule::EpochS.parse(b"1600000000.0015"), Some(1_600_000_000_002));
        assert_eq!(TsRule::EpochS.parse(b"0600000000"), None);
        assert_eq!(TsRule::EpochS.parse(b"1600000000."), None);
        assert_eq!(TsRule::Ymd.parse(b"20200229"), Some(1_582_934_400_000));
        assert_eq!(TsRule::Ymd.parse(b"20210229"), None);
        assert_eq!(TsRule::IsoOrMs.parse(b"1600000000000"), Some(1_600_000_000_000));
        assert_eq!(TsRule::IsoOrMs.parse(b"9999999999999999"), None);
        assert_eq!(TsRule::IsoOrMs.parse(b"-5"), None);
    }

    #[test]
    fn money_is_the_double_number_gives() {
        assert_eq!(money(b"22.46"), Some(22.46));
        assert_eq!(money(b"-0.1"), Some(-0.1));
        assert_eq!(money(b"+.5"), Some(0.5));
        assert_eq!(money(b"5."), Some(5.0));
        assert_eq!(money(b"1.e3"), Some(1000.0));
        assert_eq!(money(b"1.23456789012345678"), Some(1.234_567_890_123_456_7));
        assert_eq!(money(b"1e400"), None);
        assert_eq!(money(b"900719925475"), None);
        assert_eq!(money(b"."), None);
        assert_eq!(money(b"1,5"), None);
        assert_eq!(money(b" 1"), None);
        assert_eq!(money(b"1e"), None);
        assert!(money(b"-0").is_some_and(|v| v == 0.0 && v.is_sign_negative()));
    }

    #[test]
    fn ids_that_are_numbers() {
        assert_eq!(id_int(b"42"), Some(42));
        assert_eq!(id_int(b"-7"), Some(-7));
        assert_eq!(id_int(b"0"), Some(0));
        assert_eq!(id_int(b"13085.0"), Some(13085));
        assert_eq!(id_int(b"13085.00"), Some(13085));
        assert_eq!(id_int(b"042"), None);
        assert_eq!(id_int(b"-0"), None);
        assert_eq!(id_int(b"-0.0"), None);
        assert_eq!(id_int(b"1."), None);
        assert_eq!(id_int(b"9007199254740991"), Some(9_007_199_254_740_991));
        assert_eq!(id_int(b"9007199254740992"), None);
        assert_eq!(id_int(b"C42"), None);
        assert_eq!(id_int(b""), None);
    }
}
