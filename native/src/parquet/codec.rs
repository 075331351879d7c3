//! Page decompression: snappy, gzip and zstd through Debian's crates, LZ4_RAW (and the deprecated
//! Hadoop-framed LZ4) by a hand-written, bounds-checked LZ4 block decoder (Debian has no lz4_flex).
//! Every page decompresses to exactly the size its header states, or it is corrupt.

use super::ParquetError;
use std::io::Read;

pub const UNCOMPRESSED: i32 = 0;
pub const SNAPPY: i32 = 1;
pub const GZIP: i32 = 2;
pub const LZ4: i32 = 5;
pub const ZSTD: i32 = 6;
pub const LZ4_RAW: i32 = 7;

/// Codecs `decompress` reads; the others (LZO, BROTLI) send the file to the reference reader.
pub fn supported(codec: i32) -> bool {
    matches!(codec, UNCOMPRESSED | SNAPPY | GZIP | LZ4 | ZSTD | LZ4_RAW)
}

pub fn codec_name(codec: i32) -> &'static str {
    match codec {
        0 => "UNCOMPRESSED",
        1 => "SNAPPY",
        2 => "GZIP",
        3 => "LZO",
        4 => "BROTLI",
        5 => "LZ4",
        6 => "ZSTD",
        7 => "LZ4_RAW",
        _ => "an unknown codec",
    }
}

fn size_mismatch(codec: i32) -> ParquetError {
    ParquetError::Corrupt(format!("a {} page does not decompress to its stated size", codec_name(codec)))
}

/// `input` decompressed to exactly `size` bytes.
pub fn decompress(codec: i32, input: &[u8], size: usize) -> Result<Vec<u8>, ParquetError> {
    let mut out = Vec::new();
    decompress_into(codec, input, size, &mut out)?;
    Ok(out)
}

/// A page's bytes as decompressed: `input` itself when the page is stored uncompressed, else
/// `scratch` filled with them. The scratch buffer is the caller's, reused page after page (and
/// chunk after chunk), so a row group's pages do not each take fresh memory.
pub fn page_bytes<'a>(codec: i32, input: &'a [u8], size: usize, scratch: &'a mut Vec<u8>) -> Result<&'a [u8], ParquetError> {
    if codec == UNCOMPRESSED {
        if input.len() != size {
            return Err(size_mismatch(codec));
        }
        return Ok(input);
    }
    decompress_into(codec, input, size, scratch)?;
    Ok(&scratch[..])
}

/// `input` decompressed to exactly `size` bytes into `out` (cleared first; its capacity is kept).
pub fn decompress_into(codec: i32, input: &[u8], size: usize, out: &mut Vec<u8>) -> Result<(), ParquetError> {
    let bad = |_| size_mismatch(codec);
    out.clear();
    let check = |out: &Vec<u8>| if out.len() == size { Ok(()) } else { Err(size_mismatch(codec)) };
    match codec {
        UNCOMPRESSED => {
            if input.len() != size {
                return Err(size_mismatch(codec));
            }
            out.extend_from_slice(input);
            Ok(())
        }
        SNAPPY => {
            if snap::raw::decompress_len(input).map_err(bad)? != size {
                return Err(size_mismatch(codec));
            }
            out.resize(size, 0);
            let n = snap::raw::Decoder::new().decompress(input, out).map_err(bad)?;
            if n != size {
                return Err(size_mismatch(codec));
            }
            Ok(())
        }
        GZIP => {
            out.reserve(size);
            // One byte more than stated, so a page that holds more is caught rather than cut.
            flate2::read::MultiGzDecoder::new(input).take(size as u64 + 1).read_to_end(out).map_err(|_| size_mismatch(codec))?;
            check(out)
        }
        ZSTD => {
            out.reserve(size);
            let mut dec = zstd::stream::read::Decoder::with_buffer(input).map_err(|_| size_mismatch(codec))?;
            (&mut dec).take(size as u64 + 1).read_to_end(out).map_err(|_| size_mismatch(codec))?;
            check(out)
        }
        LZ4_RAW => {
            out.reserve(size);
            lz4_block(input, out, size).map_err(|_| size_mismatch(codec))?;
            check(out)
        }
        LZ4 => {
            // Hadoop framing (what older parquet-mr wrote): [u32 BE raw size][u32 BE block size][block]...;
            // a page that does not parse that way is tried as one raw block, as arrow-rs does.
            out.reserve(size);
            if lz4_hadoop(input, out, size).is_ok() && out.len() == size {
                return Ok(());
            }
            out.clear();
            lz4_block(input, out, size).map_err(|_| size_mismatch(codec))?;
            check(out)
        }
        _ => Err(ParquetError::Unsupported(format!("{} pages", codec_name(codec)))),
    }
}

fn lz4_hadoop(mut input: &[u8], out: &mut Vec<u8>, size: usize) -> Result<(), ()> {
    while !input.is_empty() {
        if input.len() < 8 {
            return Err(());
        }
        let raw = u32::from_be_bytes(input[0..4].try_into().map_err(|_| ())?) as usize;
        let block = u32::from_be_bytes(input[4..8].try_into().map_err(|_| ())?) as usize;
        let body = input.get(8..8usize.checked_add(block).ok_or(())?).ok_or(())?;
        let before = out.len();
        lz4_block(body, out, size)?;
        if out.len() - before != raw {
            return Err(());
        }
        input = &input[8 + block..];
    }
    Ok(())
}

/// Appends the LZ4 block `input` decoded to `out`, never growing `out` beyond `limit` bytes.
///
/// A block is a run of sequences: a token (literal length in the high nibble, match length - 4 in
/// the low one, 15 meaning "more bytes follow"), the literals, then a 2-byte little-endian offset
/// back into the output and the match. The last sequence has literals only.
pub fn lz4_block(input: &[u8], out: &mut Vec<u8>, limit: usize) -> Result<(), ()> {
    let start = out.len();
    let mut i = 0usize;
    let extra = |i: &mut usize, mut n: usize| -> Result<usize, ()> {
        loop {
            let b = *input.get(*i).ok_or(())?;
            *i += 1;
            n = n.checked_add(b as usize).ok_or(())?;
            if b != 255 {
                return Ok(n);
            }
        }
    };
    while i < input.len() {
        let token = input[i];
        i += 1;
        let mut lit = (token >> 4) as usize;
        if lit == 15 {
            lit = extra(&mut i, lit)?;
        }
        let lits = input.get(i..i.checked_add(lit).ok_or(())?).ok_or(())?;
        if out.len() + lit > limit {
            return Err(());
        }
        out.extend_from_slice(lits);
        i += lit;
        if i == input.len() {
            return Ok(()); // the last sequence: literals only
        }
        let off = u16::from_le_bytes([*input.get(i).ok_or(())?, *input.get(i + 1).ok_or(())?]) as usize;
        i += 2;
        let mut len = (token & 15) as usize;
        if len == 15 {
            len = extra(&mut i, len)?;
        }
        len += 4;
        if off == 0 || off > out.len() - start || out.len() + len > limit {
            return Err(());
        }
        let from = out.len() - off;
        if off >= len {
            out.extend_from_within(from..from + len);
        } else {
            // Overlapping match (a repeated run): byte by byte, as the format defines it.
            for k in 0..len {
                let b = out[from + k];
                out.push(b);
            }
        }
    }
    // An empty block, or one that ended right after a match: only the empty block is valid.
    if input.is_empty() {
        Ok(())
    } else {
        Err(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lz4_decodes_literals_and_overlapping_matches() {
        // "abcabcabcabc!": literals "abc", match offset 3 length 9, last literals "!"
        let block = [0x35, b'a', b'b', b'c', 3, 0, 0x10, b'!'];
        let mut out = Vec::new();
        lz4_block(&block, &mut out, 100).unwrap();
        assert_eq!(out, b"abcabcabcabc!");
    }

    #[test]
    fn lz4_refuses_bad_offsets_and_oversize_output() {
        let mut out = Vec::new();
        assert!(lz4_block(&[0x10, b'a', 5, 0, 0x10, b'!'], &mut out, 100).is_err());
        out.clear();
        assert!(lz4_block(&[0x35, b'a', b'b', b'c', 3, 0, 0x10, b'!'], &mut out, 5).is_err());
        out.clear();
        assert!(lz4_block(&[0xf0, 0xff, 0xff], &mut out, 100).is_err());
    }

    #[test]
    fn codecs_roundtrip_or_refuse_a_wrong_size() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let snappy = snap::raw::Encoder::new().compress_vec(&data).unwrap();
        assert_eq!(decompress(SNAPPY, &snappy, data.len()).unwrap(), data);
        assert!(decompress(SNAPPY, &snappy, data.len() + 1).is_err());
        let z = zstd::bulk::compress(&data, 3).unwrap();
        assert_eq!(decompress(ZSTD, &z, data.len()).unwrap(), data);
        assert!(decompress(ZSTD, &z, data.len() - 1).is_err());
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &data).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(decompress(GZIP, &gz, data.len()).unwrap(), data);
        assert!(decompress(GZIP, &gz[..gz.len() / 2], data.len()).is_err());
    }
}
