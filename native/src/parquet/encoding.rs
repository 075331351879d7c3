//! The value and level encodings of Parquet pages that are not PLAIN: the RLE / bit-packed hybrid
//! (levels and dictionary indices), DELTA_BINARY_PACKED (integers, and the lengths inside the two
//! DELTA byte-array encodings), and BYTE_STREAM_SPLIT. Each decoder reads a bounded slice and
//! refuses to run past it; counts come from the page header and are checked against the bytes.

use super::ParquetError;

fn corrupt(what: &str) -> ParquetError {
    ParquetError::Corrupt(what.to_string())
}

/// An unsigned LEB128 varint at `data[*pos..]`.
pub fn uleb(data: &[u8], pos: &mut usize) -> Result<u64, ParquetError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *data.get(*pos).ok_or_else(|| corrupt("a varint runs past the page"))?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(corrupt("a varint is too long"))
}

fn zigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

/// Value `i` of width `bits` (<= 64) from LSB-first bit-packed `data`; bits past the end read as 0
/// (callers check that the values they need lie inside).
#[inline]
fn unpack(data: &[u8], i: usize, bits: u32) -> u64 {
    if bits == 0 {
        return 0;
    }
    let bit = i * bits as usize;
    let byte = bit / 8;
    let shift = (bit % 8) as u32;
    let mut word = [0u8; 16];
    let avail = data.len().saturating_sub(byte).min(16);
    word[..avail].copy_from_slice(&data[byte..byte + avail]);
    let v = u128::from_le_bytes(word) >> shift;
    let mask = if bits == 64 { u64::MAX as u128 } else { (1u128 << bits) - 1 };
    (v & mask) as u64
}

/// Appends `n` values of width `bits` (<= 32) from LSB-first bit-packed `data`, which holds at
/// least `ceil(n * bits / 8)` bytes: a 64-bit accumulator refilled a byte at a time.
fn unpack_run(data: &[u8], bits: u32, n: usize, out: &mut Vec<u32>) {
    if bits == 0 {
        out.resize(out.len() + n, 0);
        return;
    }
    let mask = if bits == 32 { u64::from(u32::MAX) } else { (1u64 << bits) - 1 };
    let (mut acc, mut have, mut at) = (0u64, 0u32, 0usize);
    for _ in 0..n {
        while have < bits {
            // In bounds: the caller checked the bytes the n values need.
            acc |= u64::from(data[at]) << have;
            at += 1;
            have += 8;
        }
        out.push((acc & mask) as u32);
        acc >>= bits;
        have -= bits;
    }
}

/// Decodes `count` values of the RLE / bit-packed hybrid (width `bits` <= 32) from `data`, appending
/// them to `out`. A final bit-packed run may cover more values than needed (its padding).
pub fn decode_hybrid(data: &[u8], bits: u32, count: usize, out: &mut Vec<u32>) -> Result<(), ParquetError> {
    if bits > 32 {
        return Err(corrupt("a bit width above 32"));
    }
    let want = out.len() + count;
    out.reserve(count);
    let mut pos = 0usize;
    let value_bytes = bits.div_ceil(8) as usize;
    while out.len() < want {
        let header = uleb(data, &mut pos)?;
        if header & 1 == 0 {
            // RLE run: the value in ceil(bits / 8) little-endian bytes.
            let run = usize::try_from(header >> 1).map_err(|_| corrupt("an RLE run too long"))?;
            if run == 0 {
                return Err(corrupt("an empty RLE run"));
            }
            let bytes = data.get(pos..pos + value_bytes).ok_or_else(|| corrupt("an RLE run runs past the page"))?;
            pos += value_bytes;
            let mut v = 0u32;
            for (k, b) in bytes.iter().enumerate() {
                v |= u32::from(*b) << (8 * k);
            }
            if bits < 32 && v >> bits != 0 {
                return Err(corrupt("an RLE value wider than its bit width"));
            }
            let take = run.min(want - out.len());
            out.resize(out.len() + take, v);
        } else {
            let groups = usize::try_from(header >> 1).map_err(|_| corrupt("a bit-packed run too long"))?;
            if groups == 0 {
                return Err(corrupt("an empty bit-packed run"));
            }
            let values = groups.checked_mul(8).ok_or_else(|| corrupt("a bit-packed run too long"))?;
            let bytes_len = groups.checked_mul(bits as usize).ok_or_else(|| corrupt("a bit-packed run too long"))?;
            let take = values.min(want - out.len());
            // Writers may leave out the padding bytes of the last run: only the values used must be there.
            let needed = (take * bits as usize).div_ceil(8);
            let end = pos + bytes_len.min(data.len() - pos);
            if end - pos < needed {
                return Err(corrupt("a bit-packed run runs past the page"));
            }
            unpack_run(&data[pos..end], bits, take, out);
            pos = end;
        }
    }
    Ok(())
}

/// Decodes DELTA_BINARY_PACKED integers from `data`, appending up to `max` values to `out` (the
/// header's own count decides how many there are). Returns the bytes consumed. Arithmetic wraps,
/// as the format defines it; INT32 callers truncate.
pub fn decode_delta(data: &[u8], max: usize, out: &mut Vec<i64>) -> Result<usize, ParquetError> {
    let mut pos = 0;
    let block = usize::try_from(uleb(data, &mut pos)?).map_err(|_| corrupt("delta block size"))?;
    let minis = usize::try_from(uleb(data, &mut pos)?).map_err(|_| corrupt("delta miniblocks"))?;
    let total = usize::try_from(uleb(data, &mut pos)?).map_err(|_| corrupt("delta count"))?;
    let first = zigzag(uleb(data, &mut pos)?);
    if total == 0 {
        return Ok(pos);
    }
    if block == 0 || block % 128 != 0 || minis == 0 || block % minis != 0 || (block / minis) % 32 != 0 || block > 1 << 20 {
        return Err(corrupt("a delta header with an invalid block layout"));
    }
    if total > max {
        return Err(corrupt("a delta run holds more values than its page"));
    }
    let per_mini = block / minis;
    let start = out.len();
    out.reserve(total);
    out.push(first);
    let mut last = first;
    while out.len() - start < total {
        let min_delta = zigzag(uleb(data, &mut pos)?);
        let widths = data.get(pos..pos + minis).ok_or_else(|| corrupt("delta bit widths run past the page"))?;
        pos += minis;
        for &w in widths {
            if out.len() - start >= total {
                break; // the widths of unused miniblocks are present but their bodies are not
            }
            if w > 64 {
                return Err(corrupt("a delta bit width above 64"));
            }
            let len = per_mini * w as usize / 8;
            let body = data.get(pos..pos + len).ok_or_else(|| corrupt("a delta miniblock runs past the page"))?;
            pos += len;
            let take = per_mini.min(total - (out.len() - start));
            for i in 0..take {
                last = last.wrapping_add(min_delta).wrapping_add(unpack(body, i, u32::from(w)) as i64);
                out.push(last);
            }
        }
    }
    Ok(pos)
}

/// BYTE_STREAM_SPLIT: `n` values of `width` bytes whose k-th bytes are stored together, k by k;
/// appended to `out` as plain little-endian values.
pub fn decode_byte_stream_split(data: &[u8], n: usize, width: usize, out: &mut Vec<u8>) -> Result<(), ParquetError> {
    if n.checked_mul(width) != Some(data.len()) {
        return Err(corrupt("a BYTE_STREAM_SPLIT page of the wrong size"));
    }
    let base = out.len();
    out.resize(base + data.len(), 0);
    let dst = &mut out[base..];
    for k in 0..width {
        let stream = &data[k * n..(k + 1) * n];
        for (i, b) in stream.iter().enumerate() {
            dst[i * width + k] = *b;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hybrid_reads_rle_and_bit_packed_runs() {
        // RLE run of 3 x 5 (width 3), then one bit-packed group of 8 values 0..7 (width 3)
        let data = [0x06, 0x05, 0x03, 0x88, 0xc6, 0xfa];
        let mut out = Vec::new();
        decode_hybrid(&data, 3, 11, &mut out).unwrap();
        assert_eq!(out, vec![5, 5, 5, 0, 1, 2, 3, 4, 5, 6, 7]);
        assert!(decode_hybrid(&data, 3, 12, &mut Vec::new()).is_err());
    }

    #[test]
    fn delta_decodes_the_spec_example() {
        // 1, 2, 3, 4, 5: block 128, 4 miniblocks, 5 values, first 1; min delta 1, widths 0
        let data = [0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00];
        let mut out = Vec::new();
        let used = decode_delta(&data, 5, &mut out).unwrap();
        assert_eq!(out, vec![1, 2, 3, 4, 5]);
        assert_eq!(used, data.len());
        assert!(decode_delta(&data, 4, &mut Vec::new()).is_err());
    }

    #[test]
    fn byte_stream_split_interleaves() {
        let mut out = Vec::new();
        decode_byte_stream_split(&[1, 2, 3, 4], 2, 2, &mut out).unwrap();
        assert_eq!(out, vec![1, 3, 2, 4]);
        assert!(decode_byte_stream_split(&[1, 2, 3], 2, 2, &mut out).is_err());
    }
}
