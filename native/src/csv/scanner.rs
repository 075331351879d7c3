//! The CSV record scanner: RFC 4180 records out of a byte buffer, with exactly the rules of the
//! TypeScript scanner (engine/read/csv-scanner.ts), which stays the reference:
//!
//! - a field that starts with `"` is quoted: `""` inside it is one quote, a newline is data; after
//!   the closing quote only the delimiter, a newline or CRs may follow (anything else makes the
//!   record malformed, "unexpected character after the closing quote of field N");
//! - an unquoted field runs to the delimiter or the newline; one CR before a newline is dropped;
//! - a line whose only field is empty and unquoted is skipped and not counted;
//! - at the end of the input the last record needs no newline, and an open quote there makes it
//!   malformed ("unterminated quoted field").
//!
//! The scanner sees a whole buffer at once: a record that the buffer cuts off is not scanned
//! (`None`) until the caller brings the rest, or says the input ends (`last`).

const LF: u8 = b'\n';
const CR: u8 = b'\r';
const QUOTE: u8 = b'"';

/// One field of a scanned record: its content `[start, end)` in the buffer, quotes excluded.
#[derive(Clone, Copy, Debug, Default)]
pub struct FieldSpan {
    pub start: usize,
    pub end: usize,
    pub quoted: bool,
    /// The content holds `""` pairs that stand for one quote each.
    pub escaped: bool,
}

/// Why a record is malformed beyond its field count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A byte other than the delimiter, a newline or CR after the closing quote of field `n` (1-based).
    AfterQuote(u32),
    /// The input ended inside a quoted field.
    Unterminated,
}

/// A record: the buffer position after it, its fault, and its fields in `spans`.
#[derive(Clone, Copy, Debug)]
pub struct Record {
    pub next: usize,
    pub fault: Option<Fault>,
}

impl Record {
    /// A line holding one empty unquoted field: skipped, not a record.
    pub fn is_blank(&self, spans: &[FieldSpan]) -> bool {
        spans.len() == 1 && !spans[0].quoted && spans[0].start == spans[0].end
    }
}

/// Scans the record at `pos` into `spans` (cleared first). `None` when the buffer ends inside it
/// and more input may come, or when nothing is left.
pub fn scan_record(buf: &[u8], pos: usize, delim: u8, last: bool, spans: &mut Vec<FieldSpan>) -> Option<Record> {
    let len = buf.len();
    if pos >= len {
        return None;
    }
    spans.clear();
    let mut fault = None;
    let mut p = pos;
    loop {
        if p < len && buf[p] == QUOTE {
            let start = p + 1;
            let mut q = start;
            let mut escaped = false;
            // The content ends at a quote that is not followed by another quote.
            let end = loop {
                match find(buf, q, QUOTE) {
                    None => {
                        if !last {
                            return None;
                        }
                        fault.get_or_insert(Fault::Unterminated);
                        break len;
                    }
                    Some(at) if at + 1 == len && !last => return None, // escape or close: the next byte decides
                    Some(at) if at + 1 < len && buf[at + 1] == QUOTE => {
                        escaped = true;
                        q = at + 2;
                    }
                    Some(at) => break at,
                }
            };
            spans.push(FieldSpan { start, end, quoted: true, escaped });
            p = end + 1; // past the closing quote (or past the end, when unterminated)
            let field = spans.len() as u32;
            // After the closing quote: CRs are ignored; the delimiter or a newline ends the field.
            loop {
                if p >= len {
                    if !last {
                        return None;
                    }
                    return Some(Record { next: len, fault });
                }
                let c = buf[p];
                p += 1;
                if c == delim {
                    break;
                }
                if c == LF {
                    return Some(Record { next: p, fault });
                }
                if c != CR {
                    fault.get_or_insert(Fault::AfterQuote(field));
                }
            }
        } else {
            let start = p;
            let q = field_end(buf, p, delim);
            if q == len {
                if !last {
                    return None;
                }
                // The end of the input ends the line (one trailing CR dropped, as before a newline).
                let end = if q > start && buf[q - 1] == CR { q - 1 } else { q };
                spans.push(FieldSpan { start, end, quoted: false, escaped: false });
                return Some(Record { next: len, fault });
            }
            if buf[q] == LF {
                let end = if q > start && buf[q - 1] == CR { q - 1 } else { q };
                spans.push(FieldSpan { start, end, quoted: false, escaped: false });
                return Some(Record { next: q + 1, fault });
            }
            spans.push(FieldSpan { start, end: q, quoted: false, escaped: false });
            p = q + 1;
            if p == len {
                if !last {
                    return None;
                }
                // A delimiter right at the end of the input: one more, empty field.
                spans.push(FieldSpan { start: len, end: len, quoted: false, escaped: false });
                return Some(Record { next: len, fault });
            }
        }
    }
}

/// The first delimiter or newline at or after `from`, or `buf.len()`. Eight bytes at a time
/// (a word has the byte `b` where `word ^ b*0x01..01` has a zero byte; Mycroft's test).
fn field_end(buf: &[u8], from: usize, delim: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let (d, l) = (ONES * u64::from(delim), ONES * u64::from(LF));
    let mut q = from;
    while q + 8 <= buf.len() {
        let word = u64::from_le_bytes(buf[q..q + 8].try_into().expect("eight bytes"));
        let (x, y) = (word ^ d, word ^ l);
        let found = (x.wrapping_sub(ONES) & !x & HIGHS) | (y.wrapping_sub(ONES) & !y & HIGHS);
        if found != 0 {
            // The lowest flagged byte is a match (a borrow only flags bytes above a real match).
            return q + (found.trailing_zeros() / 8) as usize;
        }
        q += 8;
    }
    while q < buf.len() && buf[q] != delim && buf[q] != LF {
        q += 1;
    }
    q
}

/// The first `byte` at or after `from`.
fn find(buf: &[u8], from: usize, byte: u8) -> Option<usize> {
    buf.get(from..)?.iter().position(|&c| c == byte).map(|i| from + i)
}

/// A field's content with every `""` read as one quote, appended to `out`.
pub fn unescape_into(content: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < content.len() {
        let c = content[i];
        out.push(c);
        i += if c == QUOTE && content.get(i + 1) == Some(&QUOTE) { 2 } else { 1 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str, last: bool) -> Vec<(String, bool)> {
        let mut spans = Vec::new();
        let buf = text.as_bytes();
        let rec = scan_record(buf, 0, b',', last, &mut spans).expect("a record");
        assert!(rec.next <= buf.len());
        spans
            .iter()
            .map(|s| {
                let mut out = Vec::new();
                unescape_into(&buf[s.start..s.end], &mut out);
                (String::from_utf8(out).unwrap(), s.quoted)
            })
            .collect()
    }

    #[test]
    fn quoted_fields_with_escapes_newlines_and_crlf() {
        assert_eq!(fields("a,\"b\"\"c\",\"x\ny\"\r\nnext", false), vec![("a".into(), false), ("b\"c".into(), true), ("x\ny".into(), true)]);
        assert_eq!(fields("a,b\r\n", false), vec![("a".into(), false), ("b".into(), false)]);
        assert_eq!(fields("a,", true), vec![("a".into(), false), ("".into(), false)]);
        assert_eq!(fields("a\r", true), vec![("a".into(), false)]);
    }

    #[test]
    fn a_record_cut_off_waits_for_more_input() {
        let mut spans = Vec::new();
        assert!(scan_record(b"a,\"b", 0, b',', false, &mut spans).is_none());
        assert!(scan_record(b"a,\"b\"", 0, b',', false, &mut spans).is_none());
        assert!(scan_record(b"a,b", 0, b',', false, &mut spans).is_none());
        let r = scan_record(b"a,\"b", 0, b',', true, &mut spans).unwrap();
        assert_eq!(r.fault, Some(Fault::Unterminated));
    }

    #[test]
    fn the_word_at_a_time_search_finds_the_first_delimiter_or_newline() {
        let text: Vec<u8> = (0..300u32).map(|i| [b'a', b',', b'\n', 0x80, b';', 0x2b][(i * i % 7 % 6) as usize]).collect();
        for from in 0..text.len() {
            let naive = (from..text.len()).find(|&q| text[q] == b',' || text[q] == b'\n').unwrap_or(text.len());
            assert_eq!(field_end(&text, from, b','), naive, "from {from}");
        }
        assert_eq!(field_end(b"abcdefghijklmnopq", 0, b','), 17);
    }

    #[test]
    fn bytes_after_a_closing_quote_are_a_fault() {
        let mut spans = Vec::new();
        let r = scan_record(b"\"a\"x,b\n", 0, b',', false, &mut spans).unwrap();
        assert_eq!(r.fault, Some(Fault::AfterQuote(1)));
        assert_eq!(spans.len(), 2);
        let r = scan_record(b"\"a\"\r,b\n", 0, b',', false, &mut spans).unwrap();
        assert_eq!(r.fault, None);
    }
}
