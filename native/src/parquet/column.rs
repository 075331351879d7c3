//! One column chunk (one column of one row group) decoded into Arrow-layout buffers: values spaced
//! for nulls, a validity bitmap, and for text either offsets + bytes or — when every data page is
//! dictionary-encoded — the dictionary and one index per row, so a consumer can work on the
//! dictionary once. Pages v1 and v2; PLAIN, PLAIN_DICTIONARY / RLE_DICTIONARY,
//! DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT.
//!
//! Invariants: every count read from the file is checked against the bytes it describes and the
//! row count of the row group before anything is allocated for it; the output has exactly
//! `rows` slots, or — asked for the first `limit` rows only — the slots of the pages up to the one
//! that reaches `limit` (a head scan's first batch), the later pages left unread.

use super::codec;
use super::encoding::{decode_byte_stream_split, decode_delta, decode_hybrid};
use super::metadata::{parse_page_header, ColumnChunk, PAGE_DATA, PAGE_DATA_V2, PAGE_DICTIONARY};
use super::schema::{ArrowKind, Leaf, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT32, INT64, INT96};
use super::ParquetError;

const PLAIN: i32 = 0;
const PLAIN_DICTIONARY: i32 = 2;
const DELTA_BINARY_PACKED: i32 = 5;
const DELTA_LENGTH_BYTE_ARRAY: i32 = 6;
const DELTA_BYTE_ARRAY: i32 = 7;
const RLE_DICTIONARY: i32 = 8;
const BYTE_STREAM_SPLIT: i32 = 9;

/// Pages bigger than this are refused rather than allocated (writers cut pages near 1 MiB).
const MAX_PAGE_BYTES: usize = 1 << 30;

/// The largest decompression buffer a thread keeps between chunks.
const MAX_KEPT_SCRATCH: usize = 64 << 20;

thread_local! {
    /// The decompression buffer of this thread's chunks (`decode_chunk`).
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

fn corrupt(what: &str) -> ParquetError {
    ParquetError::Corrupt(what.to_string())
}

fn encoding_name(e: i32) -> String {
    match e {
        3 => "RLE value pages".into(),
        4 => "BIT_PACKED value pages".into(),
        _ => format!("encoding {e}"),
    }
}

/// The values of a decoded chunk.
pub enum Values {
    /// The Arrow type's width per slot, little-endian, zeros under nulls.
    Fixed { data: Vec<u8> },
    /// Arrow offsets (`rows + 1`) into `data`.
    Bytes { offsets: Vec<i32>, data: Vec<u8> },
    /// One index per slot (0 under nulls) into the dictionary's offsets and bytes.
    Dict { indices: Vec<i32>, dict_offsets: Vec<i32>, dict_data: Vec<u8> },
}

pub struct Decoded {
    pub values: Values,
    /// Arrow validity bitmap (bit set = value present), absent when no slot is null.
    pub validity: Option<Vec<u8>>,
    pub null_count: usize,
    /// Slots decoded: the row group's rows, or fewer under a limit (whole pages, at least `limit`).
    pub rows: usize,
}

/// A dictionary page's values: fixed-width slots, or byte arrays.
enum Dictionary {
    Fixed(Vec<u8>),
    Bytes { offsets: Vec<i32>, data: Vec<u8> },
}

impl Dictionary {
    fn len(&self, width: usize) -> usize {
        match self {
            Dictionary::Fixed(d) => d.len() / width.max(1),
            Dictionary::Bytes { offsets, .. } => offsets.len() - 1,
        }
    }
}

/// Byte arrays being built: plain, or dictionary indices until a page that is not dictionary-encoded.
enum Text {
    Plain { offsets: Vec<i32>, data: Vec<u8> },
    Indices(Vec<i32>),
}

struct Validity {
    bits: Vec<u8>,
    len: usize,
    nulls: usize,
}

impl Validity {
    fn push_levels(&mut self, levels: &[u32]) {
        self.bits.resize((self.len + levels.len()).div_ceil(8), 0);
        for &l in levels {
            if l != 0 {
                self.bits[self.len / 8] |= 1 << (self.len % 8);
            } else {
                self.nulls += 1;
            }
            self.len += 1;
        }
    }

    fn get(&self, i: usize) -> bool {
        self.bits[i / 8] & (1 << (i % 8)) != 0
    }

    fn push_all_valid(&mut self, n: usize) {
        let (mut i, end) = (self.len, self.len + n);
        self.bits.resize(end.div_ceil(8), 0);
        while i < end && i % 8 != 0 {
            self.bits[i / 8] |= 1 << (i % 8);
            i += 1;
        }
        // Whole bytes at once; the last partial byte bit by bit.
        let full = (end - i) / 8;
        self.bits[i / 8..i / 8 + full].fill(0xff);
        i += full * 8;
        while i < end {
            self.bits[i / 8] |= 1 << (i % 8);
            i += 1;
        }
        self.len = end;
    }
}

/// Plain byte arrays (`len u32 LE`, bytes) appended dense: `n` values.
fn plain_bytes(data: &[u8], n: usize, offsets: &mut Vec<i32>, out: &mut Vec<u8>) -> Result<usize, ParquetError> {
    let mut pos = 0usize;
    for _ in 0..n {
        let len = data.get(pos..pos + 4).ok_or_else(|| corrupt("a byte array runs past the page"))?;
        let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
        pos += 4;
        let v = data.get(pos..pos.checked_add(len).ok_or_else(|| corrupt("a byte array length overflows"))?).ok_or_else(|| corrupt("a byte array runs past the page"))?;
        out.extend_from_slice(v);
        pos += len;
        offsets.push(offset(out.len())?);
    }
    Ok(pos)
}

fn offset(n: usize) -> Result<i32, ParquetError> {
    i32::try_from(n).map_err(|_| ParquetError::Unsupported("text of a row group over 2 GiB".into()))
}

/// DELTA_LENGTH_BYTE_ARRAY: `n` lengths (delta-packed), then the bytes; appended dense.
fn delta_length_bytes(data: &[u8], n: usize, offsets: &mut Vec<i32>, out: &mut Vec<u8>) -> Result<usize, ParquetError> {
    let mut lens = Vec::new();
    let mut pos = decode_delta(data, n, &mut lens)?;
    if lens.len() != n {
        return Err(corrupt("a DELTA_LENGTH_BYTE_ARRAY page with the wrong number of lengths"));
    }
    for len in lens {
        let len = usize::try_from(len).map_err(|_| corrupt("a negative byte array length"))?;
        let v = data.get(pos..pos.checked_add(len).ok_or_else(|| corrupt("a byte array length overflows"))?).ok_or_else(|| corrupt("a byte array runs past the page"))?;
        out.extend_from_slice(v);
        pos += len;
        offsets.push(offset(out.len())?);
    }
    Ok(pos)
}

/// DELTA_BYTE_ARRAY: prefix lengths, then suffixes as DELTA_LENGTH_BYTE_ARRAY; value i is the
/// first `prefix[i]` bytes of value i-1 followed by its suffix. Appended dense.
fn delta_bytes(data: &[u8], n: usize, offsets: &mut Vec<i32>, out: &mut Vec<u8>) -> Result<(), ParquetError> {
    let mut prefixes = Vec::new();
    let used = decode_delta(data, n, &mut prefixes)?;
    if prefixes.len() != n {
        return Err(corrupt("a DELTA_BYTE_ARRAY page with the wrong number of prefixes"));
    }
    let (mut soff, mut sdata) = (vec![0i32], Vec::new());
    delta_length_bytes(&data[used..], n, &mut soff, &mut sdata)?;
    let mut prev: Vec<u8> = Vec::new();
    for (i, p) in prefixes.into_iter().enumerate() {
        let p = usize::try_from(p).ok().filter(|&p| p <= prev.len()).ok_or_else(|| corrupt("a DELTA_BYTE_ARRAY prefix longer than the value before"))?;
        prev.truncate(p);
        prev.extend_from_slice(&sdata[soff[i] as usize..soff[i + 1] as usize]);
        out.extend_from_slice(&prev);
        offsets.push(offset(out.len())?);
    }
    Ok(())
}

/// Appends `n` byte-array values of a page in a non-dictionary encoding to `offsets` and `out`.
fn append_bytes(encoding: i32, data: &[u8], n: usize, offsets: &mut Vec<i32>, out: &mut Vec<u8>) -> Result<(), ParquetError> {
    offsets.reserve(n);
    match encoding {
        PLAIN => {
            out.reserve(data.len().saturating_sub(4 * n));
            plain_bytes(data, n, offsets, out)?;
        }
        DELTA_LENGTH_BYTE_ARRAY => {
            delta_length_bytes(data, n, offsets, out)?;
        }
        DELTA_BYTE_ARRAY => delta_bytes(data, n, offsets, out)?,
        e => return Err(ParquetError::Unsupported(format!("{} for byte arrays", encoding_name(e)))),
    }
    Ok(())
}

/// Dense byte-array values of a page in a non-dictionary encoding.
fn dense_bytes(encoding: i32, data: &[u8], n: usize) -> Result<(Vec<i32>, Vec<u8>), ParquetError> {
    let (mut offsets, mut out) = (Vec::with_capacity(n + 1), Vec::new());
    offsets.push(0);
    append_bytes(encoding, data, n, &mut offsets, &mut out)?;
    Ok((offsets, out))
}

/// Dictionary indices of a page: a bit-width byte, then the hybrid run; each checked against the dictionary.
fn dict_indices(data: &[u8], n: usize, dict_len: usize) -> Result<Vec<u32>, ParquetError> {
    let mut idx = Vec::new();
    if n == 0 {
        return Ok(idx);
    }
    let bits = u32::from(*data.first().ok_or_else(|| corrupt("a dictionary page without its bit width"))?);
    decode_hybrid(&data[1..], bits, n, &mut idx)?;
    let max = idx.iter().copied().max().unwrap_or(0);
    if max as usize >= dict_len {
        return Err(corrupt("a dictionary index beyond the dictionary"));
    }
    Ok(idx)
}

/// A page's definition levels (max 1), or None when every slot holds a value (the common case,
/// which then takes the paths without per-slot checks).
fn decode_levels(data: &[u8], slots: usize) -> Result<Option<Vec<u32>>, ParquetError> {
    // The usual page without nulls: one RLE run of 1s covering every slot (header, value byte).
    let mut pos = 0;
    if let Ok(header) = super::encoding::uleb(data, &mut pos) {
        if header & 1 == 0 && (header >> 1) >= slots as u64 && data.get(pos) == Some(&1) {
            return Ok(None);
        }
    }
    let mut levels = Vec::with_capacity(slots);
    decode_hybrid(data, 1, slots, &mut levels)?;
    if levels.iter().all(|&v| v == 1) {
        return Ok(None);
    }
    if levels.iter().any(|&v| v > 1) {
        return Err(corrupt("a definition level above the column's maximum"));
    }
    Ok(Some(levels))
}

/// Spreads `nn` dense fixed-width values at the end of `out` over the page's slots (levels), in
/// place from the back: slot i >= dense position j always, so nothing is overwritten before it moves.
fn spread_fixed(out: &mut Vec<u8>, start: usize, width: usize, levels: &[u32]) {
    let n = levels.len();
    out.resize(start + n * width, 0);
    let mut j = levels.iter().filter(|&&l| l != 0).count();
    for i in (0..n).rev() {
        let dst = start + i * width;
        if levels[i] != 0 {
            j -= 1;
            let src = start + j * width;
            if src != dst {
                out.copy_within(src..src + width, dst);
            }
        } else {
            out[dst..dst + width].fill(0);
        }
    }
}

struct Page<'a> {
    encoding: i32,
    /// The values section (levels already removed).
    values: &'a [u8],
    /// Definition level per slot (None: a required column, every slot valid).
    levels: Option<Vec<u32>>,
    slots: usize,
    /// Values present (slots minus nulls).
    present: usize,
}

/// Decodes the chunk `bytes` of `leaf`, `rows` slots: from its first page to its end, or (with
/// `limit` below `rows`) only up to the page that reaches `limit` slots.
pub fn decode_chunk(bytes: &[u8], meta: &ColumnChunk, leaf: &Leaf, rows: usize, limit: usize) -> Result<Decoded, ParquetError> {
    let kind = leaf.arrow.clone().map_err(ParquetError::Unsupported)?;
    if !codec::supported(meta.codec) {
        return Err(ParquetError::Unsupported(format!("{} pages", codec::codec_name(meta.codec))));
    }
    if meta.physical != leaf.physical {
        return Err(corrupt("a column chunk whose type differs from the schema"));
    }
    if meta.num_values != rows as i64 {
        return Err(corrupt("a column chunk whose value count differs from its row group's rows"));
    }
    let width = leaf.width;
    let fixed = leaf.physical != BYTE_ARRAY;
    let mut validity = Validity { bits: Vec::new(), len: 0, nulls: 0 };
    let mut dict: Option<Dictionary> = None;
    // Sized once: grown page by page, the values were copied into fresh memory at every doubling
    // (a tenth of a rescore's page faults). Capped, since `rows` is the file's word, not yet checked.
    let mut fixed_out: Vec<u8> = if fixed { Vec::with_capacity(rows.saturating_mul(width).min(MAX_PAGE_BYTES / 4)) } else { Vec::new() };
    // Decompressed pages, one buffer for the thread's chunks (taken here, given back at the end).
    let mut scratch = SCRATCH.with(|s| s.take());
    let mut text = Text::Plain { offsets: vec![0], data: Vec::new() };
    let mut started = false;
    let mut pos = 0usize;
    let mut seen = 0usize;
    let wanted = limit.min(rows);
    while seen < wanted {
        let rest = bytes.get(pos..).filter(|r| !r.is_empty()).ok_or_else(|| corrupt("a column chunk ends before its values"))?;
        let (h, header_len) = parse_page_header(rest)?;
        pos += header_len;
        let compressed = h.compressed_size as usize;
        let body = bytes.get(pos..pos + compressed).ok_or_else(|| corrupt("a page runs past its column chunk"))?;
        pos += compressed;
        let size = h.uncompressed_size as usize;
        if size > MAX_PAGE_BYTES {
            return Err(corrupt("a page larger than 1 GiB"));
        }
        let slots = h.num_values as usize;
        let page = match h.kind {
            PAGE_DICTIONARY => {
                if dict.is_some() || started {
                    return Err(corrupt("a dictionary page after the first page"));
                }
                let data = codec::decompress(meta.codec, body, size)?;
                if h.encoding != PLAIN && h.encoding != PLAIN_DICTIONARY {
                    return Err(ParquetError::Unsupported(format!("dictionary pages in {}", encoding_name(h.encoding))));
                }
                dict = Some(if fixed {
                    let len = slots.checked_mul(width).filter(|&l| l <= data.len()).ok_or_else(|| corrupt("a dictionary page shorter than its values"))?;
                    Dictionary::Fixed(data[..len].to_vec())
                } else {
                    let (offsets, d) = dense_bytes(PLAIN, &data, slots)?;
                    Dictionary::Bytes { offsets, data: d }
                });
                continue;
            }
            PAGE_DATA | PAGE_DATA_V2 => {
                if slots > rows - seen {
                    return Err(corrupt("a page holds more values than its row group"));
                }
                started = true;
                (h, body, size)
            }
            _ => continue, // index pages and unknown kinds carry no values
        };
        let (h, body, size) = page;
        let (levels, values): (Option<Vec<u32>>, &[u8]) = if h.kind == PAGE_DATA {
            let owned = codec::page_bytes(meta.codec, body, size, &mut scratch)?;
            if leaf.optional {
                let len = owned.get(..4).ok_or_else(|| corrupt("a page without its level length"))?;
                let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
                let lv = owned.get(4..4usize.checked_add(len).ok_or_else(|| corrupt("level length"))?).ok_or_else(|| corrupt("levels run past the page"))?;
                (decode_levels(lv, slots)?, &owned[4 + len..])
            } else {
                (None, owned)
            }
        } else {
            let (rl, dl) = (h.rep_levels_len as usize, h.def_levels_len as usize);
            let lv_end = rl.checked_add(dl).filter(|&e| e <= body.len() && e <= size).ok_or_else(|| corrupt("page v2 levels run past the page"))?;
            let levels = if leaf.optional { decode_levels(&body[rl..lv_end], slots)? } else { None };
            let raw = &body[lv_end..];
            (levels, if h.is_compressed && meta.codec != codec::UNCOMPRESSED { codec::page_bytes(meta.codec, raw, size - lv_end, &mut scratch)? } else { raw })
        };
        let present = levels.as_ref().map_or(slots, |l| l.iter().filter(|&&v| v != 0).count());
        let page = Page { encoding: h.encoding, values, levels, slots, present };
        if fixed {
            decode_fixed_page(&page, leaf, width, dict.as_ref(), &mut fixed_out)?;
        } else {
            decode_text_page(&page, &kind, dict.as_ref(), &validity, &mut text)?;
        }
        match &page.levels {
            Some(l) => validity.push_levels(l),
            None => validity.push_all_valid(page.slots),
        }
        seen += slots;
    }
    // A buffer grown for an outsized page is let go rather than kept for the thread's life.
    if scratch.capacity() <= MAX_KEPT_SCRATCH {
        SCRATCH.with(|s| s.replace(scratch));
    }
    let null_count = validity.nulls;
    let bitmap = if null_count > 0 { Some(validity.bits) } else { None };
    let values = if fixed {
        convert_fixed(fixed_out, leaf, &kind)?
    } else {
        finish_text(text, dict, &kind, seen)?
    };
    Ok(Decoded { values, validity: bitmap, null_count, rows: seen })
}

fn decode_fixed_page(page: &Page, leaf: &Leaf, width: usize, dict: Option<&Dictionary>, out: &mut Vec<u8>) -> Result<(), ParquetError> {
    let start = out.len();
    let n = page.present;
    let need = n.checked_mul(width).ok_or_else(|| corrupt("a page too large"))?;
    match page.encoding {
        PLAIN => out.extend_from_slice(page.values.get(..need).ok_or_else(|| corrupt("a PLAIN page shorter than its values"))?),
        PLAIN_DICTIONARY | RLE_DICTIONARY => {
            let Some(Dictionary::Fixed(d)) = dict else { return Err(corrupt("a dictionary-encoded page without a dictionary")) };
            let idx = dict_indices(page.values, n, d.len() / width.max(1))?;
            out.reserve(need);
            for i in idx {
                let at = i as usize * width;
                out.extend_from_slice(&d[at..at + width]);
            }
        }
        DELTA_BINARY_PACKED if leaf.physical == INT32 || leaf.physical == INT64 => {
            let mut v = Vec::new();
            decode_delta(page.values, n, &mut v)?;
            if v.len() != n {
                return Err(corrupt("a DELTA_BINARY_PACKED page with the wrong number of values"));
            }
            out.reserve(need);
            for x in v {
                if leaf.physical == INT32 {
                    out.extend_from_slice(&(x as i32).to_le_bytes());
                } else {
                    out.extend_from_slice(&x.to_le_bytes());
                }
            }
        }
        BYTE_STREAM_SPLIT => decode_byte_stream_split(page.values.get(..need).ok_or_else(|| corrupt("a BYTE_STREAM_SPLIT page shorter than its values"))?, n, width, out)?,
        DELTA_BYTE_ARRAY | DELTA_LENGTH_BYTE_ARRAY if leaf.physical == FIXED_LEN_BYTE_ARRAY => {
            let (offsets, data) = dense_bytes(page.encoding, page.values, n)?;
            if offsets.windows(2).any(|w| (w[1] - w[0]) as usize != width) {
                return Err(corrupt("a fixed-length value of the wrong length"));
            }
            out.extend_from_slice(&data);
        }
        e => return Err(ParquetError::Unsupported(encoding_name(e))),
    }
    if let Some(levels) = &page.levels {
        if n < page.slots {
            spread_fixed(out, start, width, levels);
        }
    }
    Ok(())
}

fn bytes_of<'d>(offsets: &[i32], data: &'d [u8], i: usize) -> &'d [u8] {
    &data[offsets[i] as usize..offsets[i + 1] as usize]
}

/// Materializes dictionary indices (0 under nulls, whose slots get empty values) as plain byte arrays.
fn materialize(indices: &[i32], valid: &Validity, dict: &Dictionary) -> Result<(Vec<i32>, Vec<u8>), ParquetError> {
    let Dictionary::Bytes { offsets: doff, data: ddata } = dict else { return Err(corrupt("a byte-array column with a fixed-width dictionary")) };
    let mut offsets = Vec::with_capacity(indices.len() + 1);
    offsets.push(0);
    let mut data = Vec::new();
    for (k, &i) in indices.iter().enumerate() {
        if valid.get(k) {
            data.extend_from_slice(bytes_of(doff, ddata, i as usize));
        }
        offsets.push(offset(data.len())?);
    }
    Ok((offsets, data))
}

/// Appends a page of byte arrays; `prior` is the validity of the slots before it.
fn decode_text_page(page: &Page, kind: &ArrowKind, dict: Option<&Dictionary>, prior: &Validity, text: &mut Text) -> Result<(), ParquetError> {
    let n = page.present;
    let valid_at = |k: usize| page.levels.as_ref().is_none_or(|l| l[k] != 0);
    let dictionary_page = page.encoding == PLAIN_DICTIONARY || page.encoding == RLE_DICTIONARY;
    if dictionary_page {
        let d = dict.ok_or_else(|| corrupt("a dictionary-encoded page without a dictionary"))?;
        let idx = dict_indices(page.values, n, d.len(0))?;
        // Text stays dictionary-encoded while every page so far was; other kinds are materialized.
        let empty_plain = matches!(text, Text::Plain { offsets, .. } if offsets.len() == 1);
        if *kind == ArrowKind::Utf8 && (empty_plain || matches!(text, Text::Indices(_))) {
            if empty_plain {
                *text = Text::Indices(Vec::new());
            }
            let Text::Indices(out) = text else { unreachable!() };
            if page.levels.is_none() {
                out.extend(idx.iter().map(|&i| i as i32));
                return Ok(());
            }
            out.reserve(page.slots);
            let mut j = 0;
            for k in 0..page.slots {
                if valid_at(k) {
                    out.push(idx[j] as i32);
                    j += 1;
                } else {
                    out.push(0);
                }
            }
            return Ok(());
        }
        let Text::Plain { offsets, data } = text else { unreachable!() };
        let Dictionary::Bytes { offsets: doff, data: ddata } = d else { return Err(corrupt("a byte-array column with a fixed-width dictionary")) };
        let mut j = 0;
        for k in 0..page.slots {
            if valid_at(k) {
                data.extend_from_slice(bytes_of(doff, ddata, idx[j] as usize));
                j += 1;
            }
            offsets.push(offset(data.len())?);
        }
        return Ok(());
    }
    if let Text::Indices(indices) = text {
        // A page after dictionary pages that is not one (the writer's dictionary grew too big).
        let d = dict.ok_or_else(|| corrupt("dictionary indices without a dictionary"))?;
        let (offsets, data) = materialize(indices, prior, d)?;
        *text = Text::Plain { offsets, data };
    }
    let Text::Plain { offsets, data } = text else { unreachable!() };
    if page.levels.is_none() {
        // Every slot holds a value: decode straight into the column's buffers.
        return append_bytes(page.encoding, page.values, n, offsets, data);
    }
    let (doff, ddata) = dense_bytes(page.encoding, page.values, n)?;
    let mut j = 0;
    for k in 0..page.slots {
        if valid_at(k) {
            data.extend_from_slice(bytes_of(&doff, &ddata, j));
            j += 1;
        }
        offsets.push(offset(data.len())?);
    }
    Ok(())
}

/// UTF-8 check of text as arrow-rs makes it: the bytes are UTF-8 and every offset is a character boundary.
fn check_utf8(offsets: &[i32], data: &[u8]) -> Result<(), ParquetError> {
    if data.is_ascii() {
        return Ok(()); // every byte is a character: every offset is a boundary
    }
    let s = std::str::from_utf8(data).map_err(|_| corrupt("a text value that is not UTF-8"))?;
    if offsets.iter().any(|&o| !s.is_char_boundary(o as usize)) {
        return Err(corrupt("a text value that is not UTF-8"));
    }
    Ok(())
}

fn finish_text(text: Text, dict: Option<Dictionary>, kind: &ArrowKind, rows: usize) -> Result<Values, ParquetError> {
    let values = match text {
        Text::Indices(indices) => {
            let Some(Dictionary::Bytes { offsets, data }) = dict else { return Err(corrupt("dictionary indices without a dictionary")) };
            check_utf8(&offsets, &data)?;
            Values::Dict { indices, dict_offsets: offsets, dict_data: data }
        }
        Text::Plain { offsets, data } => {
            if *kind == ArrowKind::Utf8 {
                check_utf8(&offsets, &data)?;
            }
            if let ArrowKind::Decimal { .. } = kind {
                let mut out = Vec::with_capacity(rows * 16);
                for i in 0..offsets.len() - 1 {
                    out.extend_from_slice(&be_decimal(bytes_of(&offsets, &data, i))?.to_le_bytes());
                }
                return Ok(Values::Fixed { data: out });
            }
            Values::Bytes { offsets, data }
        }
    };
    Ok(values)
}

/// A big-endian two's-complement integer of at most 16 bytes (empty: 0, as under a null).
fn be_decimal(b: &[u8]) -> Result<i128, ParquetError> {
    if b.len() > 16 {
        return Err(ParquetError::Unsupported("decimals wider than 16 bytes".into()));
    }
    if b.is_empty() {
        return Ok(0);
    }
    let mut buf = if b[0] & 0x80 != 0 { [0xffu8; 16] } else { [0u8; 16] };
    buf[16 - b.len()..].copy_from_slice(b);
    Ok(i128::from_be_bytes(buf))
}

/// Julian day of 1970-01-01, for INT96 timestamps (nanoseconds of the day, then the Julian day).
const JULIAN_UNIX_EPOCH: i64 = 2_440_588;

fn convert_fixed(data: Vec<u8>, leaf: &Leaf, kind: &ArrowKind) -> Result<Values, ParquetError> {
    let width = leaf.width;
    Ok(match (leaf.physical, kind) {
        (INT96, _) => {
            let mut out = Vec::with_capacity(data.len() / 12 * 8);
            for v in data.chunks_exact(12) {
                let nanos = i64::from_le_bytes(v[..8].try_into().expect("8 bytes"));
                let day = i64::from(u32::from_le_bytes(v[8..].try_into().expect("4 bytes")));
                // An all-zero slot is a null's (spread_fixed zeroes them): it stays 0.
                let t = if day == 0 && nanos == 0 { 0 } else { (day - JULIAN_UNIX_EPOCH).wrapping_mul(86_400_000_000_000).wrapping_add(nanos) };
                out.extend_from_slice(&t.to_le_bytes());
            }
            Values::Fixed { data: out }
        }
        (INT32, ArrowKind::Decimal { .. }) => Values::Fixed {
            data: data.chunks_exact(4).flat_map(|v| i128::from(i32::from_le_bytes(v.try_into().expect("4 bytes"))).to_le_bytes()).collect(),
        },
        (INT64, ArrowKind::Decimal { .. }) => Values::Fixed {
            data: data.chunks_exact(8).flat_map(|v| i128::from(i64::from_le_bytes(v.try_into().expect("8 bytes"))).to_le_bytes()).collect(),
        },
        (FIXED_LEN_BYTE_ARRAY, ArrowKind::Decimal { .. }) => {
            let mut out = Vec::with_capacity(data.len() / width.max(1) * 16);
            for v in data.chunks_exact(width) {
                out.extend_from_slice(&be_decimal(v)?.to_le_bytes());
            }
            Values::Fixed { data: out }
        }
        _ => Values::Fixed { data },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parquet::schema::ArrowKind;

    /// A DataPageHeader v1 in the Thrift compact protocol: PLAIN values, RLE levels.
    fn page_header(num_values: i32, size: i32) -> Vec<u8> {
        page_header_compressed(num_values, size, size)
    }

    fn page_header_compressed(num_values: i32, size: i32, compressed: i32) -> Vec<u8> {
        let zz = |v: i32| -> Vec<u8> {
            let mut u = ((v << 1) ^ (v >> 31)) as u32;
            let mut out = Vec::new();
            loop {
                if u < 0x80 {
                    out.push(u as u8);
                    return out;
                }
                out.push((u as u8 & 0x7f) | 0x80);
                u >>= 7;
            }
        };
        let mut h = vec![0x15];
        h.extend(zz(0)); // 1: type DATA_PAGE
        h.push(0x15);
        h.extend(zz(size)); // 2: uncompressed size
        h.push(0x15);
        h.extend(zz(compressed)); // 3: compressed size
        h.push(0x2c); // 5: data_page_header (struct, delta 2)
        h.push(0x15);
        h.extend(zz(num_values));
        h.push(0x15);
        h.extend(zz(0)); // encoding PLAIN
        h.push(0x15);
        h.extend(zz(3)); // definition levels RLE
        h.push(0x15);
        h.extend(zz(3)); // repetition levels RLE
        h.push(0x00);
        h.push(0x00);
        h
    }

    /// A required INT64 column chunk of snappy pages holding `pages` (values per page).
    fn snappy_int64_chunk(pages: &[Vec<i64>]) -> (Vec<u8>, ColumnChunk) {
        let mut chunk = Vec::new();
        for values in pages {
            let plain: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            let packed = snap::raw::Encoder::new().compress_vec(&plain).unwrap();
            chunk.extend(page_header_compressed(values.len() as i32, plain.len() as i32, packed.len() as i32));
            chunk.extend(packed);
        }
        let rows = pages.iter().map(Vec::len).sum::<usize>() as i64;
        let meta = ColumnChunk { column_index: None, offset_index: None, physical: INT64, codec: codec::SNAPPY, num_values: rows, total_compressed_size: chunk.len() as i64, data_page_offset: 4, dictionary_page_offset: None };
        (chunk, meta)
    }

    #[test]
    fn pages_of_every_size_decode_through_the_threads_one_scratch_buffer() {
        let leaf = Leaf { name: "n".into(), chunk: Some(0), physical: INT64, width: 8, optional: false, arrow: Ok(ArrowKind::Int64) };
        // A big page, then smaller ones, then a chunk (row group) of other sizes: each page
        // overwrites what the scratch buffer held, and a shorter one must not read the longer's tail.
        let groups: [Vec<Vec<i64>>; 3] = [
            vec![(0..50_000).collect(), (0..7).map(|i| -i).collect(), (0..1_000).map(|i| i * 3).collect()],
            vec![(0..3).map(|i| i + 100).collect()],
            vec![(0..20_000).map(|i| i * i).collect(), (0..60_000).map(|i| 7 - i).collect()],
        ];
        for pages in &groups {
            let (chunk, meta) = snappy_int64_chunk(pages);
            let rows = meta.num_values as usize;
            let d = decode_chunk(&chunk, &meta, &leaf, rows, rows).unwrap();
            let Values::Fixed { data } = d.values else { panic!("fixed values expected") };
            let got: Vec<i64> = data.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap())).collect();
            assert_eq!(got, pages.concat());
            assert_eq!(d.null_count, 0);
            assert_eq!(d.rows, rows);
        }
    }

    #[test]
    fn a_limit_decodes_the_pages_up_to_the_one_that_reaches_it() {
        let leaf = Leaf { name: "n".into(), chunk: Some(0), physical: INT64, width: 8, optional: false, arrow: Ok(ArrowKind::Int64) };
        let pages: Vec<Vec<i64>> = vec![(0..1_000).collect(), (0..2_000).map(|i| -i).collect(), (0..500).map(|i| i * 7).collect()];
        let (chunk, meta) = snappy_int64_chunk(&pages);
        let rows = meta.num_values as usize;
        for (limit, slots) in [(1, 1_000), (1_000, 1_000), (1_001, 3_000), (3_000, 3_000), (3_001, 3_500), (rows + 9, 3_500)] {
            let d = decode_chunk(&chunk, &meta, &leaf, rows, limit).unwrap();
            let Values::Fixed { data } = d.values else { panic!("fixed values expected") };
            let got: Vec<i64> = data.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap())).collect();
            assert_eq!((d.rows, got.len()), (slots, slots), "limit {limit}");
            assert_eq!(got, pages.concat()[..slots]);
        }
        // The pages after the limit are not read: a chunk cut after its second page fails only a whole decode.
        let cut = snappy_int64_chunk(&pages[..2]).0;
        assert!(decode_chunk(&cut, &meta, &leaf, rows, 3_000).is_ok());
        assert!(matches!(decode_chunk(&cut, &meta, &leaf, rows, rows), Err(ParquetError::Corrupt(_))));
    }

    #[test]
    fn int96_timestamps_become_nanoseconds_and_nulls_spread() {
        // Three slots, the middle one null: levels as one bit-packed group [1, 0, 1].
        let levels = [0x03u8, 0b0000_0101];
        let mut body = (levels.len() as u32).to_le_bytes().to_vec();
        body.extend_from_slice(&levels);
        for (nanos, day) in [(1_000_000_000i64, 2_440_589u32), (5i64, 2_440_588u32)] {
            body.extend_from_slice(&nanos.to_le_bytes());
            body.extend_from_slice(&day.to_le_bytes());
        }
        let mut chunk = page_header(3, body.len() as i32);
        chunk.extend_from_slice(&body);
        let meta = ColumnChunk { column_index: None, offset_index: None, physical: INT96, codec: 0, num_values: 3, total_compressed_size: chunk.len() as i64, data_page_offset: 4, dictionary_page_offset: None };
        let leaf = Leaf { name: "ts".into(), chunk: Some(0), physical: INT96, width: 12, optional: true, arrow: Ok(ArrowKind::Timestamp { unit: 2, utc: false }) };
        let d = decode_chunk(&chunk, &meta, &leaf, 3, 3).unwrap();
        assert_eq!(d.null_count, 1);
        assert_eq!(d.validity.as_deref(), Some(&[0b101u8][..]));
        let Values::Fixed { data } = d.values else { panic!("fixed values expected") };
        let ts: Vec<i64> = data.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap())).collect();
        assert_eq!(ts, vec![86_401_000_000_000, 0, 5]);
        // The same page claiming more values than its row group has is corrupt, not a panic.
        assert!(matches!(decode_chunk(&chunk, &meta, &leaf, 2, 2), Err(ParquetError::Corrupt(_))));
        assert!(matches!(decode_chunk(&chunk[..chunk.len() - 3], &ColumnChunk { total_compressed_size: chunk.len() as i64 - 3, ..meta.clone() }, &leaf, 3, 3), Err(ParquetError::Corrupt(_))));
    }
}
