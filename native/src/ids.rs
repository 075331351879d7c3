//! What a customer id is, in bytes: the rules of engine/parse/parse-values.ts, shared by the
//! interner and the partitioner so both agree with TypeScript on which ids are the same customer.

/// Largest safe integer of JS (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE: i64 = (1 << 53) - 1;

/// `customerKeyFromText` on UTF-8: the integer when `s` is the canonical decimal text of a safe
/// integer (optional `-`, at most 16 digits, no leading zero, not `-0`), else `None` (text key).
#[inline]
pub fn canonical_int(s: &[u8]) -> Option<i64> {
    let neg = s.first() == Some(&b'-');
    let digits = &s[neg as usize..];
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    if digits[0] == b'0' && (digits.len() > 1 || neg) {
        return None;
    }
    let mut v: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (b - b'0') as i64;
    }
    if v > MAX_SAFE {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// Longest id, in UTF-8 bytes (`MAX_ID_BYTES` of parse-values.ts).
pub const MAX_ID_BYTES: usize = 1024;

/// What a text is as an id (`customerKeyFromText`).
#[derive(Debug, PartialEq, Eq)]
pub enum IdText {
    /// Empty, blank, or a missing-value token: no id.
    Missing,
    /// Longer than `MAX_ID_BYTES`.
    Bad,
    /// The canonical decimal text of a safe integer, or an integral decimal (`13085.0`).
    Int(i64),
    /// Any other text, kept exactly as given.
    Text,
}

/// JavaScript's white space and line terminators (what `String.prototype.trim` removes).
fn js_space(c: char) -> bool {
    matches!(c, '\t'..='\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}')
}

/// `customerKeyFromText` on UTF-8, in its order of tests: length, canonical integer, blank,
/// missing-value token (`NA`, `N/A`, `NULL`, `None`, `nan`, any case, trimmed), integral decimal.
pub fn judge_utf8(s: &[u8]) -> IdText {
    if s.is_empty() {
        return IdText::Missing;
    }
    if s.len() > MAX_ID_BYTES {
        return IdText::Bad;
    }
    if let Some(v) = canonical_int(s) {
        return IdText::Int(v);
    }
    let Ok(text) = std::str::from_utf8(s) else { return IdText::Text };
    let trimmed = text.trim_matches(js_space);
    if trimmed.is_empty() {
        return IdText::Missing;
    }
    if (2..=4).contains(&trimmed.len()) && ["na", "n/a", "null", "none", "nan"].iter().any(|t| trimmed.eq_ignore_ascii_case(t)) {
        return IdText::Missing;
    }
    if s.last() == Some(&b'0') {
        if let Some(v) = integral_decimal(s) {
            return IdText::Int(v);
        }
    }
    IdText::Text
}

/// `^(-?(?:0|[1-9]\d{0,15}))\.0+$` but not `-0`: the integer of `13085.0`, when safe.
fn integral_decimal(s: &[u8]) -> Option<i64> {
    let dot = s.iter().position(|&b| b == b'.')?;
    let (int, frac) = (&s[..dot], &s[dot + 1..]);
    if frac.is_empty() || frac.iter().any(|&b| b != b'0') || int == b"-0" {
        return None;
    }
    canonical_int(int).filter(|v| v.unsigned_abs() <= MAX_SAFE as u64)
}

/// Writes the decimal text of `v` into `buf`, returning the used tail (what JS `String(v)` gives).
#[inline]
pub fn decimal(v: i64, buf: &mut [u8; 24]) -> &[u8] {
    let mut i = buf.len();
    let mut u = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// The byte range of row `i` of an Arrow-style Utf8 column, checked against `bytes`.
#[inline]
pub fn utf8_row<'a>(bytes: &'a [u8], offsets: &[i32], i: usize) -> Option<&'a [u8]> {
    let (s, e) = (offsets[i], offsets[i + 1]);
    if s < 0 || e < s || e as usize > bytes.len() {
        return None;
    }
    Some(&bytes[s as usize..e as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_int_takes_only_the_canonical_decimal_text_of_a_safe_integer() {
        assert_eq!(canonical_int(b"42"), Some(42));
        assert_eq!(canonical_int(b"-7"), Some(-7));
        assert_eq!(canonical_int(b"0"), Some(0));
        assert_eq!(canonical_int(b"9007199254740991"), Some(MAX_SAFE));
        for text in [&b"042"[..], b"-0", b"", b"-", b"+1", b"1.0", b" 1", b"1e3", b"9007199254740992", b"12345678901234567"] {
            assert_eq!(canonical_int(text), None, "{:?}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn judge_utf8_follows_customer_key_from_text() {
        assert_eq!(judge_utf8(b"13085.0"), IdText::Int(13085));
        assert_eq!(judge_utf8(b"-7.000"), IdText::Int(-7));
        for text in [&b"-0.0"[..], b"042.0", b"1.", b"1.5", b"1.0 ", b"C1", b" 42", b"NAN0", b"nA "] {
            assert!(matches!(judge_utf8(text), IdText::Text) || text == b"nA ", "{:?}", String::from_utf8_lossy(text));
        }
        assert_eq!(judge_utf8(b"nA "), IdText::Missing);
        assert_eq!(judge_utf8("\u{3000}\t".as_bytes()), IdText::Missing);
        assert_eq!(judge_utf8(&[b'7'; 1025]), IdText::Bad);
        assert_eq!(judge_utf8(&[b'7'; 1024]), IdText::Text);
    }

    #[test]
    fn decimal_writes_what_js_string_writes() {
        let mut buf = [0u8; 24];
        for v in [0i64, 7, -7, 42, i64::MAX, i64::MIN, MAX_SAFE] {
            assert_eq!(decimal(v, &mut buf), v.to_string().as_bytes());
        }
    }

    #[test]
    fn utf8_row_refuses_offsets_outside_the_bytes() {
        let bytes = b"abcdef";
        assert_eq!(utf8_row(bytes, &[0, 2, 6], 1), Some(&b"cdef"[..]));
        assert_eq!(utf8_row(bytes, &[0, 7], 0), None);
        assert_eq!(utf8_row(bytes, &[3, 2], 0), None);
        assert_eq!(utf8_row(bytes, &[-1, 2], 0), None);
    }
}
