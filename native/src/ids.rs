//! What a customer id is, in bytes: the rules of engine/parse/parse-values.ts, shared by the
//! interner and the partitioner so both agree with TypeScript on which ids are the same customer.

/// Largest safe integer of JS (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE: i64 = (1 << 53) - 1;

/// The integer a Float64 id stands for: only safe integers are ids (`customerKeyFromValue`).
#[inline]
pub fn f64_id(v: f64) -> Option<i64> {
    if v.fract() == 0.0 && v.abs() <= MAX_SAFE as f64 {
        Some(v as i64)
    } else {
        None // NaN, infinities, fractions and unsafe integers are not ids
    }
}

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
