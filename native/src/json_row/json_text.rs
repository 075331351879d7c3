//! JSON values written the way JavaScript writes them, byte for byte: a number as `String(n)`
//! (ECMA-262 Number::toString; non-finite as `null`), text as `JSON.stringify` quotes it, an
//! instant as `Date.prototype.toISOString` gives it. The TypeScript writer
//! (server/format/json-bytes.ts) is the reference; a test holds the two to the same bytes.
//!
//! Every function appends to `out` at `*at` and assumes the caller made room (mod.rs bounds a row
//! before writing it): see the `MAX_*` constants.

/// The longest `String(n)` of a double: `-1.2345678901234567e-308` is 24 bytes.
pub const MAX_NUMBER: usize = 25;
/// The longest quoted `toISOString`: `"+275760-09-13T00:00:00.000Z"`.
pub const MAX_TIMESTAMP: usize = 29;
/// The most one byte of UTF-8 text becomes: a control character as `\u00xx` (invalid UTF-8
/// becomes U+FFFD, 3 bytes, for at least one byte).
pub const TEXT_PER_BYTE: usize = 6;

/// Valid `Date` instants (engine/parse/parse-timestamp.ts MIN/MAX_TIMESTAMP_MS).
pub const MIN_TIMESTAMP_MS: i64 = -8_640_000_000_000_000;
pub const MAX_TIMESTAMP_MS: i64 = 8_640_000_000_000_000 - 1;
const MS_PER_DAY: i64 = 86_400_000;
const HEX: &[u8; 16] = b"0123456789abcdef";

#[inline]
fn push(out: &mut [u8], at: &mut usize, b: u8) {
    out[*at] = b;
    *at += 1;
}

#[inline]
fn push_all(out: &mut [u8], at: &mut usize, bytes: &[u8]) {
    out[*at..*at + bytes.len()].copy_from_slice(bytes);
    *at += bytes.len();
}

/// An integer's decimal digits, `-` first when negative.
pub fn integer(out: &mut [u8], at: &mut usize, v: i64) {
    let mut a = v.unsigned_abs();
    if v < 0 {
        push(out, at, b'-');
    }
    let mut digits = [0u8; 20];
    let mut n = 20;
    loop {
        n -= 1;
        digits[n] = b'0' + (a % 10) as u8;
        a /= 10;
        if a == 0 {
            break;
        }
    }
    push_all(out, at, &digits[n..]);
}

/// `String(x)` for a double; NaN and ±Infinity as `null` (what JSON.stringify writes).
pub fn number(out: &mut [u8], at: &mut usize, x: f64) {
    if !x.is_finite() {
        push_all(out, at, b"null");
        return;
    }
    // Integers below 2^53 (counts, money in whole units, -0 as 0): their digits, no search needed.
    if x == x.trunc() && x.abs() < 9_007_199_254_740_992.0 {
        integer(out, at, x as i64);
        return;
    }
    if x < 0.0 {
        push(out, at, b'-');
    }
    let mut ryu = ryu::Buffer::new();
    let (digits, k, n) = shortest_digits(ryu.format_finite(x.abs()).as_bytes());
    layout(out, at, &digits[..k], n);
}

/// Ryū's shortest round-trip text of a positive double (`1.5e-7`, `123.0`, `0.001`) as its digits
/// without leading or trailing zeros, their count `k`, and `n` with value = 0.d1d2…dk × 10^n.
fn shortest_digits(text: &[u8]) -> ([u8; 20], usize, i32) {
    let mut digits = [0u8; 20];
    let (mut k, mut point, mut seen_point, mut exponent) = (0usize, 0i32, false, 0i32);
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'.' => seen_point = true,
            b'e' | b'E' => {
                let (neg, from) = if text.get(i + 1) == Some(&b'-') { (true, i + 2) } else { (false, i + 1) };
                exponent = text[from..].iter().fold(0i32, |e, d| e * 10 + i32::from(d - b'0'));
                if neg {
                    exponent = -exponent;
                }
                break;
            }
            d => {
                if k == 0 && d == b'0' {
                    // A leading zero: before the point it counts nothing, after it shifts the point.
                    if seen_point {
                        point -= 1;
                    }
                } else {
                    digits[k] = d;
                    k += 1;
                    if !seen_point {
                        point += 1;
                    }
                }
            }
        }
        i += 1;
    }
    while k > 1 && digits[k - 1] == b'0' {
        k -= 1;
    }
    (digits, k, point + exponent)
}

/// Number::toString's layout (ECMA-262 6.1.6.1.20) of digits `d` (k of them) and point position `n`.
fn layout(out: &mut [u8], at: &mut usize, d: &[u8], n: i32) {
    let k = d.len() as i32;
    if k <= n && n <= 21 {
        push_all(out, at, d);
        for _ in 0..n - k {
            push(out, at, b'0');
        }
    } else if 0 < n && n <= 21 {
        push_all(out, at, &d[..n as usize]);
        push(out, at, b'.');
        push_all(out, at, &d[n as usize..]);
    } else if -6 < n && n <= 0 {
        push_all(out, at, b"0.");
        for _ in 0..-n {
            push(out, at, b'0');
        }
        push_all(out, at, d);
    } else {
        push(out, at, d[0]);
        if k > 1 {
            push(out, at, b'.');
            push_all(out, at, &d[1..]);
        }
        push(out, at, b'e');
        let e = n - 1;
        push(out, at, if e < 0 { b'-' } else { b'+' });
        integer(out, at, i64::from(e.abs()));
    }
}

/// UTF-8 text as `JSON.stringify` of the string a WHATWG decoder makes of it: invalid sequences
/// become U+FFFD (std's lossy decoding replaces the same maximal subparts), `"` and `\` and
/// control characters are escaped, everything else (DEL, U+2028/9, non-ASCII) is copied. Decoded
/// UTF-8 holds no lone surrogates, so the `\udxxx` escapes of JSON.stringify never arise.
pub fn text(out: &mut [u8], at: &mut usize, src: &[u8]) {
    push(out, at, b'"');
    if src.is_ascii() || std::str::from_utf8(src).is_ok() {
        escaped(out, at, src);
    } else {
        escaped(out, at, String::from_utf8_lossy(src).as_bytes());
    }
    push(out, at, b'"');
}

fn escaped(out: &mut [u8], at: &mut usize, src: &[u8]) {
    let mut from = 0;
    for (i, &b) in src.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        push_all(out, at, &src[from..i]);
        from = i + 1;
        match b {
            b'"' => push_all(out, at, b"\\\""),
            b'\\' => push_all(out, at, b"\\\\"),
            0x08 => push_all(out, at, b"\\b"),
            0x09 => push_all(out, at, b"\\t"),
            0x0a => push_all(out, at, b"\\n"),
            0x0c => push_all(out, at, b"\\f"),
            0x0d => push_all(out, at, b"\\r"),
            _ => push_all(out, at, &[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]),
        }
    }
    push_all(out, at, &src[from..]);
}

/// Days since 1970-01-01 as (year, month, day) of the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn two(out: &mut [u8], at: &mut usize, v: u32) {
    push_all(out, at, &[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]);
}

/// An instant in epoch milliseconds as the quoted `toISOString` text, or `null` outside `Date`'s range.
pub fn timestamp(out: &mut [u8], at: &mut usize, ms: i64) {
    if !(MIN_TIMESTAMP_MS..=MAX_TIMESTAMP_MS).contains(&ms) {
        push_all(out, at, b"null");
        return;
    }
    let (year, month, day) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    let t = ms.rem_euclid(MS_PER_DAY);
    push(out, at, b'"');
    if (0..=9999).contains(&year) {
        let y = year as u32;
        two(out, at, y / 100);
        two(out, at, y % 100);
    } else {
        // Years outside 0000-9999: a sign and six digits (ECMA-262 21.4.1.32 expanded years).
        push(out, at, if year < 0 { b'-' } else { b'+' });
        let y = year.unsigned_abs() as u32;
        two(out, at, y / 10_000);
        two(out, at, y / 100 % 100);
        two(out, at, y % 100);
    }
    push(out, at, b'-');
    two(out, at, month);
    push(out, at, b'-');
    two(out, at, day);
    push(out, at, b'T');
    let (h, m, s, milli) = ((t / 3_600_000) as u32, (t / 60_000 % 60) as u32, (t / 1000 % 60) as u32, (t % 1000) as u32);
    two(out, at, h);
    push(out, at, b':');
    two(out, at, m);
    push(out, at, b':');
    two(out, at, s);
    push(out, at, b'.');
    push(out, at, b'0' + (milli / 100) as u8);
    two(out, at, milli % 100);
    push_all(out, at, b"Z\"");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(x: f64) -> String {
        let mut out = [0u8; 64];
        let mut at = 0;
        number(&mut out, &mut at, x);
        assert!(at <= MAX_NUMBER, "{x} took {at} bytes");
        String::from_utf8(out[..at].to_vec()).unwrap()
    }

    fn ts(ms: i64) -> String {
        let mut out = [0u8; 64];
        let mut at = 0;
        timestamp(&mut out, &mut at, ms);
        assert!(at <= MAX_TIMESTAMP);
        String::from_utf8(out[..at].to_vec()).unwrap()
    }

    fn txt(src: &[u8]) -> String {
        let mut out = vec![0u8; src.len() * TEXT_PER_BYTE + 2];
        let mut at = 0;
        text(&mut out, &mut at, src);
        String::from_utf8(out[..at].to_vec()).unwrap()
    }

    #[test]
    fn numbers_are_laid_out_as_javascript_does() {
        // Expectations are what node prints for String(x).
        let cases: &[(f64, &str)] = &[
            (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-42.0, "-42"), (0.1, "0.1"), (0.30000000000000004, "0.30000000000000004"),
            (123.4567, "123.4567"), (1e21, "1e+21"), (1e20, "100000000000000000000"), (123e18, "123000000000000000000"),
            (1.5e21, "1.5e+21"), (1e-6, "0.000001"), (1e-7, "1e-7"), (1.25e-7, "1.25e-7"), (0.000123, "0.000123"),
            (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (9007199254740993.0, "9007199254740992"),
            (2f64.powi(60), "1152921504606847000"), (-1.5, "-1.5"), (f64::NAN, "null"), (f64::INFINITY, "null"), (f64::NEG_INFINITY, "null"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"), (4.35, "4.35"), (1234567.125, "1234567.125"),
        ];
        for &(x, want) in cases {
            assert_eq!(num(x), want, "String({x:e})");
        }
    }

    #[test]
    fn timestamps_are_written_as_to_iso_string() {
        assert_eq!(ts(0), "\"1970-01-01T00:00:00.000Z\"");
        assert_eq!(ts(1_782_864_000_123), "\"2026-07-01T00:00:00.123Z\"");
        assert_eq!(ts(-1), "\"1969-12-31T23:59:59.999Z\"");
        assert_eq!(ts(-62_167_219_200_000), "\"0000-01-01T00:00:00.000Z\"");
        assert_eq!(ts(-62_167_219_200_001), "\"-000001-12-31T23:59:59.999Z\"");
        assert_eq!(ts(253_402_300_800_000), "\"+010000-01-01T00:00:00.000Z\"");
        assert_eq!(ts(MAX_TIMESTAMP_MS), "\"+275760-09-12T23:59:59.999Z\"");
        assert_eq!(ts(MIN_TIMESTAMP_MS), "\"-271821-04-20T00:00:00.000Z\"");
        assert_eq!(ts(MAX_TIMESTAMP_MS + 1), "null");
        assert_eq!(ts(i64::MIN), "null");
    }

    #[test]
    fn text_is_quoted_as_json_stringify_does() {
        assert_eq!(txt(b"C123"), "\"C123\"");
        assert_eq!(txt(b"a\"b\\c\x08\x0c\n\r\t\x01\x1f\x7f"), "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");
        assert_eq!(txt("é\u{2028}\u{1F600}".as_bytes()), "\"é\u{2028}\u{1F600}\"");
        // Invalid UTF-8: each maximal subpart is one U+FFFD, as TextDecoder decodes it.
        assert_eq!(txt(b"a\xed\xa0\x80b\xf0\x9f\x98"), "\"a\u{FFFD}\u{FFFD}\u{FFFD}b\u{FFFD}\"");
    }
}
