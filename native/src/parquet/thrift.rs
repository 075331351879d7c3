//! The Thrift compact protocol, read by hand (no thrift crate is packaged): just what Parquet's
//! footer and page headers need — varints, zigzag integers, field headers, lists, binaries — and
//! `skip` for every field the reader does not use. Every read is bounds-checked against the input;
//! nesting deeper than `MAX_DEPTH` is refused, so a hostile footer cannot exhaust the stack.

use super::ParquetError;

/// Compact-protocol type ids of a field or list element.
pub const BOOL_TRUE: u8 = 1;
pub const BOOL_FALSE: u8 = 2;
pub const BYTE: u8 = 3;
pub const I16: u8 = 4;
pub const I32: u8 = 5;
pub const I64: u8 = 6;
pub const DOUBLE: u8 = 7;
pub const BINARY: u8 = 8;
pub const LIST: u8 = 9;
pub const SET: u8 = 10;
pub const MAP: u8 = 11;
pub const STRUCT: u8 = 12;
/// A 16-byte UUID (the newest compact-protocol type; arrow-rs skips it).
pub const UUID: u8 = 13;

const MAX_DEPTH: u32 = 64;

fn corrupt(what: &str) -> ParquetError {
    ParquetError::Corrupt(format!("thrift: {what}"))
}

/// A cursor over compact-protocol bytes.
pub struct Reader<'a> {
    data: &'a [u8],
    pub pos: usize,
}

/// A field header: its id and type (`STOP` is `None`). Booleans carry their value in the type.
pub struct Field {
    pub id: i16,
    pub kind: u8,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    fn byte(&mut self) -> Result<u8, ParquetError> {
        let b = *self.data.get(self.pos).ok_or_else(|| corrupt("unexpected end"))?;
        self.pos += 1;
        Ok(b)
    }

    /// One raw byte (the compact protocol's `byte` type).
    pub fn binary_byte(&mut self) -> Result<u8, ParquetError> {
        self.byte()
    }

    pub fn varint(&mut self) -> Result<u64, ParquetError> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return Err(corrupt("varint overflows 64 bits"));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(corrupt("varint too long"))
    }

    pub fn i64(&mut self) -> Result<i64, ParquetError> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    pub fn i32(&mut self) -> Result<i32, ParquetError> {
        i32::try_from(self.i64()?).map_err(|_| corrupt("i32 out of range"))
    }

    pub fn binary(&mut self) -> Result<&'a [u8], ParquetError> {
        let len = usize::try_from(self.varint()?).map_err(|_| corrupt("binary length"))?;
        let end = self.pos.checked_add(len).filter(|&e| e <= self.data.len()).ok_or_else(|| corrupt("binary runs past the end"))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    pub fn string(&mut self) -> Result<String, ParquetError> {
        let b = self.binary()?;
        String::from_utf8(b.to_vec()).map_err(|_| corrupt("string is not UTF-8"))
    }

    /// The next field header of a struct whose previous field id was `last`; `None` at STOP.
    pub fn field(&mut self, last: &mut i16) -> Result<Option<Field>, ParquetError> {
        let b = self.byte()?;
        // As arrow-rs's compact protocol: a type of 0 is the end of the struct, whatever the delta.
        if b & 0x0f == 0 {
            return Ok(None);
        }
        let kind = b & 0x0f;
        let delta = b >> 4;
        let id = if delta == 0 { i16::try_from(self.i64()?).map_err(|_| corrupt("field id"))? } else { last.wrapping_add(i16::from(delta)) };
        *last = id;
        Ok(Some(Field { id, kind }))
    }

    /// A list header: element type and count, the count checked against the bytes left (every
    /// element takes at least one byte, except booleans packed in... none: they take one each).
    pub fn list(&mut self) -> Result<(u8, usize), ParquetError> {
        let b = self.byte()?;
        let kind = b & 0x0f;
        let size = if b >> 4 == 15 { usize::try_from(self.varint()?).map_err(|_| corrupt("list size"))? } else { usize::from(b >> 4) };
        if size > self.data.len() - self.pos {
            return Err(corrupt("list longer than its bytes"));
        }
        Ok((kind, size))
    }

    pub fn bool(&mut self, kind: u8) -> Result<bool, ParquetError> {
        match kind {
            BOOL_TRUE => Ok(true),
            BOOL_FALSE => Ok(false),
            _ => Err(corrupt("expected a boolean")),
        }
    }

    /// Skips a value of type `kind` (a field's own value; booleans have none left to read).
    pub fn skip(&mut self, kind: u8) -> Result<(), ParquetError> {
        self.skip_depth(kind, 0, false)
    }

    fn skip_depth(&mut self, kind: u8, depth: u32, in_list: bool) -> Result<(), ParquetError> {
        if depth > MAX_DEPTH {
            return Err(corrupt("nesting too deep"));
        }
        match kind {
            // A boolean field holds its value in the header; a boolean list element is one byte.
            BOOL_TRUE | BOOL_FALSE => {
                // As arrow-rs: a boolean list element is one byte, 1 true, 0 or 2 false.
                if in_list && self.byte()? > 2 {
                    return Err(corrupt("a boolean that is neither true nor false"));
                }
            }
            UUID => {
                self.pos = self.pos.checked_add(16).filter(|&e| e <= self.data.len()).ok_or_else(|| corrupt("a uuid runs past the end"))?;
            }
            BYTE => {
                self.byte()?;
            }
            I16 | I32 | I64 => {
                self.varint()?;
            }
            DOUBLE => {
                self.pos = self.pos.checked_add(8).filter(|&e| e <= self.data.len()).ok_or_else(|| corrupt("double runs past the end"))?;
            }
            BINARY => {
                self.binary()?;
            }
            LIST | SET => {
                let (elem, n) = self.list()?;
                for _ in 0..n {
                    self.skip_depth(elem, depth + 1, true)?;
                }
            }
            MAP => {
                let n = usize::try_from(self.varint()?).map_err(|_| corrupt("map size"))?;
                if n > self.data.len() - self.pos {
                    return Err(corrupt("map longer than its bytes"));
                }
                if n > 0 {
                    let kv = self.byte()?;
                    for _ in 0..n {
                        self.skip_depth(kv >> 4, depth + 1, true)?;
                        self.skip_depth(kv & 0x0f, depth + 1, true)?;
                    }
                }
            }
            STRUCT => {
                let mut last = 0i16;
                while let Some(f) = self.field(&mut last)? {
                    self.skip_depth(f.kind, depth + 1, false)?;
                }
            }
            _ => return Err(corrupt("unknown type id")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_zigzag_varints_and_fields() {
        // struct { 1: i32 = -3, 3: binary "ab" } STOP
        let bytes = [0x15, 0x05, 0x28, 0x02, b'a', b'b', 0x00];
        let mut r = Reader::new(&bytes);
        let mut last = 0;
        let f = r.field(&mut last).unwrap().unwrap();
        assert_eq!((f.id, f.kind), (1, I32));
        assert_eq!(r.i32().unwrap(), -3);
        let f = r.field(&mut last).unwrap().unwrap();
        assert_eq!((f.id, f.kind), (3, BINARY));
        assert_eq!(r.binary().unwrap(), b"ab");
        assert!(r.field(&mut last).unwrap().is_none());
    }

    #[test]
    fn refuses_truncated_and_deep_input() {
        assert!(Reader::new(&[0x18, 0x05, b'a']).skip(STRUCT).is_err());
        let deep = vec![0x1c; 200];
        assert!(Reader::new(&deep).skip(STRUCT).is_err());
        // a list claiming more elements than bytes
        assert!(Reader::new(&[0xf5, 0xff, 0xff, 0x03]).skip(LIST).is_err());
    }
}
